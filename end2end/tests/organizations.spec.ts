import { expect, test } from '@playwright/test';
import { gotoHydrated, logIn, tenantUrl } from './helpers';

test('an owner invites a cashier, who joins in another browser and sees only what a cashier may', async ({ browser }) => {
  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await logIn(owner, 'acme', 'owner@acme.test');
  await owner.waitForURL(tenantUrl('acme', '/'));
  await gotoHydrated(owner, tenantUrl('acme', '/members'));
  await expect(owner.locator('[data-hydrated="true"]')).toBeVisible();

  const email = `e2e-${Date.now().toString(36)}@example.test`;
  await owner.getByLabel('Email to invite').fill(email);
  await owner.getByLabel('Role', { exact: true }).selectOption('cashier');
  await owner.getByRole('button', { name: 'Create invitation' }).click();
  const link = await owner.getByTestId('invite-link').inputValue();
  expect(link).toContain(tenantUrl('acme', '/invite/'));
  await expect(owner.getByTestId('invitation-rows')).toContainText(email);

  // The invited person, in a browser of their own.
  const guestContext = await browser.newContext();
  const guest = await guestContext.newPage();
  await gotoHydrated(guest, link);
  await expect(guest.getByRole('heading', { name: 'Join Acme Corner Shop' })).toBeVisible();
  await guest.getByLabel('Your name').fill('Eve Example');
  await guest.getByLabel('Password').fill('a-long-password-1');
  await guest.getByRole('button', { name: 'Accept and sign in' }).click();
  await guest.waitForURL(tenantUrl('acme', '/'));
  await expect(guest.getByTestId('current-user')).toContainText('Eve Example');
  await expect(guest.getByTestId('current-user')).toContainText('Cashier');

  // A cashier's menu: the till, no team, settings or audit.
  const nav = guest.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Till' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Team' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Settings' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Audit' })).toHaveCount(0);
  // Typing the address does not help: the server refuses.
  await gotoHydrated(guest, tenantUrl('acme', '/settings'));
  await expect(guest.getByRole('alert')).toContainText('Only owners and admins');
  // Asked from the page itself (same origin, the cashier's session).
  const refused = await guest.evaluate(async () => (await fetch('/api/settings/get', { method: 'POST' })).status);
  expect(refused).toBe(403);

  // The link worked once.
  const laterContext = await browser.newContext();
  const later = await laterContext.newPage();
  await later.goto(link);
  await expect(later.getByTestId('invite-closed')).toContainText('already used');

  // The owner sees the new member in the team.
  await gotoHydrated(owner, tenantUrl('acme', '/members'));
  await expect(owner.getByTestId('member-rows')).toContainText(email);

  await Promise.all([ownerContext.close(), guestContext.close(), laterContext.close()]);
});
