import { expect, test } from '@playwright/test';
import { gotoHydrated, logIn, tenantUrl } from './helpers';

// The screenshots shown in README.md, written to docs/screenshots/. Run only
// on purpose: `DOCS_SCREENSHOTS=1 npx playwright test docs-screenshots`.
test.skip(process.env.DOCS_SCREENSHOTS !== '1', 'set DOCS_SCREENSHOTS=1 to regenerate docs/screenshots');

const out = (name: string) => `../docs/screenshots/${name}`;

async function fillCart(page: import('@playwright/test').Page, terms: string[]): Promise<void> {
  await gotoHydrated(page, tenantUrl('acme', '/pos'));
  await expect(page.locator('[data-hydrated="true"]')).toBeVisible();
  for (const term of terms) {
    await page.getByTestId('pos-search').fill(term);
    const first = page.getByTestId('pos-results').getByRole('option', { disabled: false }).first();
    await expect(first).toBeVisible();
    await first.click();
  }
}

test('the till, a printed receipt and the phone layout', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1100, height: 720 });
  await logIn(page, 'acme', 'owner@acme.test');
  await page.waitForURL(tenantUrl('acme', '/'));

  // The till with a cart of three lines, the search showing matches.
  await fillCart(page, ['whole milk', 'rye bread', 'chocolate bar']);
  await page.getByRole('button', { name: 'One more' }).first().click();
  await page.getByTestId('pos-search').fill('cola');
  await expect(page.getByTestId('pos-results').getByRole('option').first()).toBeVisible();
  await expect(page.getByTestId('live')).toContainText('Live');
  await page.screenshot({ path: out('till.png') });

  // Paid: the receipt as it prints on an 80 mm roll.
  await page.getByTestId('pos-search').fill('');
  await page.getByLabel('Cash handed over').fill('50');
  await page.getByRole('button', { name: /^Pay/ }).click();
  await expect(page.getByTestId('bill-number')).toHaveText(/^INV-\d{6}$/);
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('header')).toBeHidden();
  await page.getByTestId('receipt').screenshot({ path: out('receipt-print.png') });
  await page.emulateMedia({ media: 'screen' });

  // A phone: the till with the menu open.
  await page.setViewportSize({ width: 390, height: 844 });
  await fillCart(page, ['whole milk', 'rye bread']);
  await page.getByRole('button', { name: 'Menu' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await page.screenshot({ path: out('phone.png') });
});
