import { expect, test, type Browser, type Page } from '@playwright/test';
import { apexUrl, gotoHydrated, logIn, tenantUrl } from './helpers';
import { SmtpSink } from './smtp-sink';

const PASSWORD = 'a-long-enough-password';

/// Signs up a fresh business (so no demo account's password changes) and
/// returns its slug, its owner's email and a page signed in on it.
async function freshBusiness(browser: Browser): Promise<{ slug: string; email: string; page: Page }> {
  const slug = `acct-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
  const email = `pat@${slug}.test`;
  const page = await (await browser.newContext()).newPage();
  await gotoHydrated(page, apexUrl('/signup'));
  await page.getByLabel('Business name').fill('Account Shop');
  await page.getByLabel('Address').fill(slug);
  await page.getByLabel('Your name').fill('Pat Wright');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create business' }).click();
  await page.getByRole('button', { name: 'Continue as Pat Wright' }).click();
  await page.waitForURL(tenantUrl(slug, '/'));
  return { slug, email, page };
}

/// Another browser signed in to the same account.
async function secondBrowser(browser: Browser, slug: string, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await logIn(page, slug, email, PASSWORD);
  await page.waitForURL(tenantUrl(slug, '/'));
  return page;
}

async function expectSignedOut(page: Page, slug: string): Promise<void> {
  const status = await page.evaluate(async () => (await fetch('/api/auth/me', { method: 'POST' })).status);
  expect(status).toBe(401);
  await page.goto(tenantUrl(slug, '/profile'));
  await page.waitForURL(tenantUrl(slug, '/login'));
}

let sink: SmtpSink;
test.beforeAll(async () => {
  sink = await SmtpSink.start();
});
test.afterAll(async () => {
  await sink.close();
});

test('changing the password on the profile keeps this browser signed in and signs out the other', async ({ browser }) => {
  const { slug, email, page } = await freshBusiness(browser);
  const other = await secondBrowser(browser, slug, email);

  await gotoHydrated(page, tenantUrl(slug, '/profile'));
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password').fill('my-new-password-2');
  await page.getByRole('button', { name: 'Change password' }).dblclick();
  await expect(page.getByTestId('password-saved')).toContainText('Password changed');
  await expect(page.getByLabel('Current password')).toHaveValue('');
  await expect(page.getByLabel('New password')).toHaveValue('');

  // This browser stays in; the other one is out at its next request.
  await page.reload();
  await expect(page.getByTestId('password-form')).toBeVisible();
  await expectSignedOut(other, slug);
  // A wrong current password is refused plainly.
  await expect(page.locator('html[data-wasm="hydrated"]')).toHaveCount(1);
  await page.getByLabel('Current password').fill('not-my-password');
  await page.getByLabel('New password').fill('another-new-password');
  await page.getByLabel('New password').press('Enter');
  await expect(page.getByRole('alert')).toHaveText('Your current password is not right.');
});

test('forgot password: the same answer for anyone, a single-use emailed link, every session signed out', async ({ browser }) => {
  const { slug, email, page: stolen } = await freshBusiness(browser);
  const page = await (await browser.newContext()).newPage();
  await gotoHydrated(page, tenantUrl(slug, '/login'));
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(tenantUrl(slug, '/forgot'));
  await expect(page.locator('html[data-wasm="hydrated"]')).toHaveCount(1);
  await page.getByLabel('Email').fill(`nobody-${slug}@example.test`);
  await page.getByRole('button', { name: 'Send the link' }).click();
  const answer = await page.getByTestId('reset-requested').textContent();
  expect(answer).toContain('If an account uses that address');

  await gotoHydrated(page, tenantUrl(slug, '/forgot'));
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByTestId('reset-requested')).toHaveText(answer!);

  const mail = await sink.waitFor((m) => m.includes(`To: ${email}`));
  const link = mail.match(/http:\/\/\S+\/reset\/[0-9a-f]{64}/)?.[0];
  expect(link).toBeTruthy();
  expect(sink.mails.some((m) => m.includes(`nobody-${slug}`))).toBe(false);

  await gotoHydrated(page, link!);
  await page.getByLabel('New password').fill('reset-password-3');
  await page.getByRole('button', { name: 'Set the password' }).click();
  await page.waitForURL(tenantUrl(slug, '/login?reset=1'));
  await expect(page.getByTestId('reset-done')).toBeVisible();
  await expectSignedOut(stolen, slug);

  // The new password works; the link does not work twice.
  await logIn(page, slug, email, 'reset-password-3');
  await page.waitForURL(tenantUrl(slug, '/'));
  await gotoHydrated(page, link!);
  await expect(page.getByTestId('reset-invalid')).toBeVisible();
});

test('a bill is emailed from its page to an address typed by keyboard', async ({ page }) => {
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/bills'));
  await page.getByTestId('bill-rows').locator('tr a').first().click();
  const number = (await page.getByTestId('bill-title').textContent())!.trim();
  await page.getByRole('button', { name: 'Email receipt' }).click();
  const address = `customer-${Date.now().toString(36)}@example.test`;
  await page.getByLabel("Customer's email").fill(address);
  await page.getByLabel("Customer's email").press('Enter');
  await expect(page.getByTestId('email-receipt-sent')).toHaveText(`Receipt ${number} sent to ${address}.`);
  const mail = await sink.waitFor((m) => m.includes(`To: ${address}`));
  expect(mail).toContain(number);
  expect(mail).toContain('text/html');
});

test('the invite link copies with a visible confirmation', async ({ browser }) => {
  const context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: tenantUrl('acme', '') });
  const owner = await context.newPage();
  await logIn(owner, 'acme', 'owner@acme.test');
  await owner.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(owner, tenantUrl('acme', '/members'));
  await owner.getByLabel('Email to invite').fill(`copy-${Date.now().toString(36)}@example.test`);
  await owner.getByLabel('Role', { exact: true }).selectOption('cashier');
  await owner.getByRole('button', { name: 'Create invitation' }).click();
  const link = await owner.getByTestId('invite-link').inputValue();
  await owner.getByRole('button', { name: 'Copy' }).click();
  await expect(owner.getByTestId('copy-status')).toHaveText('Copied');
  expect(await owner.evaluate(() => navigator.clipboard.readText())).toBe(link);
});

test('settings link to the whole-business download', async ({ page }) => {
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/settings'));
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download all business data' }).click();
  expect((await download).suggestedFilename()).toBe('acme-export.jsonl');
});

test('a restock on one screen updates the on-hand count on another without a reload', async ({ browser }) => {
  const context = await browser.newContext();
  const a = await context.newPage();
  await logIn(a, 'acme', 'owner@acme.test');
  await a.waitForURL(tenantUrl('acme', '/'));
  const sku = `LIVE-${Date.now().toString(36).toUpperCase()}`;
  await gotoHydrated(a, tenantUrl('acme', '/products/new'));
  await a.getByLabel('Name').fill(`Live ${sku}`);
  await a.getByLabel('SKU').fill(sku);
  await a.getByLabel('Sale price').fill('1.00');
  await a.getByLabel('Opening stock').fill('3');
  await a.getByRole('button', { name: 'Create product' }).click();
  await expect(a.getByTestId('product-name')).toHaveText(`Live ${sku}`);
  const productUrl = a.url();

  // Another screen: the product's page, and the list filtered to it.
  const b = await context.newPage();
  await gotoHydrated(b, productUrl);
  await expect(b.getByTestId('on-hand')).toHaveText('3');
  const list = await context.newPage();
  await gotoHydrated(list, tenantUrl('acme', '/products'));
  await list.getByRole('searchbox', { name: 'Search products' }).fill(sku);
  const onHandInList = list.getByTestId('product-rows').locator('tr', { hasText: sku }).locator('td').nth(4);
  await expect(onHandInList).toHaveText('3');

  // Someone on B is half-way through editing the product's details.
  await b.getByText('Edit details').click();
  await b.getByLabel('Name').fill(`Live ${sku} (typing)`);

  await gotoHydrated(a, productUrl);
  await a.getByLabel('Quantity received').fill('4');
  await a.getByRole('button', { name: 'Add stock' }).click();
  await expect(a.getByTestId('on-hand')).toHaveText('7');
  await expect(b.getByTestId('on-hand')).toHaveText('7');
  await expect(b.getByTestId('movement-rows').locator('tr')).toHaveCount(2);
  // The live count did not redraw the edit in progress.
  await expect(b.getByLabel('Name')).toHaveValue(`Live ${sku} (typing)`);
  await expect(onHandInList).toHaveText('7');
});

test("the till's receipt is emailed after a sale, and the till still takes the next scan", async ({ page }) => {
  const sku = `MAIL-${Date.now().toString(36).toUpperCase()}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  await page.getByLabel('Name').fill(`Mail ${sku}`);
  await page.getByLabel('SKU').fill(sku);
  await page.getByLabel('Sale price').fill('2.00');
  await page.getByLabel('Opening stock').fill('5');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('product-name')).toHaveText(`Mail ${sku}`);

  await gotoHydrated(page, tenantUrl('acme', '/pos'));
  const search = page.getByTestId('pos-search');
  await expect(search).toBeFocused();
  await page.keyboard.type(sku);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  await page.getByLabel('Cash handed over').fill('5');
  await page.keyboard.press('Enter');
  const number = (await page.getByTestId('bill-number').textContent())!.trim();
  await expect(search).toBeFocused();

  await page.getByRole('button', { name: 'Email receipt' }).click();
  const address = `till-${Date.now().toString(36)}@example.test`;
  await page.getByLabel("Customer's email").fill(address);
  await page.getByRole('button', { name: 'Send', exact: true }).dblclick();
  await expect(page.getByTestId('email-receipt-sent')).toHaveText(`Receipt ${number} sent to ${address}.`);
  const mail = await sink.waitFor((m) => m.includes(`To: ${address}`));
  expect(mail).toContain(`Mail ${sku}`);
  // Once, even on a double click.
  expect(sink.mails.filter((m) => m.includes(`To: ${address}`))).toHaveLength(1);
});

test('the password pages fit a 390 px phone', async ({ browser }) => {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  for (const path of ['/login', '/forgot', '/reset/0000']) {
    await gotoHydrated(page, tenantUrl('acme', path));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
  await expect(page.getByTestId('reset-invalid')).toBeVisible();
});

test("a restock and a rename on the product page reach an open till's search results", async ({ browser }) => {
  const sku = `TLIVE-${Date.now().toString(36).toUpperCase()}`;
  const office = await (await browser.newContext()).newPage();
  await logIn(office, 'acme', 'owner@acme.test');
  await office.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(office, tenantUrl('acme', '/products/new'));
  await office.getByLabel('Name').fill(`Till live ${sku}`);
  await office.getByLabel('SKU').fill(sku);
  await office.getByLabel('Sale price').fill('2.00');
  await office.getByLabel('Opening stock').fill('2');
  await office.getByRole('button', { name: 'Create product' }).click();
  await expect(office.getByTestId('product-name')).toHaveText(`Till live ${sku}`);
  const productUrl = office.url();

  const till = await (await browser.newContext()).newPage();
  await logIn(till, 'acme', 'cashier@acme.test');
  await till.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(till, tenantUrl('acme', '/pos'));
  await expect(till.getByTestId('live')).toContainText('Live stock');
  await till.getByTestId('pos-search').fill(sku);
  await expect(till.getByTestId('pos-stock').first()).toHaveText('2 in stock');

  await gotoHydrated(office, productUrl);
  await office.getByLabel('Quantity received').fill('10');
  await office.getByRole('button', { name: 'Add stock' }).click();
  await expect(till.getByTestId('pos-stock').first()).toHaveText('12 in stock');

  await office.getByText('Edit details').click();
  await office.getByLabel('Name').fill(`Till live renamed ${sku}`);
  await office.getByRole('button', { name: 'Save changes' }).click();
  await expect(till.getByTestId('pos-results')).toContainText(`Till live renamed ${sku}`);
});
