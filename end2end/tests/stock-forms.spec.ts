import { expect, test } from '@playwright/test';
import { gotoHydrated, logIn, tenantUrl } from './helpers';

test('Add stock adds once on a double click, says what happened and clears', async ({ page }) => {
  const sku = `STK-${Date.now().toString(36).toUpperCase()}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  await page.getByLabel('Name').fill(`Stock form ${sku}`);
  await page.getByLabel('SKU').fill(sku);
  await page.getByLabel('Sale price').fill('2.00');
  await page.getByLabel('Opening stock').fill('7');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('product-name')).toHaveText(`Stock form ${sku}`);
  await page.reload();
  await expect(page.locator('html[data-wasm="hydrated"]')).toHaveCount(1);
  await expect(page.getByTestId('on-hand')).toHaveText('7');

  await page.getByLabel('Quantity received').fill('5');
  await page.getByLabel('Delivery note').fill('Delivery 42');
  await page.getByRole('button', { name: 'Add stock' }).dblclick();
  await expect(page.getByTestId('stock-status')).toHaveText('Added 5; on hand now 12.');
  await expect(page.getByTestId('on-hand')).toHaveText('12');
  await expect(page.getByLabel('Quantity received')).toHaveValue('');
  await expect(page.getByLabel('Delivery note')).toHaveValue('');
  // Once: opening stock and one restock in the history, 12 after a reload.
  await expect(page.getByTestId('movement-rows').locator('tr')).toHaveCount(2);
  await page.reload();
  await expect(page.getByTestId('on-hand')).toHaveText('12');
  await expect(page.getByTestId('movement-rows').locator('tr')).toHaveCount(2);

  // The other stock forms say what happened and clear too; by keyboard.
  await expect(page.locator('html[data-wasm="hydrated"]')).toHaveCount(1);
  await page.getByLabel('Change').fill('-2');
  await page.getByLabel('Reason').fill('damaged');
  await page.getByLabel('Reason').press('Enter');
  await expect(page.getByTestId('stock-status')).toHaveText('Adjusted by -2; on hand now 10.');
  await expect(page.getByLabel('Change')).toHaveValue('');
  await page.getByLabel('Counted').fill('9');
  await page.getByLabel('Counted').press('Enter');
  await expect(page.getByTestId('stock-status')).toHaveText('Count recorded; on hand now 9.');
  await expect(page.getByLabel('Counted')).toHaveValue('');
  await expect(page.getByTestId('on-hand')).toHaveText('9');
});
