import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../shared/market/types';
import { readRecording, type RecordedFrame } from '../../tools/fake-exchange/recording';
import { loadTimeline, replay } from '../../tools/normalize';
import { DATA_DIR } from '../../tools/paths';
import type { Sink } from '../../worker/ingest/adapter';
import { BinanceAdapter } from '../../worker/ingest/binance';
import { parseBinanceExchangeInfo } from '../../worker/ingest/binance-instruments';
import { BinanceUsdmAdapter } from '../../worker/ingest/binance-usdm';
import { hasData, NO_DATA, SPOT_0808 } from './recordings';

const USDM = 'hftbacktest/usdm/btcusdt_20240808.gz';
const data = (rel: string) => join(DATA_DIR, rel);

// Whole cryptofeed recordings replayed through the adapters: seconds of CPU alone, many times that on a loaded shared machine.
describe.skipIf(!hasData())(`Binance book sync on the cryptofeed recordings ${hasData() ? '' : NO_DATA}`, { timeout: 120_000 }, () => {
  it.each([
    ['spot', () => new BinanceAdapter(['NKN-USDT', 'BLZ-ETH', 'LRC-BTC', 'RUNE-EUR']), 'cryptofeed/BINANCE.ws.1.0', { 'NKN-USDT': 149, 'BLZ-ETH': 9, 'LRC-BTC': 13, 'RUNE-EUR': 1 }],
    ['USD-M', () => new BinanceUsdmAdapter(['SUSHI-USDT-PERP', 'AKRO-USDT-PERP', 'KEEP-USDT-PERP', 'CTK-USDT-PERP']), 'cryptofeed/BINANCE_FUTURES.ws.1.0', { 'SUSHI-USDT-PERP': 252, 'AKRO-USDT-PERP': 187, 'KEEP-USDT-PERP': 131, 'CTK-USDT-PERP': 179 }],
  ] as const)('%s: snapshots from the http file, zero errors, never crossed, every instrument live without gaps', (_name, make, file, bookEvents) => {
    const adapter = make();
    const errors: string[] = [];
    const books = new Map<string, number>();
    let crossed = 0;
    const timeline = loadTimeline([data(file)], (f, l, m) => errors.push(`${f}:${l}: ${m}`));
    // The reader brings the four REST snapshots from the sibling http file into the same timeline.
    expect(timeline.filter((r) => r.kind === 'rest').map((r) => new URL(r.url!).searchParams.get('symbol'))).toHaveLength(4);
    replay(adapter, timeline, {
      event(e: MarketEvent) {
        if (e.type !== 'book') return;
        books.set(e.symbol, (books.get(e.symbol) ?? 0) + 1);
        if (adapter.book(e.symbol)!.crossed) crossed++;
      },
      error: (m, _s, rec) => errors.push(`${rec?.line}: ${m}`),
    });
    expect(errors).toEqual([]);
    expect(crossed).toBe(0);
    for (const h of adapter.health()) expect(h).toMatchObject({ state: 'live', gaps: 0, resyncs: 0 });
    expect(adapter.health()).toHaveLength(4);
    // One snapshot, then a delta per diff after it (spot: 150/10/15/2 diffs recorded, those the snapshot covers dropped).
    expect(Object.fromEntries(books)).toEqual(bookEvents);
  });
});

/** Drops one depth frame from a recording: the adapter must see the gap, resync and end on the clean run's book. */
function injectGap(make: () => BinanceAdapter, rel: string, dropAt: number) {
  const clean = make();
  const faulty = make();
  const timeline = loadTimeline([data(rel)], () => {});
  const depth = timeline.filter((r) => r.frame.includes('"e":"depthUpdate"'));
  const dropped = depth[dropAt]!;
  let cleanU = 0;
  let pending = false;
  let serveIn = -1;
  const states: string[] = [];
  const errors: string[] = [];
  const resyncedAt: number[] = [];
  const sink: Sink = {
    event: (e) => {
      if (e.type === 'book' && e.kind === 'snapshot') resyncedAt.push(e.seq!);
    },
    error: (m) => errors.push(m),
    send: () => {},
    snapshot: () => {
      pending = true;
      if (errors.length) serveIn = 20; // after the gap: answer as a REST call would, a few frames later
    },
  };
  const body = () => {
    const b = clean.book('BTC-USDT') ?? clean.book('BTC-USDT-PERP')!;
    const side = (s: typeof b.bids) => s.top().map(([p, q]) => [String(p), String(q)]);
    return JSON.stringify({ lastUpdateId: cleanU, bids: side(b.bids), asks: side(b.asks) });
  };
  replay(clean, timeline, {
    event: (e) => {
      if (e.type === 'book') cleanU = e.seq!;
    },
    error: (m) => errors.push(`clean: ${m}`),
  }, (rec: RecordedFrame) => {
    const symbol = faulty.health()[0]?.symbol ?? '';
    if (rec.kind === 'rest') {
      if (pending && serveIn < 0) {
        pending = false;
        faulty.onSnapshot(symbol, rec.frame, rec.t, sink);
      }
      return;
    }
    if (rec !== dropped) faulty.parse(rec.frame, rec.t, sink);
    states.push(faulty.health()[0]!.state);
    if (pending && serveIn >= 0 && serveIn-- === 0) {
      pending = false;
      faulty.onSnapshot(symbol, body(), rec.t, sink);
    }
  });
  const symbol = clean.health()[0]!.symbol;
  return { clean: clean.book(symbol)!, faulty: faulty.book(symbol)!, health: faulty.health()[0]!, errors, states, resyncedAt, cleanU };
}

// Whole hftbacktest recordings replayed twice (clean and with the gap): seconds alone, many times that on a loaded machine.
describe.skipIf(!hasData())(`Binance gap injection ${hasData() ? '' : NO_DATA}`, { timeout: 120_000 }, () => {
  it.each([
    ['spot', () => new BinanceAdapter(['BTC-USDT']), SPOT_0808, /^binance: gap: after \d+ got U \d+$/],
    ['USD-M', () => new BinanceUsdmAdapter(['BTC-USDT-PERP']), USDM, /^binance-usdm: gap: after \d+ got pu \d+$/],
  ] as const)('%s: a dropped depth frame is detected, the book resyncs and ends equal to the clean run', (_name, make, rel, message) => {
    const r = injectGap(make, rel, 1_000);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
    expect(r.health).toMatchObject({ state: 'live', gaps: 1, resyncs: 1 });
    // syncing → live, then resyncing (book withheld) → live again.
    const phases = r.states.filter((s, i) => s !== r.states[i - 1]);
    expect(phases).toEqual(['syncing', 'live', 'resyncing', 'live']);
    expect(r.resyncedAt).toHaveLength(2);
    expect(r.faulty.bids.top()).toEqual(r.clean.bids.top());
    expect(r.faulty.asks.top()).toEqual(r.clean.asks.top());
    expect(r.faulty.bids.length).toBeGreaterThan(500);
  });
});

describe.skipIf(!hasData())(`Binance instruments from exchangeInfo ${hasData() ? '' : NO_DATA}`, () => {
  const info = (f: string) => readRecording(data(f)).find((r) => r.kind === 'rest')!;

  it('spot: every trading pair with tick and lot size', () => {
    const rec = info('cryptofeed/BINANCE.0');
    expect(rec.url).toBe('https://api.binance.com/api/v3/exchangeInfo');
    const { instruments, errors } = parseBinanceExchangeInfo(rec.frame, 'binance');
    expect(errors).toEqual([]);
    expect(instruments).toHaveLength(1_262);
    expect(instruments.find((i) => i.venueSymbol === 'NKNUSDT')).toEqual({
      exchange: 'binance', symbol: 'NKN-USDT', venueSymbol: 'NKNUSDT', kind: 'spot', base: 'NKN', quote: 'USDT', tickSize: 0.0001, lotSize: 1, contractSize: 1, minNotional: 10,
    });
  });

  it('USD-M: perpetuals and quarterlies under canonical names', () => {
    const { instruments, errors } = parseBinanceExchangeInfo(info('cryptofeed/BINANCE_FUTURES.0').frame, 'binance-usdm');
    expect(errors).toEqual([]);
    expect(instruments.filter((i) => i.kind === 'perpetual')).toHaveLength(119);
    expect(instruments.find((i) => i.venueSymbol === 'SUSHIUSDT')).toMatchObject({ symbol: 'SUSHI-USDT-PERP', tickSize: 0.001, lotSize: 1, contractSize: 1, minNotional: 5 });
    expect(instruments.filter((i) => i.kind === 'future').map((i) => [i.symbol, i.venueSymbol, i.expiry])).toEqual([
      ['BTC-USDT-210924', 'BTCUSDT_210924', Date.UTC(2021, 8, 24, 8)],
      ['ETH-USDT-210924', 'ETHUSDT_210924', Date.UTC(2021, 8, 24, 8)],
    ]);
  });

  it('reports a body that is not exchangeInfo', () => {
    expect(parseBinanceExchangeInfo('{"code":-1003}', 'binance')).toEqual({ instruments: [], errors: ['exchangeInfo without symbols'] });
    expect(parseBinanceExchangeInfo(readFileSync(data('cryptofeed/BINANCE.0'), 'utf8').slice(0, 100), 'binance').errors).toEqual(['exchangeInfo is not JSON']);
  });
});
