import { expect, test, type Page } from '@playwright/test';
import {
  apexUrl,
  DEMO_PASSWORD,
  expectNoSeriousA11yViolations,
  gotoHydrated,
  logIn,
  port,
  tenantUrl,
} from './helpers';

// axe-core on every page, as the people who use it, with its content loaded:
// no violation of impact serious or critical.

const consoleUrl = (path = '/') => `http://admin.localhost:${port}${path}`;

/// Opens `url`, waits for hydration and for the page's data (no "Loading…"
/// left), then runs axe.
async function check(page: Page, url: string, label: string): Promise<void> {
  await gotoHydrated(page, url);
  await settled(page);
  await expectNoSeriousA11yViolations(page, label);
}

async function settled(page: Page): Promise<void> {
  await expect(page.getByText(/^(Loading|Opening the till)/)).toHaveCount(0);
}

/// The first link in `container` (a list's first row), opened and checked.
async function checkFirstLink(page: Page, listUrl: string, container: string, label: string): Promise<void> {
  await gotoHydrated(page, listUrl);
  const link = page.getByTestId(container).locator('a').first();
  await expect(link).toBeVisible();
  const href = await link.getAttribute('href');
  expect(href).toBeTruthy();
  await check(page, tenantUrl('acme', href ?? '/'), label);
}

test('signed-out pages: apex home, log-in, sign-up, a business log-in', async ({ page }) => {
  await check(page, apexUrl('/'), 'apex home');
  await check(page, apexUrl('/login'), 'apex log-in');
  await check(page, apexUrl('/signup'), 'sign-up');
  await check(page, tenantUrl('acme', '/login'), 'acme log-in');
  // A refused log-in shows its message accessibly too.
  await page.getByLabel('Email').fill('owner@acme.test');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectNoSeriousA11yViolations(page, 'acme log-in with an error');
});

test('the organization chooser on the apex', async ({ page }) => {
  await gotoHydrated(page, apexUrl('/login'));
  await page.getByLabel('Email').fill('owner@acme.test');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/orgs$/);
  await check(page, apexUrl('/orgs'), 'organization chooser');
});

test("an owner's pages: dashboard, catalog, people, settings, audit", async ({ page }) => {
  test.setTimeout(180_000);
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await check(page, tenantUrl('acme', '/'), 'dashboard');
  await check(page, tenantUrl('acme', '/products'), 'products');
  await checkFirstLink(page, tenantUrl('acme', '/products'), 'product-rows', 'product detail');
  await check(page, tenantUrl('acme', '/products/new'), 'new product');
  await check(page, tenantUrl('acme', '/products/import'), 'import');
  await check(page, tenantUrl('acme', '/stock/low'), 'low stock');
  await check(page, tenantUrl('acme', '/catalog/lists'), 'categories, suppliers, tax rates');
  await check(page, tenantUrl('acme', '/customers'), 'customers');
  await checkFirstLink(page, tenantUrl('acme', '/customers'), 'customer-rows', 'customer detail');
  await check(page, tenantUrl('acme', '/bills'), 'bills');
  await checkFirstLink(page, tenantUrl('acme', '/bills'), 'bill-rows', 'bill detail');
  await check(page, tenantUrl('acme', '/members'), 'members');
  await check(page, tenantUrl('acme', '/settings'), 'settings');
  await check(page, tenantUrl('acme', '/profile'), 'profile');
  await check(page, tenantUrl('acme', '/audit'), 'audit');
  // The audit record disclosure, opened.
  await page.getByText('Record', { exact: true }).first().click();
  await expectNoSeriousA11yViolations(page, 'audit with a record open');
});

test('the till: empty, with a cart, and its receipt', async ({ page }) => {
  const sku = `AXE-${Date.now().toString(36).toUpperCase()}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  await page.getByLabel('Name').fill(`Axe test ${sku}`);
  await page.getByLabel('SKU').fill(sku);
  await page.getByLabel('Sale price').fill('4.20');
  await page.getByLabel('Opening stock').fill('9');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('product-name')).toHaveText(`Axe test ${sku}`);

  await check(page, tenantUrl('acme', '/pos'), 'till, empty');
  await expect(page.locator('[data-hydrated="true"]')).toBeVisible();
  await page.getByTestId('pos-search').fill(sku);
  await expect(page.getByTestId('pos-results').getByRole('option').first()).toBeVisible();
  await expectNoSeriousA11yViolations(page, 'till with search results');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  await page.getByTestId('pos-search').fill(sku);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('2');
  await expectNoSeriousA11yViolations(page, 'till with a cart');
  await page.getByLabel('Cash handed over').fill('10');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('bill-number')).toHaveText(/^INV-\d{6}$/);
  await expectNoSeriousA11yViolations(page, 'till with its receipt');
});

test("a cashier's dashboard, till and products", async ({ page }) => {
  await logIn(page, 'acme', 'cashier@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await check(page, tenantUrl('acme', '/'), 'cashier dashboard');
  await check(page, tenantUrl('acme', '/pos'), 'cashier till');
  await check(page, tenantUrl('acme', '/products'), 'cashier products');
});

test('the platform console', async ({ page }) => {
  await gotoHydrated(page, consoleUrl('/login'));
  await expectNoSeriousA11yViolations(page, 'console log-in');
  await page.getByLabel('Email').fill('operator@shopfloor.test');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.locator('[data-testid="tenant-row"]').first()).toBeVisible();
  await check(page, consoleUrl('/'), 'platform console');
});

test('the invitation page, as the invited person opens it', async ({ page, browser }) => {
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/members'));
  await page.getByLabel('Email to invite').fill(`axe-${Date.now().toString(36)}@example.test`);
  await page.getByLabel('Role', { exact: true }).selectOption('cashier');
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const link = await page.getByTestId('invite-link').inputValue();
  await expectNoSeriousA11yViolations(page, 'members with a new invitation');
  const guestContext = await browser.newContext();
  const guest = await guestContext.newPage();
  await check(guest, link, 'invitation');
  await expect(guest.getByRole('heading', { name: 'Join Acme Corner Shop' })).toBeVisible();
  await guestContext.close();
});
