// Measures the POS screen's time to interactive in Chromium: from navigation
// start until the till has hydrated (data-hydrated="true") and the search box
// has the focus. A measurement, not a test.
//
//   node perf/tti.mjs [base-port]   (a server with the demo data must be running)
import { chromium } from 'playwright-core';

const port = Number(process.argv[2] ?? 3000);
const runs = 7;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const context = await browser.newContext();
const page = await context.newPage();
await page.goto(`http://acme.localhost:${port}/login`);
await page.getByLabel('Email').fill('owner@acme.test');
await page.getByLabel('Password').fill('shopfloor-demo');
await page.getByRole('button', { name: 'Log in' }).click();
await page.waitForURL(`http://acme.localhost:${port}/`);

const samples = [];
for (let i = 0; i < runs; i++) {
  await page.goto('about:blank');
  await page.goto(`http://acme.localhost:${port}/pos`, { waitUntil: 'commit' });
  await page.waitForSelector('[data-hydrated="true"]');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'pos-search');
  const ms = await page.evaluate(() => performance.now());
  samples.push(ms);
}
const wasm = await page.evaluate(() =>
  performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).map((e) => ({ transfer: e.transferSize, body: e.decodedBodySize })),
);
samples.sort((a, b) => a - b);
console.log(`POS time to interactive over ${runs} loads: median ${samples[Math.floor(runs / 2)].toFixed(0)} ms, min ${samples[0].toFixed(0)} ms, max ${samples[runs - 1].toFixed(0)} ms`);
console.log('wasm resource:', JSON.stringify(wasm[0] ?? null));
await browser.close();
