import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../shared/market/types';
import { DATA_DIR } from '../../tools/paths';
import { loadTimeline, replay } from '../../tools/normalize';
import { BinanceAdapter } from '../../worker/ingest/binance';
import { BinanceUsdmAdapter } from '../../worker/ingest/binance-usdm';
import { hasData, NO_DATA, SPOT_0808, SPOT_0809 } from './recordings';

type Top = [bid: number, bidSize: number, ask: number, askSize: number];

/**
 * Replays a recording and lines the adapter's book up with Binance's own bookTicker: the book's top right
 * after the depth event whose final update id is u, against the bookTicker carrying that same u.
 */
function oracle(adapter: BinanceAdapter, files: string[]) {
  const errors: string[] = [];
  const afterDepth = new Map<number, Top>();
  const tickers = new Map<number, Top>();
  let crossed = 0;
  replay(adapter, loadTimeline(files.map((f) => join(DATA_DIR, f)), (f, l, m) => errors.push(`${f}:${l}: ${m}`)), {
    event(e: MarketEvent) {
      if (e.type === 'bbo') tickers.set(e.seq!, [e.bid, e.bidSize, e.ask, e.askSize]);
      else if (e.type === 'book') {
        const b = adapter.book(e.symbol)!;
        if (b.crossed) crossed++;
        afterDepth.set(e.seq!, [b.bids.bestPrice, b.bids.bestSize, b.asks.bestPrice, b.asks.bestSize]);
      }
    },
    error: (m, _s, rec) => errors.push(`${rec?.line}: ${m}`),
  });
  let checked = 0;
  const mismatches: string[] = [];
  for (const [u, t] of tickers) {
    const b = afterDepth.get(u);
    if (!b) continue;
    checked++;
    if (b.some((v, i) => v !== t[i])) mismatches.push(`u ${u}: book ${b.join(' ')} ≠ bookTicker ${t.join(' ')}`);
  }
  return { errors, checked, mismatches, crossed, depthEvents: afterDepth.size, health: adapter.health() };
}

// Whole hftbacktest recordings replayed and checked against every bookTicker: seconds alone, many times that on a loaded machine.
describe.skipIf(!hasData())(`Binance books against the exchange's bookTicker ${hasData() ? '' : NO_DATA}`, { timeout: 120_000 }, () => {
  it('spot, both hftbacktest files continuous: every matching bookTicker equals the book top', () => {
    const r = oracle(new BinanceAdapter(['BTC-USDT']), [SPOT_0808, SPOT_0809]);
    expect(r.errors).toEqual([]);
    expect(r.mismatches).toEqual([]);
    expect(r.crossed).toBe(0);
    // 1,072 of the 6,495 depth events end on an update id that a bookTicker also carries.
    expect(r.checked).toBe(1_072);
    expect(r.health).toMatchObject([{ symbol: 'BTC-USDT', state: 'live', gaps: 0, resyncs: 0 }]);
  });

  it('USD-M: every matching bookTicker equals the book top', () => {
    const r = oracle(new BinanceUsdmAdapter(['BTC-USDT-PERP']), ['hftbacktest/usdm/btcusdt_20240808.gz']);
    expect(r.errors).toEqual([]);
    expect(r.mismatches).toEqual([]);
    expect(r.crossed).toBe(0);
    expect(r.checked).toBe(629);
    expect(r.health).toMatchObject([{ symbol: 'BTC-USDT-PERP', state: 'live', gaps: 0, resyncs: 0 }]);
  });
});
