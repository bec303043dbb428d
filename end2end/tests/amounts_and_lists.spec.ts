import { expect, test, type Page } from '@playwright/test';
import { gotoHydrated, logIn, tenantUrl } from './helpers';

async function ownerOfAcme(page: Page): Promise<void> {
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
}

async function createProduct(page: Page, name: string, sku: string, price: string, supplier?: string): Promise<void> {
  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('SKU').fill(sku);
  await page.getByLabel('Sale price').fill(price);
  await page.getByLabel('Opening stock').fill('5');
  if (supplier) await page.getByLabel('Supplier').selectOption({ label: supplier });
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('product-name')).toHaveText(name);
}

test('a decimal comma is a decimal separator: price 1,50 is 1.50, cash 5,00 on 1.20 gives 3.80 change', async ({ page }) => {
  const tag = Date.now().toString(36).toUpperCase();
  await ownerOfAcme(page);

  await createProduct(page, `Comma gum ${tag}`, `COMMA-${tag}`, '1,50');
  await expect(page.getByTestId('product-price')).toHaveText(/^1\.50\b/);

  // An ambiguous amount is refused with a reason, nothing is saved.
  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  await page.getByLabel('Name').fill(`Ambiguous ${tag}`);
  await page.getByLabel('SKU').fill(`AMB-${tag}`);
  await page.getByLabel('Sale price').fill('1,500');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByRole('alert')).toContainText('ambiguous');
  await expect(page.getByRole('alert')).toContainText('1500');

  await createProduct(page, `Comma mint ${tag}`, `MINT-${tag}`, '1,20');
  await expect(page.getByTestId('product-price')).toHaveText(/^1\.20\b/);
  await gotoHydrated(page, tenantUrl('acme', '/pos'));
  await expect(page.locator('[data-hydrated="true"]')).toBeVisible();
  await page.getByTestId('pos-search').fill(`MINT-${tag}`);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  await expect(page.getByTestId('pos-total')).toHaveText(/^1\.20\b/);
  await page.getByLabel('Cash handed over').fill('5,00');
  await expect(page.getByTestId('pos-change')).toHaveText(/^3\.80\b/);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('bill-number')).toHaveText(/^INV-\d{6}$/);
  await expect(page.getByTestId('receipt-change')).toHaveText(/^3\.80\b/);
  await expect(page.getByTestId('receipt')).toContainText('5.00');
  await expect(page.getByTestId('receipt')).not.toContainText('500.00');
});

test('the products list pages through acme with Next and Previous', async ({ page }) => {
  await ownerOfAcme(page);
  await gotoHydrated(page, tenantUrl('acme', '/products'));
  const rows = page.getByTestId('product-rows').locator('tr');
  await expect(rows).toHaveCount(25);
  const status = page.getByText(/products · page \d+ of \d+/);
  await expect(status).toContainText('page 1 of');
  const pages = Number((await status.textContent())?.match(/of (\d+)/)?.[1]);
  expect(pages).toBeGreaterThanOrEqual(10);

  const next = page.getByRole('button', { name: 'Next', exact: true });
  const previous = page.getByRole('button', { name: 'Previous', exact: true });
  await expect(next).toHaveText('Next');
  await expect(previous).toBeDisabled();
  const firstOnPage1 = await rows.first().textContent();

  await next.click();
  await expect(status).toContainText('page 2 of');
  await expect(rows.first()).not.toHaveText(firstOnPage1 ?? '');
  await next.click();
  await expect(status).toContainText('page 3 of');
  await previous.click();
  await expect(status).toContainText('page 2 of');
  await previous.click();
  await expect(status).toContainText('page 1 of');
  await expect(rows.first()).toHaveText(firstOnPage1 ?? '');
  await expect(previous).toBeDisabled();

  // By keyboard: Next is a real, focusable button.
  await next.focus();
  await page.keyboard.press('Enter');
  await expect(status).toContainText('page 2 of');
});

test('the supplier filter shows only that supplier\'s products', async ({ page }) => {
  const tag = Date.now().toString(36).toUpperCase();
  await ownerOfAcme(page);
  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  const suppliers = await page.getByLabel('Supplier').locator('option').allTextContents();
  const [first, second] = suppliers.filter((s) => s.trim() !== '' && !/^(none|—|-|choose)/i.test(s.trim()));
  expect(first).toBeTruthy();
  expect(second).toBeTruthy();
  await createProduct(page, `From first ${tag}`, `SUPA-${tag}`, '2.00', first);
  await createProduct(page, `From second ${tag}`, `SUPB-${tag}`, '2.00', second);

  await gotoHydrated(page, tenantUrl('acme', '/products'));
  await page.getByTestId('product-search').fill(tag);
  const rows = page.getByTestId('product-rows').locator('tr');
  await expect(rows).toHaveCount(2);
  await page.getByLabel('Supplier').selectOption({ label: first });
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`From first ${tag}`);
  await page.getByLabel('Supplier').selectOption({ label: second });
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`From second ${tag}`);
  await page.getByLabel('Supplier').selectOption({ label: 'All suppliers' });
  await expect(rows).toHaveCount(2);
});

test('amounts show the business\'s currency on the product list and the till', async ({ page }) => {
  await ownerOfAcme(page);
  const setCurrency = async (code: string) => {
    await gotoHydrated(page, tenantUrl('acme', '/settings'));
    await page.getByLabel('Currency').selectOption(code);
    await page.getByRole('button', { name: /^Save/ }).click();
    await expect(page.getByText('Settings saved.')).toBeVisible();
  };
  await setCurrency('EUR');
  try {
    await gotoHydrated(page, tenantUrl('acme', '/products'));
    await expect(page.getByTestId('product-rows').locator('tr').first()).toContainText(/\d\.\d\d EUR/);
    await gotoHydrated(page, tenantUrl('acme', '/pos'));
    await expect(page.locator('[data-hydrated="true"]')).toBeVisible();
    await expect(page.getByTestId('pos-total')).toHaveText('0.00 EUR');
  } finally {
    await setCurrency('USD');
  }
});
