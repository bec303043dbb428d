import { defineConfig } from '@playwright/test';

// The real server on the embedded default database (seeded with the demo
// businesses), driven by Debian's Chromium. Tenants are `*.localhost`, which
// Chromium resolves to loopback.
const port = Number(process.env.E2E_PORT ?? 3100);

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'off',
  },
  webServer: {
    command: '../target/debug/server serve',
    url: `http://127.0.0.1:${port}/healthz`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
    env: {
      SHOPFLOOR_DATA_DIR: '../target/e2e-data',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: '../target/site',
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
      // A local SMTP sink that tests/accounts.spec.ts starts (tests/smtp-sink.ts).
      SHOPFLOOR_SMTP_URL: `smtp://127.0.0.1:${port + 25}`,
    },
  },
});
