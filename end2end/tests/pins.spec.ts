import { expect, test, type Page } from '@playwright/test';
import { DEMO_PASSWORD, gotoHydrated, logIn, tenantUrl } from './helpers';

// The demo's people at Acme have till PINs (README's demo logins): the owner
// 1111, the manager 2222, the cashier 3333. Till 1 has a shift open today.

function stamp(): string {
  return Date.now().toString(36).toUpperCase();
}

async function createProduct(page: Page, sku: string, price: string): Promise<void> {
  await gotoHydrated(page, tenantUrl('acme', '/products/new'));
  await page.getByLabel('Name').fill(`PIN test ${sku}`);
  await page.getByLabel('SKU').fill(sku);
  await page.getByLabel('Sale price').fill(price);
  await page.getByLabel('Opening stock').fill('20');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('product-name')).toHaveText(`PIN test ${sku}`);
}

async function openTill(page: Page): Promise<void> {
  await gotoHydrated(page, tenantUrl('acme', '/pos'));
  await expect(page.locator('[data-hydrated="true"]')).toBeVisible();
  await expect(page.getByTestId('pos-search')).toBeFocused();
}

async function signIn(page: Page, email: string): Promise<void> {
  await logIn(page, 'acme', email);
  await page.waitForURL(tenantUrl('acme', '/'));
}

/// Opens the switch panel and chooses `who` (a button), all by keyboard.
async function chooseForSwitch(page: Page, who: string): Promise<void> {
  const toggle = page.getByRole('button', { name: 'Switch cashier' });
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  const person = page.getByRole('group', { name: 'Switch cashier' }).getByRole('button', { name: who });
  await person.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('switch-pin')).toBeFocused();
}

test('a cashier switches in by PIN on the till a manager opened and sells as themselves', async ({ page }) => {
  const sku = `PIN-${stamp()}`;
  await signIn(page, 'manager@acme.test');
  await createProduct(page, sku, '2.00');
  await openTill(page);
  await expect(page.getByTestId('selling-as')).toHaveText('Mia Manager');

  await chooseForSwitch(page, 'Cal Cashier (Cashier)');
  await page.keyboard.type('3333');
  await page.keyboard.press('Enter');
  // The page reloads as the cashier.
  await expect(page.getByTestId('selling-as')).toHaveText('Cal Cashier');
  await expect(page.locator('html[data-wasm="hydrated"]')).toHaveCount(1);
  await expect(page.getByTestId('pos-search')).toBeFocused();

  await page.keyboard.type(sku);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  await page.keyboard.press('F9');
  const number = (await page.getByTestId('bill-number').textContent()) ?? '';
  expect(number).toMatch(/^INV-\d{6}$/);

  // The bill records the cashier who switched in.
  await gotoHydrated(page, tenantUrl('acme', '/bills'));
  const row = page.locator('tr', { hasText: number });
  await expect(row).toContainText(/Cal Cashier|cashier@acme\.test/);
});

test("a discount over the cashier's limit is approved with a manager's PIN", async ({ page }) => {
  const sku = `PINDISC-${stamp()}`;
  await signIn(page, 'manager@acme.test');
  await createProduct(page, sku, '4.00');
  await page.context().clearCookies();
  await signIn(page, 'cashier@acme.test');
  await openTill(page);

  await page.keyboard.type(sku);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  await page.keyboard.press('F4');
  await page.keyboard.type('2.00');
  await page.keyboard.press('F9');
  const approval = page.getByTestId('approval');
  await expect(approval).toBeVisible();
  await expect(page.getByRole('alert').first()).toContainText("manager's approval");

  const manager = page.getByTestId('pin-approve').getByRole('button', { name: 'Mia Manager (Manager)' });
  await manager.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('approve-pin')).toBeFocused();
  await page.keyboard.type('2222');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('bill-number')).toHaveText(/^INV-\d{6}$/);
  await expect(page.getByTestId('receipt-bill-discount')).toBeVisible();
  await expect(page.getByText('Discount approved by the manager.')).toBeVisible();
});

test("a cashier refunds on the bill page with a manager's PIN", async ({ page }) => {
  const sku = `PINRET-${stamp()}`;
  await signIn(page, 'manager@acme.test');
  await createProduct(page, sku, '3.00');
  await page.context().clearCookies();
  await signIn(page, 'cashier@acme.test');
  await openTill(page);
  await page.keyboard.type(sku);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cart-qty')).toHaveText('1');
  await page.keyboard.press('F9');
  const number = (await page.getByTestId('bill-number').textContent()) ?? '';
  expect(number).toMatch(/^INV-\d{6}$/);

  await gotoHydrated(page, tenantUrl('acme', '/bills'));
  await page.getByRole('link', { name: number }).click();
  await expect(page.getByTestId('bill-title')).toHaveText(number);
  await expect(page.locator('html[data-wasm="hydrated"]')).toHaveCount(1);
  // A cashier may not issue a credit note alone: the manager's PIN approves it.
  await expect(page.getByRole('button', { name: 'Issue credit note' })).toHaveCount(0);
  await page.getByLabel('Return quantity for line 1').fill('1');
  await page.getByLabel('Reason').fill('Dented');
  const manager = page.getByTestId('pin-approve').getByRole('button', { name: 'Mia Manager (Manager)' });
  await manager.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('approve-pin')).toBeFocused();
  await page.keyboard.type('2223');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('approve-error')).toHaveText('That PIN is not right.');
  await page.keyboard.type('2222');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('credit-notes')).toContainText('Dented');
});

test('a member sets their till PIN on their profile with their password', async ({ page }) => {
  await signIn(page, 'cashier@acme.test');
  await gotoHydrated(page, tenantUrl('acme', '/profile'));
  const form = page.getByTestId('pin-form');
  await form.getByLabel('New PIN').fill('3333');
  await form.getByLabel('Your password').fill('not-the-password');
  await form.getByRole('button', { name: 'Set PIN' }).click();
  await expect(form.getByRole('alert')).toContainText('Your password is not right.');
  await form.getByLabel('New PIN').fill('3333');
  await form.getByLabel('Your password').fill(DEMO_PASSWORD);
  await form.getByRole('button', { name: 'Set PIN' }).click();
  await expect(form.getByTestId('pin-saved')).toContainText('Your till PIN is set.');
});

test('five wrong PINs lock that person, and the till says so', async ({ page }) => {
  await signIn(page, 'manager@acme.test');
  await openTill(page);
  await chooseForSwitch(page, 'Ada Owner (Owner)');
  const pin = page.getByTestId('switch-pin');
  for (let i = 0; i < 5; i++) {
    await page.keyboard.type('0000');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('switch-error')).toHaveText('That PIN is not right.');
    await expect(pin).toBeFocused();
    await expect(pin).toHaveValue('');
  }
  // Now even the right PIN is refused.
  await page.keyboard.type('1111');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('switch-error')).toContainText('locked for 15 minutes');
  await expect(page.getByTestId('selling-as')).toHaveText('Mia Manager');
});
