import { expect, test } from '@playwright/test';
import { apexUrl, expectHydratedDashboard, gotoHydrated, logIn, tenantUrl } from './helpers';

test('a new business signs up and lands on its own subdomain, hydrated', async ({ page }) => {
  const slug = `shop-${Date.now().toString(36)}`;
  await gotoHydrated(page, apexUrl('/signup'));
  await page.getByLabel('Business name').fill('Playwright Provisions');
  await page.getByLabel('Address').fill(slug);
  await page.getByLabel('Your name').fill('Pat Wright');
  await page.getByLabel('Email').fill(`pat@${slug}.test`);
  await page.getByLabel('Password').fill('a-long-enough-password');
  await page.getByRole('button', { name: 'Create business' }).click();

  // `localhost` and `<slug>.localhost` are different sites to the browser, so
  // the hand-off asks before signing in (in production the apex and the
  // business are the same site and it completes at once).
  await page.getByRole('button', { name: 'Continue as Pat Wright' }).click();
  await page.waitForURL(tenantUrl(slug, '/'));
  await expectHydratedDashboard(page, 'Playwright Provisions');
  await expect(page.getByTestId('current-user')).toContainText('Pat Wright');
  await expect(page.getByTestId('count-members')).toHaveText('1');

  // The hydrated page answers clicks: refresh reloads the counts in place.
  await page.getByTestId('refresh').click();
  await expect(page.getByTestId('count-owners')).toHaveText('1');
});

test('the demo owner logs in to acme', async ({ page }) => {
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await expectHydratedDashboard(page, 'Acme Corner Shop');
  await expect(page.getByTestId('current-user')).toContainText('Owner');
  // The demo's owner and cashier, and whoever other tests invited.
  await expect(page.getByTestId('count-members')).toHaveText(/^([2-9]|\d\d+)$/);
});

test('a wrong password is refused with a plain message', async ({ page }) => {
  await logIn(page, 'acme', 'owner@acme.test', 'not-the-password');
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
  await expect(page).toHaveURL(tenantUrl('acme', '/login'));
});

test("globex's owner cannot open acme's pages", async ({ page }) => {
  await logIn(page, 'globex', 'owner@globex.test');
  await page.waitForURL(tenantUrl('globex', '/'));
  await expectHydratedDashboard(page, 'Globex Market');

  // Globex's session does not reach acme: acme's dashboard sends to its log-in.
  await page.goto(tenantUrl('acme', '/'));
  await page.waitForURL(tenantUrl('acme', '/login'));
  await expect(page.getByRole('heading', { name: 'Log in to Acme Corner Shop' })).toBeVisible();
  await expect(page.getByText('Globex Market')).toHaveCount(0);

  // And globex's credentials do not open acme.
  await logIn(page, 'acme', 'owner@globex.test');
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');

});

test("a page on globex cannot act on acme's server functions", async ({ page }) => {
  // Signed in to both shops in one browser (sibling subdomains are the same site,
  // so the browser would send acme's cookie along with a request from globex).
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await logIn(page, 'globex', 'owner@globex.test');
  await page.waitForURL(tenantUrl('globex', '/'));
  await expectHydratedDashboard(page, 'Globex Market');

  // From globex's page, try to log acme's session out.
  await page.evaluate(async (url) => {
    await fetch(url, { method: 'POST', credentials: 'include', mode: 'no-cors' }).catch(() => undefined);
  }, tenantUrl('acme', '/api/auth/logout'));

  // Acme's session is still there: the cross-origin POST was refused.
  await page.goto(tenantUrl('acme', '/'));
  await expectHydratedDashboard(page, 'Acme Corner Shop');
});

test('an unknown shop address says so', async ({ page }) => {
  const res = await page.goto(tenantUrl('no-such-shop', '/'));
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'No shop here' })).toBeVisible();
});
