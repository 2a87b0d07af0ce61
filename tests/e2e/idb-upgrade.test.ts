import { join } from 'node:path';
import { makeTable, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DB_VERSION } from '../../app/db';
import { CANDLE_COLUMNS } from '../../shared/market/candles';
import { DEFAULT_RECORDING } from '../../tools/fake-exchange/main';
import { readRecording } from '../../tools/fake-exchange/recording';
import { binanceTrades } from '../../tools/ohlcv';
import { DATA_DIR, hasData } from '../../tools/paths';
import { tsKernels } from '../../wasm/kernels';
import { hasChromium, NO_CHROMIUM, useReplayStack } from './browser';

const why = !hasData() ? '../shared/data is absent' : !hasChromium ? NO_CHROMIUM : '';

describe.skipIf(why !== '')(`IndexedDB in Chromium ${why}`, () => {
  const env = useReplayStack(DEFAULT_RECORDING);

  it('a version-1 cache is upgraded with its candles kept, and a second tab upgrading further never wedges the first', async () => {
    // 20 real 1-second candles from the recording, a day earlier than the replay so live ones come after them
    const t = binanceTrades(readRecording(join(DATA_DIR, 'hftbacktest/spot/btcusdt_20240808.gz')));
    const secs = tsKernels.resampleTrades(t.ts, t.price, t.amount, 1000);
    const cols = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, secs[c].slice(0, 20)]));
    cols.time = cols.time!.map((x) => x - 86_400_000);
    const v1 = { series: 'binance:BTC-USDT:1s', start: cols.time[0]!, end: cols.time[19]!, rows: 20, ipc: Array.from(tableToIPC(makeTable(cols as Record<string, Float64Array>), 'stream')) };

    const ctx = await env.browser.newContext();
    const first = await ctx.newPage();
    const errors: string[] = [];
    first.on('pageerror', (e) => errors.push(e.message));
    await first.goto(`${env.stack.url}/api/v1/status`); // same origin, no app: write the cache as version-1 code did
    await first.evaluate(async (chunk) => {
      await new Promise<void>((ok, fail) => {
        const r = indexedDB.open('edgetape', 1);
        r.onupgradeneeded = () => r.result.createObjectStore('candleChunks', { keyPath: ['series', 'start'] }).createIndex('bySeries', 'series');
        r.onsuccess = () => {
          const tx = r.result.transaction('candleChunks', 'readwrite');
          tx.objectStore('candleChunks').put({ ...chunk, ipc: new Uint8Array(chunk.ipc) });
          tx.oncomplete = () => (r.result.close(), ok());
          tx.onerror = () => fail(tx.error);
        };
        r.onerror = () => fail(r.error);
      });
    }, v1);

    await first.goto(env.stack.url);
    const chart = first.getByTestId('candle-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-cached')), { timeout: 15_000 }).toBe(20);
    expect(Number(await chart.getAttribute('data-first-time'))).toBe(v1.start);
    const version = await first.evaluate(() => new Promise<number>((ok) => {
      const r = indexedDB.open('edgetape');
      r.onsuccess = () => (ok(r.result.version), r.result.close());
    }));
    expect(version).toBe(DB_VERSION);

    // a second tab with a newer release upgrades while the first holds the database open
    const second = await ctx.newPage();
    await second.goto(`${env.stack.url}/api/v1/status`);
    const upgraded = await second.evaluate((v) => new Promise<{ version: number; blocked: boolean }>((ok, fail) => {
      let blocked = false;
      const r = indexedDB.open('edgetape', v);
      r.onblocked = () => (blocked = true);
      r.onsuccess = () => (ok({ version: r.result.version, blocked }), r.result.close());
      r.onerror = () => fail(r.error);
    }), DB_VERSION + 1);
    expect(upgraded).toEqual({ version: DB_VERSION + 1, blocked: false });
    // the first tab keeps running on its socket: candles still close, the page did not crash
    const n = Number(await chart.getAttribute('data-candles'));
    await expect.poll(async () => Number(await chart.getAttribute('data-candles')), { timeout: 30_000 }).toBeGreaterThan(n);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
