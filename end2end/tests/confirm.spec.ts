import { expect, test } from '@playwright/test';
import { DEMO_PASSWORD, gotoHydrated, logIn, port, tenantUrl } from './helpers';

const consoleUrl = (path = '/') => `http://admin.localhost:${port}${path}`;

test('the platform console asks before it suspends a business', async ({ page }) => {
  await gotoHydrated(page, consoleUrl('/login'));
  await page.getByLabel('Email').fill('operator@shopfloor.test');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  const row = page.locator('[data-testid="tenant-row"][data-slug="globex"]');
  await expect(row).toBeVisible();
  await expect(page.locator('html[data-wasm="hydrated"]')).toHaveCount(1);

  // One click only asks; Cancel leaves the business alone.
  await row.getByRole('button', { name: 'Suspend' }).click();
  await expect(row.getByRole('group', { name: 'Confirm' })).toContainText('Suspend Globex');
  await expect(row.getByRole('button', { name: 'Yes, suspend' })).toBeFocused();
  await row.getByRole('button', { name: 'Cancel' }).click();
  await expect(row.getByRole('button', { name: 'Suspend' })).toBeVisible();
  await page.reload();
  await expect(row.getByText('suspended', { exact: true })).toHaveCount(0);

  // Confirmed (by keyboard: the focus is on "Yes"), it is suspended; then reactivated.
  await expect(page.locator('html[data-wasm="hydrated"]')).toHaveCount(1);
  await row.getByRole('button', { name: 'Suspend' }).click();
  await page.keyboard.press('Enter');
  await expect(row.getByText('suspended', { exact: true })).toBeVisible();
  await row.getByRole('button', { name: 'Reactivate' }).click();
  await expect(row.getByText('suspended', { exact: true })).toHaveCount(0);
  await expect(row.getByRole('button', { name: 'Suspend' })).toBeVisible();
});

test('deactivating a member asks first', async ({ page }) => {
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/members'));
  const row = page.getByTestId('member-row').filter({ hasText: 'cashier@acme.test' });
  await expect(row.getByRole('button', { name: 'Deactivate' })).toBeVisible();

  await row.getByRole('button', { name: 'Deactivate' }).click();
  await expect(row.getByRole('group', { name: 'Confirm' })).toContainText('Deactivate');
  await row.getByRole('button', { name: 'Cancel' }).click();
  await page.reload();
  await expect(row).not.toContainText('deactivated');

  await expect(page.locator('html[data-wasm="hydrated"]')).toHaveCount(1);
  await row.getByRole('button', { name: 'Deactivate' }).click();
  await row.getByRole('button', { name: 'Yes, deactivate' }).click();
  await expect(row).toContainText('deactivated');
  await row.getByRole('button', { name: 'Reactivate' }).click();
  await expect(row).not.toContainText('deactivated');
});
