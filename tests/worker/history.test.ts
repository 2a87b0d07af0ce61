import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { tableFromIPC } from 'apache-arrow';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { FeedStatus, MarketEvent } from '../../shared/market/types';
import worker from '../../worker/index';
import { hubStub } from '../../worker/objects/stubs';

const feed: FeedStatus = { exchange: 'kraken', state: 'live', mode: 'replay', lastMessageAt: 1, reconnects: 0 };
const t0 = Date.UTC(2024, 7, 8, 23, 50, 0);
const trade = (i: number, ts: number, price: number, amount: number): MarketEvent => ({
  type: 'trade', exchange: 'kraken', symbol: 'ETH-USDT', id: `h${i}`, price, amount, side: 'sell', ts, recvTs: ts,
});

describe('history API', () => {
  it('serves closed 1m candles as JSON and Arrow with ETag, immutable caching and compression', async () => {
    await hubStub(env, 'ETH-USDT').ingest([
      trade(1, t0 + 5_000, 10, 1), trade(2, t0 + 50_000, 12, 2), trade(3, t0 + 65_000, 11, 1), trade(4, t0 + 130_000, 13, 1),
    ], feed);
    const q = `symbol=ETH-USDT&exchange=kraken&interval=1m&from=${t0}&to=${t0 + 120_000}`;
    const json = await SELF.fetch(`http://edge.test/api/v1/candles?${q}&format=json`, { headers: { 'accept-encoding': 'gzip' } });
    expect(json.status).toBe(200);
    expect(json.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const body = (await json.json()) as { candles: unknown[] };
    expect(body.candles).toEqual([
      { time: t0, open: 10, high: 12, low: 10, close: 12, volume: 3, quoteVolume: 34, trades: 2 },
      { time: t0 + 60_000, open: 11, high: 11, low: 11, close: 11, volume: 1, quoteVolume: 11, trades: 1 },
    ]);
    const etag = json.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{24}"$/);
    const again = await SELF.fetch(`http://edge.test/api/v1/candles?${q}&format=json`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);

    const arrow = await SELF.fetch(`http://edge.test/api/v1/candles?${q}&format=arrow`);
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.schema.fields.map((f) => f.name)).toEqual(['time', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades']);
    expect([...table.getChild('close')!.toArray()]).toEqual([12, 11]);
    expect([...table.getChild('time')!.toArray()]).toEqual([t0, t0 + 60_000]);

    // The range that holds the open bar is not immutable.
    const open = await SELF.fetch(`http://edge.test/api/v1/candles?symbol=ETH-USDT&exchange=kraken&interval=1m&from=${t0}&to=${t0 + 180_000}`);
    expect(open.headers.get('cache-control')).toBe('public, max-age=1');
    expect(((await open.json()) as { candles: { trades: number }[] }).candles.length).toBe(3);
  });

  it('compresses candle bodies by Accept-Encoding (gzip, br) to bytes that decode to the identity body', async () => {
    // Two hours of 1m bars from one trade a minute, a day before the other tests' range, on its own venue.
    const d0 = t0 - 86_400_000;
    const trades = Array.from({ length: 121 }, (_, i): MarketEvent => ({ ...trade(1000 + i, d0 + i * 60_000 + 1_000, 3000 + (i % 7), 1 + (i % 3)), exchange: 'bybit' }));
    await hubStub(env, 'ETH-USDT').ingest(trades, { ...feed, exchange: 'bybit' });
    for (const format of ['json', 'arrow']) {
      const url = `http://edge.test/api/v1/candles?symbol=ETH-USDT&exchange=bybit&interval=1m&from=${d0}&to=${d0 + 120 * 60_000}&format=${format}`;
      const plain = await SELF.fetch(url);
      expect(plain.headers.get('content-encoding')).toBeNull();
      const identity = new Uint8Array(await plain.arrayBuffer());
      expect(identity.length).toBeGreaterThan(1000);
      for (const [enc, decode] of [['gzip', gunzipSync], ['br', brotliDecompressSync]] as const) {
        // The handler's own Response: SELF.fetch would hand back a body already decoded by the runtime.
        const ctx = createExecutionContext();
        const res = await worker.fetch(new Request(url, { headers: { 'accept-encoding': `${enc}, identity` } }), env, ctx);
        await waitOnExecutionContext(ctx);
        expect(res.headers.get('content-encoding'), `${format} ${enc}`).toBe(enc);
        expect(res.headers.get('vary')).toBe('accept-encoding');
        const body = new Uint8Array(await res.arrayBuffer());
        expect(body.length, `${format} ${enc}`).toBeLessThan(identity.length / 2);
        if (enc === 'gzip') expect([...body.slice(0, 2)]).toEqual([0x1f, 0x8b]);
        expect(new Uint8Array(decode(body))).toEqual(identity);
      }
    }
  });

  it('refuses bad candle requests with problem+json', async () => {
    for (const [q, status] of [
      ['symbol=DOGE-USDT&interval=1m&from=0&to=1', 404],
      ['symbol=ETH-USDT&interval=7m&from=0&to=1', 400],
      ['symbol=ETH-USDT&interval=1s&from=0&to=9999999999999', 400],
      ['symbol=ETH-USDT&interval=1m&from=5&to=1', 400],
    ] as const) {
      const r = await SELF.fetch(`http://edge.test/api/v1/candles?${q}`);
      expect(r.status, q).toBe(status);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('lists instruments and answers GraphQL with chosen fields, within depth and cost limits', async () => {
    const list = (await (await SELF.fetch('http://edge.test/api/v1/instruments')).json()) as { instruments: { symbol: string }[] };
    // SYMBOLS plus what the configured venues ingest (the test config adds Bitstamp's BTC-USD)
    expect(list.instruments.map((i) => i.symbol)).toEqual(['BTC-USDT', 'BTC-USD', 'ETH-USDT']);
    const gql = (query: string, variables = {}) =>
      SELF.fetch('http://edge.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    const ok = await gql('query Q($from: Float) { instruments { symbol kind } bars: candles(symbol: "ETH-USDT", exchange: "kraken", interval: "1m", from: $from, to: ' + (t0 + 120_000) + ') { time close } }', { from: t0 });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: unknown }).data).toEqual({
      instruments: [{ symbol: 'BTC-USDT', kind: 'spot' }, { symbol: 'BTC-USD', kind: 'spot' }, { symbol: 'ETH-USDT', kind: 'spot' }],
      bars: [{ time: t0, close: 12 }, { time: t0 + 60_000, close: 11 }],
    });
    expect((await gql('{ instruments { a { b { c { d } } } } }')).status).toBe(400);
    const costly = await gql(`{ candles(symbol: "ETH-USDT", interval: "1s", from: 0, to: 40000000) { time open high low close } }`);
    expect(costly.status).toBe(400);
    expect(((await costly.json()) as { detail: string }).detail).toMatch(/cost \d+ exceeds 2000/);
    expect((await gql('{ instruments { symbol password } }')).status).toBe(400);
    expect((await gql('{ instruments { symbol }')).status).toBe(400);
  });
});
