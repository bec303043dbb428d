import { expect, test } from '@playwright/test';
import { gotoHydrated, logIn, tenantUrl } from './helpers';

test('bills filter by cashier and by day in the business time zone', async ({ page }) => {
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/bills'));
  const rows = page.getByTestId('bill-rows').locator('tr');
  await expect(rows.first()).toBeVisible();
  // The cashier choices arrive once the page has hydrated.
  const cashier = page.getByTestId('bills-cashier');
  await expect(cashier.locator('option', { hasText: 'Cal Cashier' })).toHaveCount(1);
  const cashierCells = page.getByTestId('bill-rows').locator('tr td:nth-child(4)');
  await expect.poll(async () => new Set(await cashierCells.allTextContents()).size).toBeGreaterThan(1);
  // The demo's cashier rang up half of the sales: choosing them leaves theirs only.
  await cashier.selectOption({ label: 'Cal Cashier' });
  await expect
    .poll(async () => {
      const names = await cashierCells.allTextContents();
      return names.length > 0 && names.every((n) => n === 'Cal Cashier');
    })
    .toBe(true);

  await page.getByTestId('bills-from').fill('2099-01-01');
  await page.getByTestId('bills-from').dispatchEvent('change');
  await expect(page.getByText('No bills match')).toBeVisible();
});

test("a customer's page shows their bills and saves an edit", async ({ page }) => {
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/customers'));
  await page.getByRole('link', { name: 'Maria Lopez' }).click();
  await expect(page.getByTestId('customer-name')).toContainText('Maria Lopez');
  await expect(page.getByTestId('customer-totals')).not.toContainText('0 bills');
  const bills = page.getByTestId('bill-rows').locator('tr');
  await expect(bills.first()).toBeVisible();
  for (const name of await page.getByTestId('bill-rows').locator('tr td:nth-child(3)').allTextContents()) {
    expect(name).toBe('Maria Lopez');
  }

  const notes = `Prefers paper receipts ${Date.now()}`;
  await page.getByLabel('Notes').fill(notes);
  const saved = page.waitForResponse((r) => r.url().includes('/api/customers/save') && r.ok());
  await page.getByRole('button', { name: 'Save' }).click();
  await saved;
  await page.reload();
  await expect(page.getByLabel('Notes')).toHaveValue(notes);
});

test('the bill list pages through the bills and totals what it selects', async ({ page }) => {
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/bills'));
  await expect(page.getByTestId('bill-totals')).toContainText(/\d+ bills · /);
  const pageLabel = page.getByTestId('bill-page');
  await expect(pageLabel).toHaveText(/^Page 1 of [2-9]/);
  const firstCell = page.getByTestId('bill-rows').locator('tr').first().locator('td').first();
  const first = await firstCell.innerText();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(pageLabel).toHaveText(/^Page 2 of/);
  await expect(firstCell).not.toHaveText(first);
  await page.getByRole('button', { name: 'Previous' }).click();
  await expect(pageLabel).toHaveText(/^Page 1 of/);
  await expect(firstCell).toHaveText(first);
  // A narrower filter totals only what it selects, on one page.
  await page.getByLabel('Search bills').fill(first);
  await expect(page.getByTestId('bill-totals')).toContainText('1 bill · ');
  await expect(pageLabel).toHaveCount(0);
});
