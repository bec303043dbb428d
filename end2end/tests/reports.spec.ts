import { expect, test } from '@playwright/test';
import { expectNoHorizontalOverflow, expectNoSeriousA11yViolations, logIn, tenantUrl } from './helpers';

// The demo business has months of sales: the reports page and the dashboard
// show them with charts drawn on the server.

test('reports work with the keyboard alone, on a phone, and match their CSV', async ({ page }) => {
  test.setTimeout(120_000);
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  // The dashboard's sales and chart (server-drawn SVG).
  await expect(page.getByTestId('today-total')).toBeVisible();
  await expect(page.getByTestId('dashboard-chart').locator('svg')).toBeVisible();

  await page.goto(tenantUrl('acme', '/reports'));
  await expect(page.getByTestId('report-chart').locator('svg')).toBeVisible();
  await expect(page.getByTestId('report-table')).toBeVisible();

  // Keyboard: choose "Payment method", submit with Enter (a plain GET form).
  await page.getByTestId('report-group').focus();
  await page.getByTestId('report-group').selectOption('payment_method');
  await page.getByTestId('report-show').focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/group=payment_method/);
  await expect(page.getByTestId('report-table').getByRole('rowheader', { name: 'Card' })).toBeVisible();
  await expect(page.getByTestId('report-csv')).toHaveAttribute('href', /report=sales&group=payment_method/);
  await expectNoSeriousA11yViolations(page, 'reports page');

  // The CSV has the rows on screen and a total.
  const href = await page.getByTestId('report-csv').getAttribute('href');
  const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href ?? '');
  const lines = csv.trim().split('\n');
  expect(lines[0]).toBe('payment_method,label,bills,total,tax,refunds,after_refunds');
  const rows = await page.getByTestId('report-table').locator('tbody tr').count();
  expect(lines.length).toBe(rows + 1);
  expect(lines[lines.length - 1]).toMatch(/^,Total,/);

  // At 390 px the page does not scroll sideways; the table scrolls in its box.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(tenantUrl('acme', '/reports?report=products&group=category'));
  await expect(page.getByTestId('report-chart').locator('svg')).toBeVisible();
  await expectNoHorizontalOverflow(page, 'reports page on a phone');
});

test('a cashier is told that reports are for managers', async ({ page }) => {
  await logIn(page, 'acme', 'cashier@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await expect(page.getByTestId('today-total')).toHaveCount(0);
  await page.goto(tenantUrl('acme', '/reports'));
  await expect(page.getByRole('alert')).toContainText('Reports are for managers');
});
