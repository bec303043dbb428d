import { expect, test, type Page } from '@playwright/test';
import { expectNoHorizontalOverflow, expectNoSeriousA11yViolations, gotoHydrated, logIn, tenantUrl } from './helpers';

/// A server function called from the page itself (same origin, the session's cookie).
async function call(page: Page, endpoint: string, fields: Record<string, string>): Promise<any> {
  return page.evaluate(
    async ([endpoint, fields]) => {
      const res = await fetch(`/api/${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields as Record<string, string>).toString(),
      });
      if (!res.ok) throw new Error(`${endpoint}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    [endpoint, fields] as const,
  );
}

/// The inventory account's balance and the profit of today, in minor units.
async function books(page: Page): Promise<{ inventory: number; profit: number }> {
  const chart = await call(page, 'accounts/list', {});
  const inventory = chart.accounts.find((a: any) => a.code === '1300').balance;
  const pl = await call(page, 'reports/profit-loss', { from: '2020-01-01', to: '' });
  return { inventory, profit: pl.profit };
}

test('low stock → a draft → a partial delivery at a new price: stock, cost, inventory and profit move', async ({ page }) => {
  const stamp = Date.now().toString(36).toUpperCase();
  const sku = `BUY-${stamp}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));

  // A product below its reorder level: 2 on hand, reorder at 10, cost 2.00.
  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  await page.getByLabel('Name').fill(`Buying test ${sku}`);
  await page.getByLabel('SKU').fill(sku);
  await page.getByLabel('Sale price').fill('5.00');
  await page.getByLabel('Cost price').fill('2,00');
  await page.getByLabel('Reorder level').fill('10');
  await page.getByLabel('Supplier').selectOption({ index: 1 });
  await page.getByLabel('Opening stock').fill('2');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('product-name')).toHaveText(`Buying test ${sku}`);
  const before = await books(page);

  // One click orders every low-stock item not yet on an order: the demo's
  // were ordered already, so it makes this product's draft alone and opens it.
  await gotoHydrated(page, tenantUrl('acme', '/purchases'));
  await expect(page.getByTestId('purchase-rows')).toContainText('Partly received');
  await expectNoSeriousA11yViolations(page, 'purchases');
  await page.getByTestId('from-low-stock').click();
  const lines = page.getByTestId('purchase-lines');
  await expect(lines).toContainText(sku);
  await expect(page.getByTestId('purchase-state')).toHaveText('Draft');
  await expectNoSeriousA11yViolations(page, 'a draft order');
  // Up to twice the reorder level: 18, at the cost price.
  await expect(page.getByTestId('draft-qty-0')).toHaveValue('18');
  await expect(page.getByTestId('draft-cost-0')).toHaveValue('2.00');

  // The supplier's price went up: 2,61 (decimal comma), saved, then sent.
  await page.getByTestId('draft-cost-0').fill('2,61');
  await page.getByTestId('draft-save').click();
  await expect(page.getByTestId('purchase-total')).toContainText('46.98');
  await page.getByTestId('purchase-send').click();
  await expect(page.getByTestId('purchase-state')).toHaveText('Sent');

  // 8 of 18 arrive (keyboard: type, Enter); a double click receives once.
  await page.getByTestId('receive-qty-0').fill('8');
  await page.getByTestId('purchase-receive').dblclick();
  await expect(page.getByTestId('purchase-state')).toHaveText('Partly received');
  await expect(lines.locator('tbody tr').first()).toContainText('8');

  // Stock 10; cost (2 × 2.00 + 8 × 2.61) / 10 = 2.488 → 2.49. The inventory
  // account grows by the stock's new value (10 × 2.49 − 2 × 2.00 = 20.90);
  // what is owed is 8 × 2.61 = 20.88, and the 0.02 of rounding is profit.
  const after = await books(page);
  expect(after.inventory - before.inventory).toBe(2090);
  expect(after.profit - before.profit).toBe(2);

  // Pay part of it.
  await page.getByTestId('pay-amount').fill('10,00');
  await page.getByTestId('pay-submit').click();
  await expect(page.getByTestId('pay-done')).toContainText('Paid 10.00');

  // A phone: the order page fits (its tables scroll in their own box).
  await page.setViewportSize({ width: 390, height: 800 });
  await expectNoHorizontalOverflow(page, 'purchase order on a phone');
});

test('a cashier is told purchasing is not for their role', async ({ page }) => {
  await logIn(page, 'acme', 'cashier@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/purchases'));
  await expect(page.getByRole('alert')).toContainText('Purchasing is for managers');
});
