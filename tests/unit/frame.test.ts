import { describe, expect, it } from 'vitest';
import type { Adapter } from '../../worker/ingest/adapter';
import { BinanceAdapter } from '../../worker/ingest/binance';
import { KrakenAdapter } from '../../worker/ingest/kraken';
import { driven, sinkOf } from './drive';
import { feed, KRAKEN_V1, merged, newRun, sinkInto } from './adapter-harness';
import { hasData, NO_DATA, recording, SPOT_0808 } from './recordings';

const states = (a: Adapter) => a.health().map((h) => `${h.symbol}:${h.state}:${h.resyncs}`);

describe.skipIf(!hasData())(`the shared frame prologue (worker/ingest/frame.ts) on real frames ${hasData() ? '' : NO_DATA}`, () => {
  /** The spot adapter live on the first 2,000 records of the real recording, and what comes next. */
  function liveBinance() {
    const recs = recording(SPOT_0808);
    const adapter = new BinanceAdapter(['BTC-USDT']);
    const d = driven();
    // Every snapshot request is answered with the recording's inline REST snapshot.
    const snap = recs.find((r) => r.kind === 'rest')!;
    const sink = sinkOf(d, (symbol) => adapter.onSnapshot(symbol, snap.frame, snap.t, sink));
    for (const r of recs.slice(0, 2_000)) if (r.kind !== 'rest') adapter.parse(r.frame, r.t, sink);
    expect(states(adapter)).toEqual(['BTC-USDT:live:0']);
    const next = (stream: string) => recs.slice(2_000).find((r) => r.frame.startsWith(`{"stream":"btcusdt@${stream}"`))!.frame;
    return { adapter, sink, d, next };
  }

  it('Binance: a cut-short trade or quote names its stream: reported, and no book is resynced for it', () => {
    const { adapter, sink, d, next } = liveBinance();
    const errors = d.errors.length;
    for (const stream of ['trade', 'bookTicker']) adapter.parse(next(stream).slice(0, 60), 1, sink);
    expect(d.errors.slice(errors).map((e) => [e.message.slice(0, 30), e.symbol])).toEqual([
      ['binance: frame is not JSON: {"', undefined], ['binance: frame is not JSON: {"', undefined],
    ]);
    expect(states(adapter)).toEqual(['BTC-USDT:live:0']);
  });

  it('Binance: a cut-short depth diff resyncs its book from a new REST snapshot; unreadable bytes that name nothing resync every book', () => {
    const { adapter, sink, d, next } = liveBinance();
    const snapshots = d.snapshots.length;
    adapter.parse(next('depth@100ms').slice(0, 60), 1, sink);
    expect(d.errors.at(-1)).toEqual({ message: expect.stringMatching(/^binance: frame is not JSON: /), symbol: 'BTC-USDT' });
    expect(d.snapshots.slice(snapshots)).toEqual([{ symbol: 'BTC-USDT', path: '/api/v3/depth?symbol=BTCUSDT&limit=1000' }]);

    const fresh = liveBinance();
    fresh.adapter.parse('\u0000garbage', 1, fresh.sink);
    expect(fresh.d.errors.at(-1)).toEqual({ message: 'binance: frame is not JSON: \u0000garbage', symbol: undefined });
    expect(fresh.d.snapshots.at(-1)).toEqual({ symbol: 'BTC-USDT', path: '/api/v3/depth?symbol=BTCUSDT&limit=1000' });
    expect(fresh.adapter.health()[0]!.resyncs).toBe(1);
  });

  it('Kraken: an unreadable frame resyncs every book with one unsubscribe and one subscribe naming all pairs', () => {
    const frames = merged(...KRAKEN_V1);
    const adapter = new KrakenAdapter(['BTC-CHF', 'XMR-USD', 'ETH-CHF']);
    feed(adapter, frames.slice(0, 400));
    const before = adapter.health().filter((h) => h.state === 'live').map((h) => h.symbol);
    expect(before.length).toBeGreaterThan(0);
    const run = newRun();
    adapter.parse('[1234,{"a":[["1.0"', 1, sinkInto(run));
    expect(run.errors).toEqual([{ message: 'kraken: frame is not JSON: [1234,{"a":[["1.0"', symbol: undefined }]);
    expect(run.sent.map((f) => JSON.parse(f) as { event: string; pair: string[] })).toEqual([
      { event: 'unsubscribe', pair: expect.arrayContaining(['XBT/CHF', 'XMR/USD', 'ETH/CHF']), subscription: { name: 'book', depth: 1000 } },
      { event: 'subscribe', pair: expect.arrayContaining(['XBT/CHF', 'XMR/USD', 'ETH/CHF']), subscription: { name: 'book', depth: 1000 } },
    ]);
    expect(adapter.health().every((h) => h.state === 'resyncing' && h.resyncs === 1)).toBe(true);
    // Until the snapshot the resubscribe asks for arrives, no update of an invalid book is published.
    const events = run.events.length;
    feed(adapter, frames.slice(400, 600), run);
    expect(run.events.slice(events).filter((e) => e.type === 'book')).toEqual([]);
  });
});
