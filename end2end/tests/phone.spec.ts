import { expect, test } from '@playwright/test';
import { expectNoHorizontalOverflow, expectNoSeriousA11yViolations, gotoHydrated, logIn, tenantUrl } from './helpers';

// A 390 px phone: no page scrolls sideways (wide tables scroll inside their
// own box), the header folds into a menu, and the till works one-handed.
test.use({ viewport: { width: 390, height: 844 } });

test('no page is wider than a phone', async ({ page }) => {
  test.setTimeout(120_000);
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  const pages: [string, string][] = [
    ['/', 'dashboard'],
    ['/products', 'products'],
    ['/bills', 'bills'],
    ['/customers', 'customers'],
    ['/settings', 'settings'],
    ['/members', 'members'],
    ['/audit', 'audit'],
    ['/stock/low', 'low stock'],
    ['/catalog/lists', 'lists'],
    ['/products/new', 'new product'],
    ['/pos', 'till'],
  ];
  for (const [path, label] of pages) {
    await gotoHydrated(page, tenantUrl('acme', path));
    await expect(page.getByText(/^(Loading|Opening the till)/)).toHaveCount(0);
    await expectNoHorizontalOverflow(page, label);
    // Accessible at this width too (a box that scrolls sideways can be
    // scrolled by keyboard).
    await expectNoSeriousA11yViolations(page, `${label} at 390 px`);
  }
  // A product and a bill, opened from their lists.
  for (const [list, rows, label] of [
    ['/products', 'product-rows', 'product detail'],
    ['/bills', 'bill-rows', 'bill'],
  ]) {
    await gotoHydrated(page, tenantUrl('acme', list));
    await page.getByTestId(rows).locator('a').first().click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.getByText(/^Loading/)).toHaveCount(0);
    await expectNoHorizontalOverflow(page, label);
    await expectNoSeriousA11yViolations(page, `${label} at 390 px`);
  }
  // A wide table scrolls inside its own box rather than widening the page.
  await gotoHydrated(page, tenantUrl('acme', '/products'));
  const box = page.getByTestId('product-rows').locator('xpath=ancestor::div[contains(@class, "overflow-x-auto")][1]');
  await expect(box).toHaveCount(1);
});

test('the header folds into a menu: a button opens it, Escape closes it, a link navigates', async ({ page }) => {
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/'));
  const button = page.getByRole('button', { name: 'Menu' });
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(button).toBeVisible();
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(button).toHaveAttribute('aria-controls', 'main-menu');
  await expect(nav).toBeHidden();
  await expectNoHorizontalOverflow(page, 'dashboard with the menu closed');

  // By keyboard: Enter opens, Escape closes and the focus is back on the button.
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  await expect(nav).toBeVisible();
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
  await expectNoHorizontalOverflow(page, 'dashboard with the menu open');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Escape');
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(nav).toBeHidden();
  await expect(button).toBeFocused();

  // A link in the menu navigates and closes it.
  await button.click();
  await nav.getByRole('link', { name: 'Bills' }).click();
  await page.waitForURL(tenantUrl('acme', '/bills'));
  await expect(page.getByRole('heading', { name: 'Bills', level: 1 })).toBeVisible();
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(nav).toBeHidden();
});

test('on a desktop the navigation shows without a menu button', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Menu' })).toBeHidden();
});

test('the till one-handed at 390 px: search, results, cart and Pay without sideways scrolling', async ({ page }) => {
  const sku = `ONE-${Date.now().toString(36).toUpperCase()}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  await page.getByLabel('Name').fill(`Phone test, a rather long product name for a small screen ${sku}`);
  await page.getByLabel('SKU').fill(sku);
  await page.getByLabel('Sale price').fill('3.10');
  await page.getByLabel('Opening stock').fill('20');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('product-name')).toContainText(sku);

  await gotoHydrated(page, tenantUrl('acme', '/pos'));
  await expect(page.locator('[data-hydrated="true"]')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Till', level: 1 })).toBeVisible();
  // Results are big touch targets.
  await page.getByTestId('pos-search').fill(sku);
  const result = page.getByTestId('pos-results').getByRole('option').first();
  await expect(result).toBeVisible();
  expect((await result.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(44);
  await expectNoHorizontalOverflow(page, 'till with results');
  await result.click();
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  const more = page.getByRole('button', { name: 'One more' });
  expect((await more.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(40);
  await more.click();
  await expect(page.getByTestId('cart-qty')).toHaveText('2');
  await expectNoHorizontalOverflow(page, 'till with a cart');
  // Every control of the sale lies within the screen's width.
  for (const control of [page.getByTestId('pos-search'), page.getByTestId('cart'), page.getByRole('button', { name: /^Pay/ })]) {
    await control.scrollIntoViewIfNeeded();
    const b = await control.boundingBox();
    expect(b).not.toBeNull();
    expect(b!.x).toBeGreaterThanOrEqual(0);
    expect(b!.x + b!.width).toBeLessThanOrEqual(390);
  }
  const pay = page.getByRole('button', { name: /^Pay/ });
  expect((await pay.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(48);
  await pay.click();
  await expect(page.getByTestId('bill-number')).toHaveText(/^INV-\d{6}$/);
  await expectNoHorizontalOverflow(page, 'till with the receipt');
});
