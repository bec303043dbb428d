import { expect, test, type Page } from '@playwright/test';
import { gotoHydrated, logIn, tenantUrl } from './helpers';

async function createProduct(page: Page, sku: string, price: string, stock: string): Promise<void> {
  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  await page.getByLabel('Name').fill(`Receipt test ${sku}`);
  await page.getByLabel('SKU').fill(sku);
  await page.getByLabel('Sale price').fill(price);
  await page.getByLabel('Opening stock').fill(stock);
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('product-name')).toHaveText(`Receipt test ${sku}`);
}

async function setReceiptPaper(page: Page, paper: '80mm' | '58mm' | 'a4'): Promise<void> {
  await gotoHydrated(page, tenantUrl('acme', '/settings'));
  await page.locator('select[name="receipt_paper"]').selectOption(paper);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status')).toHaveText('Settings saved.');
}

async function openTill(page: Page): Promise<void> {
  await gotoHydrated(page, tenantUrl('acme', '/pos'));
  await expect(page.locator('[data-hydrated="true"]')).toBeVisible();
  await expect(page.getByTestId('pos-search')).toBeFocused();
}

/// Scans `sku` once and pays exact cash by keyboard; returns the bill number.
async function sellOne(page: Page, sku: string): Promise<string> {
  await page.keyboard.type(sku);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  await page.getByLabel('Cash handed over').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('bill-number')).toHaveText(/^INV-\d{6}$/);
  return (await page.getByTestId('bill-number').textContent()) ?? '';
}

const MM = 96 / 25.4;

/// Under print media only the receipt shows, as wide as the paper.
async function expectPrintsReceiptAlone(page: Page, widthMm: number): Promise<void> {
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('header')).not.toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).not.toBeVisible();
  const receipt = page.getByTestId('receipt');
  await expect(receipt).toBeVisible();
  await expect(receipt.getByRole('button', { name: /Print/ })).not.toBeVisible();
  const box = await receipt.boundingBox();
  expect(box).not.toBeNull();
  expect(Math.abs((box?.width ?? 0) - widthMm * MM)).toBeLessThan(2);
  await page.emulateMedia({ media: 'screen' });
  await expect(page.locator('header')).toBeVisible();
}

test('printing prints the receipt alone, laid out for the paper in settings', async ({ page }) => {
  const sku = `PRN-${Date.now().toString(36).toUpperCase()}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await createProduct(page, sku, '3.00', '5');
  try {
    await setReceiptPaper(page, '58mm');
    await openTill(page);
    const number = await sellOne(page, sku);
    await expectPrintsReceiptAlone(page, 58);
    await expect(page.getByTestId('pos-search')).toBeVisible();
    await page.emulateMedia({ media: 'print' });
    await expect(page.getByTestId('pos-search')).not.toBeVisible();
    await page.emulateMedia({ media: 'screen' });

    // The bill page's reprint: the same, and the credit-note form stays off paper.
    await gotoHydrated(page, tenantUrl('acme', '/bills'));
    await page.getByRole('link', { name: number }).click();
    await expect(page.getByTestId('bill-title')).toHaveText(number);
    await expectPrintsReceiptAlone(page, 58);
    await page.emulateMedia({ media: 'print' });
    await expect(page.getByRole('button', { name: 'Issue credit note' })).not.toBeVisible();
    await page.emulateMedia({ media: 'screen' });

    await setReceiptPaper(page, '80mm');
    await gotoHydrated(page, tenantUrl('acme', '/bills'));
    await page.getByRole('link', { name: number }).click();
    await expect(page.getByTestId('bill-title')).toHaveText(number);
    await expectPrintsReceiptAlone(page, 80);

    await setReceiptPaper(page, 'a4');
    await page.goBack();
    await page.reload();
    await expect(page.getByTestId('bill-title')).toHaveText(number);
    await expectPrintsReceiptAlone(page, 190);
  } finally {
    await page.emulateMedia({ media: 'screen' });
    await setReceiptPaper(page, '80mm');
  }
});

test('the receipt shows line and bill discounts as lines, on the till and the bill page', async ({ page }) => {
  const sku = `DSC-${Date.now().toString(36).toUpperCase()}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await createProduct(page, sku, '10.00', '5');
  await openTill(page);
  await page.keyboard.type(sku);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  await page.getByLabel(`Discount on Receipt test ${sku}`).fill('0.50');
  await page.getByLabel(`Discount on Receipt test ${sku}`).press('Tab');
  await page.getByLabel('Bill discount').fill('1.00');
  await page.getByLabel('Bill discount').press('Tab');
  await expect(page.getByTestId('pos-total')).toHaveText(/^8\.50 [A-Z]{3}$/);
  await page.getByRole('button', { name: 'Pay' }).click();
  const receipt = page.getByTestId('receipt');
  await expect(receipt.getByTestId('receipt-line-discount')).toContainText('−0.50');
  await expect(receipt.getByTestId('receipt-bill-discount')).toContainText('−1.00');
  await expect(receipt).toContainText('8.50');
  const number = (await page.getByTestId('bill-number').textContent()) ?? '';

  await gotoHydrated(page, tenantUrl('acme', '/bills'));
  await page.getByRole('link', { name: number }).click();
  await expect(page.getByTestId('bill-title')).toHaveText(number);
  await expect(page.getByTestId('receipt-line-discount')).toContainText('−0.50');
  await expect(page.getByTestId('receipt-bill-discount')).toContainText('−1.00');
});

test('after Pay the till takes the next scan at once, into a new sale', async ({ page }) => {
  const sku = `NXT-${Date.now().toString(36).toUpperCase()}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await createProduct(page, sku, '4.00', '5');
  await openTill(page);
  await sellOne(page, sku);
  // No click: the scanner's next code and Enter start the next sale.
  await page.keyboard.type(sku);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  await expect(page.getByTestId('pos-total')).toHaveText(/^4\.00 [A-Z]{3}$/);
  await expect(page.getByTestId('receipt')).toHaveCount(0);
  await expect(page.getByTestId('pos-search')).toBeFocused();
  // And it is a new sale: paying makes a second bill.
  const first = await page.getByTestId('pos-total').textContent();
  expect(first).toMatch(/^4\.00 [A-Z]{3}$/);
  await page.getByLabel('Cash handed over').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('bill-number')).toHaveText(/^INV-\d{6}$/);
  await expect(page.getByTestId('receipt')).toContainText('1 × Receipt test');
});

test('on a phone the till sells, shows the receipt within the screen and takes the next scan', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const sku = `PHN-${Date.now().toString(36).toUpperCase()}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await createProduct(page, sku, '2.50', '5');
  await openTill(page);
  await sellOne(page, sku);
  const box = await page.getByTestId('receipt').boundingBox();
  expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 999) <= 390).toBe(true);
  await expect(page.getByRole('button', { name: 'New sale' })).toBeVisible();
  await page.keyboard.type(sku);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('pos-total')).toHaveText(/^2\.50 [A-Z]{3}$/);
});
