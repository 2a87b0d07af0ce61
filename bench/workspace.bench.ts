/// <reference lib="dom" />
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import type { Bandwidth } from '../shared/protocol/messages';
import { hasData, REPO_ROOT } from '../tools/paths';
import { startStack } from '../tools/stack';
import { writeResults } from './results';

/**
 * The trader's workspace on the real replay (every venue's fake exchange, speed 1), in Debian's Chromium:
 * first meaningful paint cold and warm on a slow 3G link, bytes per minute at each bandwidth setting side by
 * side over one window, and frames per second while dragging the chart with every panel live.
 */
const CHROMIUM = '/usr/bin/chromium';
/** Chrome DevTools' "Slow 3G"-like profile the issue names: 400 ms latency, 400 kbit/s each way. */
const SLOW_3G = { offline: false, latency: 400, downloadThroughput: (400 * 1000) / 8, uploadThroughput: (400 * 1000) / 8 };
const BYTES_WINDOW_MS = 30_000;
const RUNS = 3;
const VIEWPORT = { width: 1440, height: 900 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** ms from navigation start to the first price and the first candle on screen (marks the app sets). */
async function paints(page: Page): Promise<{ price: number; chart: number; first: number }> {
  const at = (name: string) =>
    page.waitForFunction((n) => performance.getEntriesByName(n)[0]?.startTime, name, { timeout: 120_000 }).then((h) => h.jsonValue() as Promise<number>);
  const [price, chart] = await Promise.all([at('price-first-paint'), at('chart-first-paint')]);
  return { price, chart, first: Math.min(price, chart) };
}

async function throttle(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
}

async function firstPaint(browser: Browser, url: string) {
  const cold: { price: number; chart: number; first: number }[] = [];
  const warm: typeof cold = [];
  const warmMinimal: typeof cold = [];
  for (let i = 0; i < RUNS; i++) {
    // cold: a fresh profile (no service worker, no IndexedDB), every byte over the slow link
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    const page = await ctx.newPage();
    await throttle(page);
    await page.goto(url, { waitUntil: 'commit' });
    cold.push(await paints(page));
    console.log(`  cold run ${i + 1}: price ${cold.at(-1)!.price.toFixed(0)} ms, chart ${cold.at(-1)!.chart.toFixed(0)} ms`);
    // warm: the same profile once the service worker holds the shell and IndexedDB the history
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForTimeout(5_000); // candles persist every 2 s
    await page.reload({ waitUntil: 'commit' });
    warm.push(await paints(page));
    console.log(`  warm run ${i + 1}: price ${warm.at(-1)!.price.toFixed(0)} ms, chart ${warm.at(-1)!.chart.toFixed(0)} ms`);
    // warm again with the bandwidth setting at minimal: smaller snapshots over the slow link
    await page.evaluate(() => localStorage.setItem('edgetape.settings', JSON.stringify({ bandwidth: 'minimal' })));
    await page.reload({ waitUntil: 'commit' });
    warmMinimal.push(await paints(page));
    console.log(`  warm minimal run ${i + 1}: price ${warmMinimal.at(-1)!.price.toFixed(0)} ms, chart ${warmMinimal.at(-1)!.chart.toFixed(0)} ms`);
    await ctx.close();
  }
  return { cold, warm, warmMinimal };
}

const received = async (page: Page): Promise<number> => {
  if (!(await page.getByTestId('settings-panel').isVisible())) await page.getByTestId('settings-button').click();
  return Number(await page.getByTestId('traffic').getAttribute('data-total-bytes'));
};

async function bytesPerMinute(browser: Browser, url: string): Promise<Record<Bandwidth, number>> {
  const settings: Bandwidth[] = ['full', 'reduced', 'minimal'];
  const ctxs: BrowserContext[] = [];
  const pages = await Promise.all(settings.map(async (bw) => {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    ctxs.push(ctx);
    await ctx.addInitScript((s) => localStorage.setItem('edgetape.settings', s), JSON.stringify({ bandwidth: bw }));
    const page = await ctx.newPage();
    await page.goto(url);
    await paints(page);
    return page;
  }));
  await pages[0]!.waitForTimeout(3_000); // past the subscribe snapshots
  const before = await Promise.all(pages.map(received));
  await pages[0]!.waitForTimeout(BYTES_WINDOW_MS);
  const after = await Promise.all(pages.map(received));
  await Promise.all(ctxs.map((c) => c.close()));
  return Object.fromEntries(settings.map((s, i) => [s, ((after[i]! - before[i]!) * 60_000) / BYTES_WINDOW_MS])) as Record<Bandwidth, number>;
}

/** Drags the chart left and right for a few seconds while counting animation frames; every panel keeps updating. */
async function panFps(browser: Browser, url: string) {
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  const page = await ctx.newPage();
  await page.goto(url);
  await paints(page);
  await page.waitForTimeout(5_000);
  const chart = page.getByTestId('candle-chart');
  await chart.scrollIntoViewIfNeeded();
  const box = (await chart.boundingBox())!;
  // a string, not a function: tsx would wrap a named inner function in a helper the page does not have
  await page.evaluate(`window.rafs = []; requestAnimationFrame(function tick(t) { window.rafs.push(t); if (window.rafs.length < 100000) requestAnimationFrame(tick); });`);
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 3];
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  for (let k = 0; k < 240; k++) await page.mouse.move(cx + Math.sin(k / 12) * box.width * 0.3, cy, { steps: 1 });
  await page.mouse.up();
  const frames = await page.evaluate(() => (window as unknown as { rafs: number[] }).rafs);
  await ctx.close();
  const gaps = frames.slice(1).map((t, i) => t - frames[i]!).sort((a, b) => a - b);
  const seconds = (frames.at(-1)! - frames[0]!) / 1000;
  return { frames: frames.length, seconds, fps: (frames.length - 1) / seconds, medianFrameMs: gaps[gaps.length >> 1]!, p95FrameMs: gaps[Math.floor(gaps.length * 0.95)]!, maxFrameMs: gaps.at(-1)! };
}

export async function run(): Promise<void> {
  if (!hasData()) {
    console.log('skipped: ../shared/data is absent');
    return;
  }
  await build({ configFile: join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  const state = mkdtempSync(join(tmpdir(), 'edgetape-bench-'));
  const stack = await startStack({ replay: true, speed: 1, loop: true, port: 0, persistTo: state, log: () => {} });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    console.log(`first meaningful paint on slow 3G (${SLOW_3G.latency} ms, 400 kbit/s each way), ${RUNS} runs:`);
    const fp = await firstPaint(browser, stack.url);
    const summary = (xs: { first: number; price: number; chart: number }[]) => ({ firstMs: median(xs.map((x) => x.first)), priceMs: median(xs.map((x) => x.price)), chartMs: median(xs.map((x) => x.chart)) });
    const [cold, warm, warmMinimal] = [summary(fp.cold), summary(fp.warm), summary(fp.warmMinimal)];
    console.log(`\n| load | first meaningful paint | first price | first candle |\n|---|---:|---:|---:|`);
    for (const [k, v] of [['cold', cold], ['warm (service worker + IndexedDB)', warm], ['warm, bandwidth minimal', warmMinimal]] as const) console.log(`| ${k} | ${v.firstMs.toFixed(0)} ms | ${v.priceMs.toFixed(0)} ms | ${v.chartMs.toFixed(0)} ms |`);
    console.log(`warm goal < 1,500 ms: ${warm.firstMs < 1500 ? 'met' : 'NOT met'}; warm/cold ${(warm.firstMs / cold.firstMs).toFixed(2)}`);

    console.log(`\nbytes per minute, the three settings side by side over one ${BYTES_WINDOW_MS / 1000} s window:`);
    const bpm = await bytesPerMinute(browser, stack.url);
    console.log(`| setting | bytes/min | vs full |\n|---|---:|---:|`);
    for (const [k, v] of Object.entries(bpm)) console.log(`| ${k} | ${(v / 1000).toFixed(1)} kB | ${((v / bpm.full) * 100).toFixed(1)} % |`);

    const pan = await panFps(browser, stack.url);
    console.log(`\npanning the 1 s chart with every panel live: ${pan.fps.toFixed(1)} fps (${pan.frames} frames in ${pan.seconds.toFixed(1)} s), frame time median ${pan.medianFrameMs.toFixed(1)} ms, p95 ${pan.p95FrameMs.toFixed(1)} ms, max ${pan.maxFrameMs.toFixed(0)} ms`);
    console.log(`\nresults: ${writeResults('workspace', { slow3g: SLOW_3G, firstPaint: { cold, warm, warmMinimal, runs: fp }, bytesPerMinute: bpm, bytesWindowMs: BYTES_WINDOW_MS, pan })}`);
  } finally {
    await browser.close();
    await stack.stop();
    rmSync(state, { recursive: true, force: true });
  }
}
