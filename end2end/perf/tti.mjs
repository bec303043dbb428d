// Measures the POS screen's time to interactive in Chromium: from navigation
// start until the till has hydrated (data-hydrated="true") and the search box
// has the focus, with the browser cache off (a first visit). Twice: over
// loopback, and as a low-end till on a poor link (DevTools' "Fast 3G":
// 1.6 Mbit/s down, 150 ms latency; CPU slowed 4×). A measurement, not a test.
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

const cdp = await context.newCDPSession(page);
await cdp.send('Network.enable');
await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });

async function measure(label) {
  const samples = [];
  let wasm = [];
  for (let i = 0; i < runs; i++) {
    await page.goto('about:blank');
    await page.goto(`http://acme.localhost:${port}/pos`, { waitUntil: 'commit' });
    await page.waitForSelector('[data-hydrated="true"]', { timeout: 120_000 });
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'pos-search');
    samples.push(await page.evaluate(() => performance.now()));
    wasm = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => e.name.endsWith('.wasm'))
        .map((e) => ({ file: new URL(e.name).pathname, transfer: e.transferSize, body: e.decodedBodySize })),
    );
  }
  samples.sort((a, b) => a - b);
  const fmt = (ms) => `${ms.toFixed(0)} ms`;
  console.log(`${label}: POS time to interactive over ${runs} first visits: median ${fmt(samples[Math.floor(runs / 2)])}, min ${fmt(samples[0])}, max ${fmt(samples[runs - 1])}`);
  console.log(`  wasm loaded: ${JSON.stringify(wasm)}`);
}

await measure('loopback');
await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 });
await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
await measure('Fast 3G, CPU 4x slower');
await browser.close();
