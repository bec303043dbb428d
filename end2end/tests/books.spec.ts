import { expect, test, type Page } from '@playwright/test';
import { expectNoHorizontalOverflow, expectNoSeriousA11yViolations, gotoHydrated, logIn, tenantUrl } from './helpers';

// The books keep themselves from the demo's sales; the owner reads the
// statements, posts and reverses a manual entry, and closes a period.

/// The day `days` before `day` (YYYY-MM-DD).
function daysBefore(day: string, days: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/// Types a manual entry's lines with the keyboard: an account chosen by
/// typing its code into the focused select, then the amount.
async function typeLine(page: Page, n: number, account: string, side: 'debit' | 'credit', amount: string): Promise<void> {
  const select = page.getByLabel(`Line ${n}: account`);
  await select.focus();
  await page.keyboard.type(account);
  await expect(select).toHaveValue(account);
  await page.getByLabel(`Line ${n}: ${side}`).focus();
  await page.keyboard.type(amount);
}

test('the owner reads the books, posts and reverses an entry, and locks a period', async ({ page }) => {
  test.setTimeout(120_000);
  const stamp = Date.now().toString(36).toUpperCase();
  const memo = `Owner pays into the bank ${stamp}`;
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));

  // The main navigation leads to the books; the trial balance balances.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Books' }).click();
  await page.waitForURL(tenantUrl('acme', '/books'));
  await expect(page.getByTestId('books-table')).toBeVisible();
  await expect(page.getByTestId('books-row').first()).toBeVisible();
  const debit = await page.getByTestId('tb-total-debit').textContent();
  expect(debit).toMatch(/\d+\.\d{2} [A-Z]{3}/);
  await expect(page.getByTestId('tb-total-credit')).toHaveText(debit ?? '');
  await expect(page.getByTestId('books-balanced')).toContainText('In balance');
  await expectNoSeriousA11yViolations(page, 'books page');
  // The CSV is the trial balance on screen: its rows and the same totals.
  const href = await page.getByTestId('books-csv').getAttribute('href');
  expect(href).toMatch(/statement=trial-balance&from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/);
  const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href ?? '');
  const lines = csv.trim().split('\n');
  expect(lines[0]).toBe('code,account,kind,opening,debit,credit,closing');
  expect(lines.length).toBe((await page.getByTestId('books-row').count()) + 2);
  const total = lines[lines.length - 1].split(',');
  expect(total[1]).toBe('Total');
  expect(total[4]).toBe(total[5]);
  expect(`${total[4]} `).toBe((debit ?? '').replace(/[A-Z]{3}$/, ''));

  // The balance sheet: its sections and the earnings line, on a GET form.
  await page.getByTestId('books-statement').selectOption('balance-sheet');
  await page.getByTestId('books-show').click();
  await page.waitForURL(/statement=balance-sheet/);
  await expect(page.getByTestId('books-earnings')).toContainText('Earnings to date');

  // A manual entry, typed with the keyboard and decimal commas; a double
  // click posts it once.
  await gotoHydrated(page, tenantUrl('acme', '/books/journal'));
  const today = await page.getByTestId('entry-date').inputValue();
  expect(today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  await page.getByTestId('entry-memo').focus();
  await page.keyboard.type(memo);
  await typeLine(page, 1, '1100', 'debit', '1.234,50');
  await typeLine(page, 2, '3000', 'credit', '1234,50');
  await page.getByRole('button', { name: 'Post entry' }).dblclick();
  await expect(page.getByTestId('entry-posted')).toBeVisible();
  const entry = page.locator('[data-testid="journal-entry"][data-source="manual"]').filter({ hasText: memo });
  await expect(entry).toHaveCount(1);
  await expect(entry.getByTestId('journal-source')).toHaveText('Manual');
  await expect(entry.locator('[data-account="1100"]').getByTestId('journal-debit')).toContainText('1234.50');
  await expect(entry.locator('[data-account="3000"]').getByTestId('journal-credit')).toContainText('1234.50');
  // The form is blank again for the next entry.
  await expect(page.getByTestId('entry-memo')).toHaveValue('');
  await expectNoSeriousA11yViolations(page, 'journal page');
  await gotoHydrated(page, tenantUrl('acme', '/books/journal'));
  await expect(entry).toHaveCount(1);

  // An entry that does not balance is refused with the reason.
  await page.getByTestId('entry-memo').fill(`Typo ${stamp}`);
  await typeLine(page, 1, '1100', 'debit', '10');
  await typeLine(page, 2, '3000', 'credit', '9,99');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('journal-form').getByRole('alert')).toContainText('does not balance');

  // Reversed once: the entry says so, the reversal has no button.
  await gotoHydrated(page, tenantUrl('acme', '/books/journal'));
  await entry.getByTestId('journal-reverse').click();
  await expect(entry.getByTestId('journal-reversed')).toBeVisible();
  await expect(entry.getByTestId('journal-reverse')).toHaveCount(0);
  const reversal = page.getByTestId('journal-entry').filter({ hasText: `Reversal of: ${memo}` });
  await expect(reversal.getByTestId('journal-source')).toHaveText('Reversal');
  await expect(reversal.locator('[data-account="1100"]').getByTestId('journal-credit')).toContainText('1234.50');
  await expect(reversal.getByTestId('journal-reverse')).toHaveCount(0);

  // The owner locks the books up to yesterday: an entry dated before is refused.
  const yesterday = daysBefore(today, 1);
  await gotoHydrated(page, tenantUrl('acme', '/books/accounts'));
  await expect(page.getByTestId('account-row').filter({ hasText: 'Bank' })).toBeVisible();
  await expectNoSeriousA11yViolations(page, 'accounts page');
  await page.getByTestId('lock-date-input').fill(yesterday);
  await page.getByRole('button', { name: 'Save lock date' }).click();
  await expect(page.getByTestId('lock-date')).toContainText(`locked up to ${yesterday}`);

  await gotoHydrated(page, tenantUrl('acme', '/books/journal'));
  await page.getByTestId('entry-date').fill(daysBefore(today, 2));
  await page.getByTestId('entry-memo').fill(`Too late ${stamp}`);
  await typeLine(page, 1, '1100', 'debit', '5');
  await typeLine(page, 2, '3000', 'credit', '5');
  await page.getByRole('button', { name: 'Post entry' }).click();
  await expect(page.getByTestId('journal-form').getByRole('alert')).toContainText(`locked up to ${yesterday}`);

  // Unlocked again (empty), so the other tests may post on any day.
  await gotoHydrated(page, tenantUrl('acme', '/books/accounts'));
  await page.getByTestId('lock-date-input').fill('');
  await page.getByRole('button', { name: 'Save lock date' }).click();
  await expect(page.getByTestId('lock-date')).toContainText('not locked');
});

test('a cashier is told the books are not for their role', async ({ page }) => {
  await logIn(page, 'acme', 'cashier@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Books' })).toHaveCount(0);
  for (const path of ['/books', '/books/journal', '/books/accounts']) {
    await page.goto(tenantUrl('acme', path));
    await expect(page.getByRole('alert')).toContainText('not for your role');
    await expect(page.getByTestId('books-table')).toHaveCount(0);
  }
});

test('on a 390 px phone the books scroll inside their tables, not the page', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));
  for (const [path, shown] of [
    ['/books', 'books-table'],
    ['/books?statement=profit-loss', 'books-table'],
    ['/books?statement=balance-sheet', 'books-table'],
    ['/books?statement=ledger&account=1000', 'books-table'],
    ['/books/journal', 'journal-form'],
    ['/books/accounts', 'accounts-table'],
  ]) {
    await gotoHydrated(page, tenantUrl('acme', path));
    await expect(page.getByTestId(shown)).toBeVisible();
    await expectNoHorizontalOverflow(page, `${path} on a phone`);
    await expectNoSeriousA11yViolations(page, `${path} at 390 px`);
  }
});
