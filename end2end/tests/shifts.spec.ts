import { expect, test, type Page } from '@playwright/test';
import { expectNoHorizontalOverflow, expectNoSeriousA11yViolations, gotoHydrated, logIn, tenantUrl } from './helpers';

async function createProduct(page: Page, sku: string, price: string, stock: string): Promise<void> {
  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  await page.getByLabel('Name').fill(`Shift test ${sku}`);
  await page.getByLabel('SKU').fill(sku);
  await page.getByLabel('Sale price').fill(price);
  await page.getByLabel('Opening stock').fill(stock);
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('product-name')).toHaveText(`Shift test ${sku}`);
}

test('a whole shift: open with a float, sell, cash out, close 3.00 short, print the Z', async ({ page }) => {
  const stamp = Date.now().toString(36).toUpperCase();
  const sku = `SHIFT-${stamp}`;
  const till = `Till ${stamp}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await createProduct(page, sku, '5.00', '10');

  // A new till, set up by the owner.
  await gotoHydrated(page, tenantUrl('acme', '/shifts'));
  await page.getByLabel('Till name').fill(till);
  await page.getByRole('button', { name: 'Add till' }).click();
  await expect(page.getByTestId('till-rows')).toContainText(till);
  await expectNoSeriousA11yViolations(page, 'shifts page');

  // On the till page, this browser picks the new till: no shift, so the
  // float is asked for (decimal comma, keyboard only).
  await gotoHydrated(page, tenantUrl('acme', '/pos'));
  await page.getByTestId('till-picker').getByRole('button', { name: till }).click();
  await expect(page.getByTestId('till-picker').getByRole('button', { name: till })).toHaveAttribute('aria-pressed', 'true');
  const float = page.getByTestId('shift-float');
  await expect(float).toBeFocused();
  await page.keyboard.type('100,00');
  await page.keyboard.press('Enter');

  // The shift is open: the till sells.
  const search = page.getByTestId('pos-search');
  await expect(search).toBeFocused();
  await expect(page.getByTestId('till-bar')).toContainText(`${till}: shift open since`);
  await page.keyboard.type(sku);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  await page.getByLabel('Cash handed over').fill('20');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('bill-number')).toHaveText(/^INV-\d{6}$/);

  // The remembered till is still chosen after a reload.
  await gotoHydrated(page, tenantUrl('acme', '/pos'));
  await expect(page.getByTestId('till-bar')).toContainText(`${till}: shift open since`);

  // X report: 100.00 + 5.00; 10.00 to the bank; closed 3.00 short.
  await gotoHydrated(page, tenantUrl('acme', '/shifts'));
  await page.getByTestId('till-rows').locator('li', { hasText: till }).getByRole('link', { name: 'X report' }).click();
  await expect(page.getByTestId('report-title')).toHaveText('X report (shift so far)');
  await expectNoSeriousA11yViolations(page, 'X report');
  await expect(page.getByTestId('report-expected-cash')).toContainText('105.00');
  await page.getByLabel('Amount').fill('10');
  await page.getByLabel('Reason').fill('Bank deposit');
  await page.getByRole('button', { name: 'Record cash' }).click();
  await expect(page.getByTestId('report-cash-out')).toContainText('10.00');
  await expect(page.getByTestId('report-expected-cash')).toContainText('95.00');
  await page.getByLabel('Counted cash').fill('92,00');
  await page.getByRole('button', { name: 'Close shift' }).click();
  await expect(page.getByTestId('report-title')).toHaveText(/^Z report Z-\d{6}$/);
  await expect(page.getByTestId('report-over-short')).toContainText('Short');
  await expect(page.getByTestId('report-over-short')).toContainText('3.00');

  // Print preview: only the report shows.
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByTestId('shift-report')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Print' })).toBeHidden();
  await page.emulateMedia({ media: 'screen' });

  // Back on the till page, this till asks for a new shift.
  await gotoHydrated(page, tenantUrl('acme', '/pos'));
  await expect(page.getByTestId('open-shift-form')).toBeVisible();
  await expectNoSeriousA11yViolations(page, 'open shift form');

  // The shifts page and a Z fit a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await gotoHydrated(page, tenantUrl('acme', '/shifts'));
  await expect(page.getByTestId('shift-rows')).toContainText(till);
  await expectNoHorizontalOverflow(page, 'shifts page');
});
