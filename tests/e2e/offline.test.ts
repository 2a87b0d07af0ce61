import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTable, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { CANDLE_COLUMNS } from '../../shared/market/candles';
import { DEFAULT_RECORDING } from '../../tools/fake-exchange/main';
import { FTX_1M, readOhlcv } from '../../tools/ohlcv';
import { hasData, REPO_ROOT } from '../../tools/paths';
import { hasChromium, NO_CHROMIUM, useReplayStack } from './browser';

const ARTIFACTS = join(REPO_ROOT, 'tests/e2e/artifacts');
const why = !hasData() ? '../shared/data is absent' : !hasChromium ? NO_CHROMIUM : '';
const M = 60_000;

describe.skipIf(why !== '')(`offline and back ${why}`, () => {
  const env = useReplayStack(DEFAULT_RECORDING);

  it('starts from the service worker with the network off, shows cached candles and OFFLINE since, then catches up', async () => {
    const ctx = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    // The history API (issue 5) as its contract says: real FTX 1-minute bars re-timed into the range asked for.
    // Every request is recorded, so the test sees that a reconnect asks only for what the cache lacks.
    const ftx = readOhlcv(FTX_1M);
    const asked: [number, number][] = [];
    await ctx.route('**/api/v1/candles?*', async (route) => {
      const u = new URL(route.request().url());
      // The chart's history cache asks for Arrow; the watchlist's small 24-hour reference (JSON) goes through untouched.
      if (u.searchParams.get('format') !== 'arrow') return route.continue();
      const [from, to] = [Number(u.searchParams.get('from')), Number(u.searchParams.get('to'))];
      asked.push([from, to]);
      const n = Math.min(30, (to - from) / M); // the newest 30 minutes of the range
      const cols = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, ftx[c].slice(0, n)]));
      cols.time = Float64Array.from({ length: n }, (_, i) => to - (n - i) * M);
      await route.fulfill({ body: Buffer.from(tableToIPC(makeTable(cols as Record<string, Float64Array>), 'stream')), contentType: 'application/vnd.apache.arrow.stream' });
    });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(env.stack.url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    // the whole shell is precached before the network goes away
    const cached = await page.evaluate(async () => {
      const keys = await caches.keys();
      const shell = keys.find((k) => k.startsWith('edgetape-shell-'));
      return shell ? (await (await caches.open(shell)).keys()).map((r) => new URL(r.url).pathname) : [];
    });
    expect(cached).toContain('/');
    expect(cached.some((p) => /\/assets\/data\.worker-.*\.js$/.test(p))).toBe(true);
    expect(cached.some((p) => /\/assets\/kernels-.*\.wasm$/.test(p))).toBe(true);
    const chart = page.getByTestId('candle-chart');
    const badge = page.getByTestId('link-badge');
    await expect.poll(async () => Number(await chart.getAttribute('data-candles')), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
    await expect.poll(() => asked.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const [firstFrom, firstTo] = asked[0]!;
    expect(firstTo % M).toBe(0);
    expect(firstTo - firstFrom).toBe(7 * 86_400_000); // nothing cached yet: the whole window
    const before = Number(await chart.getAttribute('data-candles'));
    const firstTime = await chart.getAttribute('data-first-time');
    await page.waitForTimeout(2_500); // closed candles are persisted every 2 s

    await ctx.setOffline(true);
    await page.reload();
    await expect.poll(async () => Number(await chart.getAttribute('data-cached')), { timeout: 15_000 }).toBeGreaterThanOrEqual(before);
    expect(await chart.getAttribute('data-first-time')).toBe(firstTime);
    await expect.poll(async () => Number(await chart.getAttribute('data-painted')), { timeout: 15_000 }).toBeGreaterThanOrEqual(before);
    await expect.poll(() => badge.getAttribute('data-state'), { timeout: 15_000 }).toBe('offline');
    expect(await badge.textContent()).toMatch(/^OFFLINE since \d\d:\d\d:\d\d$/);
    // the 1-minute history filled before going offline is there too, from IndexedDB
    await page.getByRole('button', { name: '1m', exact: true }).click();
    await expect.poll(async () => Number(await chart.getAttribute('data-cached')), { timeout: 15_000 }).toBeGreaterThanOrEqual(30);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'offline.png') });

    const askedBefore = asked.length;
    await ctx.setOffline(false);
    await expect.poll(() => badge.getAttribute('data-state'), { timeout: 30_000 }).toBe('replay');
    await page.getByRole('button', { name: '1s', exact: true }).click();
    await expect.poll(async () => Number(await chart.getAttribute('data-candles')), { timeout: 30_000 }).toBeGreaterThan(before + 2);
    // back online the gap is filled: asked again, but not for the 30 minutes already cached
    await expect.poll(() => asked.length, { timeout: 15_000 }).toBeGreaterThan(askedBefore);
    const cachedFrom = firstTo - 30 * M;
    for (const [from, to] of asked.slice(askedBefore)) expect(to <= cachedFrom || from >= firstTo, `asked ${from}…${to} again`).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'back-online.png') });
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
