import { expect, test, type Page } from '@playwright/test';
import { apexUrl, expectHydratedDashboard, gotoHydrated, logIn, tenantUrl } from './helpers';

async function signUp(page: Page, slug: string, business: string): Promise<void> {
  await gotoHydrated(page, apexUrl('/signup'));
  await page.getByLabel('Business name').fill(business);
  await page.getByLabel('Address').fill(slug);
  await page.getByLabel('Your name').fill('Nora New');
  await page.getByLabel('Email').fill(`nora@${slug}.test`);
  await page.getByLabel('Password').fill('a-long-enough-password');
  await page.getByRole('button', { name: 'Create business' }).click();
  await page.getByRole('button', { name: 'Continue as Nora New' }).click();
  await page.waitForURL(tenantUrl(slug, '/'));
  await expectHydratedDashboard(page, business);
}

/// Opens the dashboard and returns which steps are done, by key.
async function steps(page: Page, slug: string): Promise<Record<string, string | null>> {
  await gotoHydrated(page, tenantUrl(slug, '/'));
  const checklist = page.getByTestId('checklist');
  await expect(checklist).toBeVisible();
  const done: Record<string, string | null> = {};
  for (const key of ['settings', 'products', 'staff', 'sale']) {
    done[key] = await checklist.getByTestId(`step-${key}`).getAttribute('data-done');
  }
  return done;
}

test('a new owner sees a getting-started checklist that ticks off with real work, then goes away', async ({ page }) => {
  test.setTimeout(120_000);
  const slug = `start-${Date.now().toString(36)}`;
  await signUp(page, slug, 'Checklist Corner');

  // Nothing done: every step links where it is done.
  const checklist = page.getByTestId('checklist');
  await expect(checklist.getByRole('heading', { name: 'Getting started' })).toBeVisible();
  await expect(page.getByTestId('checklist-progress')).toHaveText('0 of 4 done');
  await expect(checklist.getByRole('link', { name: 'Review your settings' })).toHaveAttribute('href', '/settings');
  await expect(checklist.getByRole('link', { name: 'Add your first products' })).toHaveAttribute('href', '/products/new');
  await expect(checklist.getByRole('link', { name: 'Invite your staff' })).toHaveAttribute('href', '/members');
  await expect(checklist.getByRole('link', { name: 'Make your first sale' })).toHaveAttribute('href', '/pos');

  // Settings reviewed and saved.
  await checklist.getByRole('link', { name: 'Review your settings' }).click();
  await page.waitForURL(tenantUrl(slug, '/settings'));
  await gotoHydrated(page, tenantUrl(slug, '/settings'));
  await page.getByRole('button', { name: /^Save/ }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  expect(await steps(page, slug)).toEqual({ settings: 'true', products: 'false', staff: 'false', sale: 'false' });
  await expect(page.getByTestId('checklist-progress')).toHaveText('1 of 4 done');
  await expect(page.getByTestId('checklist').getByRole('link', { name: 'Review your settings' })).toHaveCount(0);

  // A first product.
  await gotoHydrated(page, tenantUrl(slug, '/products/new'));
  await page.getByLabel('Name').fill('First loaf');
  await page.getByLabel('SKU').fill('LOAF-1');
  await page.getByLabel('Sale price').fill('2.40');
  await page.getByLabel('Opening stock').fill('10');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('product-name')).toHaveText('First loaf');
  expect(await steps(page, slug)).toEqual({ settings: 'true', products: 'true', staff: 'false', sale: 'false' });

  // Staff invited.
  await gotoHydrated(page, tenantUrl(slug, '/members'));
  await page.getByLabel('Email to invite').fill(`ben@${slug}.test`);
  await page.getByLabel('Role', { exact: true }).selectOption('cashier');
  await page.getByRole('button', { name: 'Create invitation' }).click();
  await expect(page.getByTestId('invitation-rows')).toContainText(`ben@${slug}.test`);
  expect(await steps(page, slug)).toEqual({ settings: 'true', products: 'true', staff: 'true', sale: 'false' });

  // The first sale: every step is done and the checklist is gone.
  await gotoHydrated(page, tenantUrl(slug, '/pos'));
  await expect(page.locator('[data-hydrated="true"]')).toBeVisible();
  await page.getByTestId('pos-search').fill('LOAF-1');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  await page.getByLabel('Cash handed over').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('bill-number')).toHaveText(/^INV-\d{6}$/);
  await gotoHydrated(page, tenantUrl(slug, '/'));
  await expect(page.getByTestId('count-members')).toBeVisible();
  await expect(page.getByTestId('checklist')).toHaveCount(0);

  // And the dashboard tells the story in words, amounts in the currency.
  const activity = page.getByTestId('activity');
  await expect(activity.filter({ hasText: /^Nora New sold INV-\d{6}, 2\.40 [A-Z]{3}/ })).toHaveCount(1);
  await expect(activity.filter({ hasText: 'Nora New invited' })).toHaveCount(1);
  await expect(page.getByText(/[{}]/)).toHaveCount(0);
});

test('the audit trail of acme reads as sentences, with amounts in the currency and the record on demand', async ({ page }) => {
  const sku = `AUD-${Date.now().toString(36).toUpperCase()}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  await page.getByLabel('Name').fill(`Audit milk ${sku}`);
  await page.getByLabel('SKU').fill(sku);
  await page.getByLabel('Sale price').fill('1.25');
  await page.getByLabel('Opening stock').fill('7');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('product-name')).toHaveText(`Audit milk ${sku}`);
  await expect(page.locator('html[data-wasm="hydrated"]')).toHaveCount(1);
  await page.getByLabel('Quantity received').fill('5');
  await page.getByRole('button', { name: 'Add stock' }).click();
  await expect(page.getByTestId('stock-status')).toContainText('on hand now 12');

  await gotoHydrated(page, tenantUrl('acme', '/pos'));
  await expect(page.locator('[data-hydrated="true"]')).toBeVisible();
  await page.getByTestId('pos-search').fill(sku);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  await page.getByLabel('Cash handed over').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('bill-number')).toHaveText(/^INV-\d{6}$/);
  const bill = (await page.getByTestId('bill-number').textContent()) ?? '';

  // The dashboard's recent activity.
  await gotoHydrated(page, tenantUrl('acme', '/'));
  const activity = page.getByTestId('activity');
  await expect(activity.filter({ hasText: `sold ${bill}, 1.25 ` })).toHaveCount(1);
  await expect(activity.filter({ hasText: new RegExp(`sold ${bill}, 1\\.25 [A-Z]{3}`) })).toHaveCount(1);
  await expect(activity.filter({ hasText: `sold 1 of Audit milk ${sku} (on hand 11)` })).toHaveCount(1);

  // The audit page: sentences first, the raw record behind a disclosure.
  await gotoHydrated(page, tenantUrl('acme', '/audit'));
  const rows = page.getByTestId('audit-rows');
  await expect(rows.getByTestId('audit-summary').filter({ hasText: `added 5 of Audit milk ${sku} (on hand 12)` })).toHaveCount(1);
  await expect(rows.getByTestId('audit-summary').filter({ hasText: new RegExp(`sold ${bill}, 1\\.25 [A-Z]{3}$`) })).toHaveCount(1);
  await expect(rows.getByTestId('audit-summary').filter({ hasText: `added the product Audit milk ${sku} (${sku}), on hand 7` })).toHaveCount(1);
  const saleRow = rows.locator('tr').filter({ hasText: `sold ${bill}` });
  await expect(saleRow.getByText('"total"')).toBeHidden();
  await saleRow.getByText('Record', { exact: true }).click();
  await expect(saleRow.getByText(/"total":\s*125/)).toBeVisible();
});

test('amounts on bills, a bill, customers and a product carry the currency code', async ({ page }) => {
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  const money = /\d+\.\d\d [A-Z]{3}/;

  await gotoHydrated(page, tenantUrl('acme', '/bills'));
  await expect(page.getByTestId('bill-totals')).toContainText(/· \d[\d,.]*\.\d\d [A-Z]{3} · refunded \d[\d,.]*\.\d\d [A-Z]{3}/);
  const firstBill = page.getByTestId('bill-rows').locator('tr').first();
  await expect(firstBill).toContainText(money);
  await firstBill.locator('a').first().click();
  await expect(page.getByTestId('bill-title')).toHaveText(/^INV-\d{6}$/);
  await expect(page.getByTestId('receipt')).toContainText(new RegExp(`Total${money.source}`));

  await gotoHydrated(page, tenantUrl('acme', '/customers'));
  await expect(page.getByTestId('customer-rows').locator('li').first()).toContainText(new RegExp(`bills · ${money.source}`));
  await page.getByTestId('customer-rows').locator('a').first().click();
  await expect(page.getByTestId('customer-totals')).toContainText(new RegExp(`${money.source} spent`));

  await gotoHydrated(page, tenantUrl('acme', '/products'));
  await page.getByTestId('product-rows').locator('a').first().click();
  await expect(page.getByTestId('product-price')).toHaveText(new RegExp(`^${money.source}$`));
});
