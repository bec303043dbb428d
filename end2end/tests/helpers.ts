import { expect, type Page } from '@playwright/test';

export const port = Number(process.env.E2E_PORT ?? 3100);
export const DEMO_PASSWORD = 'shopfloor-demo';

export function tenantUrl(slug: string, path = '/'): string {
  return `http://${slug}.localhost:${port}${path}`;
}

export function apexUrl(path = '/'): string {
  return `http://localhost:${port}${path}`;
}

/// Waits until the wasm has hydrated the page (the dashboard marks itself).
export async function expectHydratedDashboard(page: Page, title: string): Promise<void> {
  await expect(page.getByTestId('dashboard-title')).toHaveText(title);
  await expect(page.locator('[data-hydrated="true"]')).toBeVisible();
}

/// Opens a page and waits until the wasm has hydrated it: input typed before
/// that would be reset by hydration (or posted as a plain form).
export async function gotoHydrated(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.locator('html[data-wasm="hydrated"]')).toHaveCount(1);
}

export async function logIn(page: Page, slug: string, email: string, password = DEMO_PASSWORD): Promise<void> {
  await gotoHydrated(page, tenantUrl(slug, '/login'));
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/// Collects the Content Security Policy violations a page reports: Chromium's
/// console messages, and the `securitypolicyviolation` events (logged by an
/// init script, which the policy does not govern). Call before navigating.
export async function watchCsp(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.includes('Content Security Policy')) violations.push(`${page.url()}: ${text}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  return violations;
}

/// Opens a page and checks that its answer forbids framing and carries a
/// nonce-based content security policy.
export async function gotoUnderCsp(page: Page, url: string): Promise<void> {
  const res = await page.goto(url);
  const headers = res?.headers() ?? {};
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]+' 'wasm-unsafe-eval'/);
  // The wasm loaded and hydrated under that policy.
  await expect(page.locator('html[data-wasm="hydrated"]')).toHaveCount(1);
}

/// Runs axe-core on the page as it is now and fails on any violation of
/// impact serious or critical, listing each rule with the elements it found
/// (WCAG 2.1 A and AA rules and axe's best practices).
export async function expectNoSeriousA11yViolations(page: Page, label: string): Promise<void> {
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = serious
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ')}`).join('\n')}`)
    .join('\n');
  expect(report, `${label} (${page.url()}) has serious accessibility violations`).toBe('');
}

/// The document is no wider than the viewport: nothing scrolls the whole page
/// sideways (a wide table scrolls inside its own box).
export async function expectNoHorizontalOverflow(page: Page, label: string): Promise<void> {
  const { scrollWidth, width, culprits } = await page.evaluate(() => {
    const width = window.innerWidth;
    const culprits = Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${(el.getAttribute('class') ?? '').split(' ').slice(0, 4).join('.')}`);
    return { scrollWidth: document.documentElement.scrollWidth, width, culprits };
  });
  expect(scrollWidth, `${label} is ${scrollWidth}px wide on a ${width}px screen: ${culprits.join(', ')}`).toBeLessThanOrEqual(width);
}
