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

export async function logIn(page: Page, slug: string, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto(tenantUrl(slug, '/login'));
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}
