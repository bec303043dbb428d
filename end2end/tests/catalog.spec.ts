import { expect, test } from '@playwright/test';
import { gotoHydrated, gotoUnderCsp, logIn, tenantUrl, watchCsp } from './helpers';

test('an owner creates a product, restocks it, finds it and sees its badge change', async ({ page }) => {
  const sku = `E2E-${Date.now().toString(36).toUpperCase()}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));

  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  await page.getByLabel('Name').fill(`Playwright mug ${sku}`);
  await page.getByLabel('SKU').fill(sku);
  await page.getByLabel('Sale price').fill('7.50');
  await page.getByLabel('Reorder level').fill('5');
  await page.getByLabel('Opening stock').fill('2');
  await page.getByRole('button', { name: 'Create product' }).click();

  await expect(page.getByTestId('product-name')).toHaveText(`Playwright mug ${sku}`);
  await expect(page.getByTestId('on-hand')).toHaveText('2');
  await expect(page.getByTestId('stock-badge')).toHaveText('Low');

  await page.getByLabel('Quantity received').fill('10');
  await page.getByRole('button', { name: 'Add stock' }).click();
  await expect(page.getByTestId('on-hand')).toHaveText('12');
  await expect(page.getByTestId('stock-badge')).toHaveText('In stock');
  await expect(page.getByTestId('movement-rows').locator('tr')).toHaveCount(2);

  await gotoHydrated(page, tenantUrl('acme', '/products'));
  await page.getByTestId('product-search').fill(sku.toLowerCase());
  const rows = page.getByTestId('product-rows').locator('tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`Playwright mug ${sku}`);
  await expect(rows.first().getByTestId('stock-badge')).toHaveText('In stock');
});

test('a cashier sees products but no stock actions', async ({ page }) => {
  await logIn(page, 'acme', 'cashier@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/products'));
  await expect(page.getByTestId('product-rows').locator('tr').first()).toBeVisible();
  await expect(page.getByRole('link', { name: 'New product' })).toHaveCount(0);
  await page.getByTestId('product-rows').locator('a').first().click();
  await expect(page.getByTestId('product-name')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add stock' })).toHaveCount(0);
});

test('a manager imports a CSV: dry run with progress, then all rows at once', async ({ page }) => {
  const tag = Date.now().toString(36).toUpperCase();
  const rows = ['sku,name,sale_price,stock,category'];
  for (let i = 0; i < 1500; i++) rows.push(`IMP-${tag}-${i},Imported ${tag} ${i},${(i % 90) + 1}.25,${i % 7},Imported ${tag}`);
  const cspViolations = await watchCsp(page);
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoUnderCsp(page, tenantUrl('acme', '/products/import'));
  await expect(page.locator('[data-hydrated="true"]')).toBeVisible();

  // A broken file first: located errors, nothing imported.
  await page.getByTestId('import-file').setInputFiles({
    name: 'broken.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('sku,name,sale_price\nX-1,Broken,abc\n'),
  });
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByTestId('import-errors')).toContainText('sale_price');
  await expect(page.getByRole('button', { name: 'Import' })).toBeDisabled();

  await page.getByTestId('import-file').setInputFiles({
    name: 'catalog.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(rows.join('\n')),
  });
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByTestId('import-summary')).toContainText('1500 rows: 1500 new');
  await expect(page.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByTestId('import-summary')).toContainText('Imported.', { timeout: 60_000 });

  await gotoHydrated(page, tenantUrl('acme', '/products'));
  await page.getByTestId('product-search').fill(`imported ${tag.toLowerCase()} 149`);
  await expect(page.getByTestId('product-rows').locator('tr')).toHaveCount(11);
  // The progress bar's width is set through the CSSOM, which the policy allows.
  expect(cspViolations).toEqual([]);
});
