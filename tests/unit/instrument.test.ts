import { describe, expect, it } from 'vitest';
import { InstrumentState, type ClosedBar } from '../../shared/market/instrument';
import type { TradeEvent } from '../../shared/market/types';
import { realEvents, SPOT, USDM } from '../../tools/real-events';
import { hasData, NO_DATA } from './recordings';

// 80k real events decoded from two recordings and replayed: seconds of CPU alone, many times that on a loaded shared machine.
describe.skipIf(!hasData())(`instrument state on real Binance frames ${hasData() ? '' : NO_DATA}`, { timeout: 120_000 }, () => {
  it('closes 1m candles per venue and consolidated exactly as the raw trades add up', () => {
    const spot = realEvents(SPOT, 40_000, 'binance', 'BTC-USDT');
    const usdm = realEvents(USDM, 40_000, 'binance-usdm', 'BTC-USDT');
    const s = new InstrumentState('BTC-USDT');
    const closed: ClosedBar[] = [];
    // Both venues in receive order, in batches, as two feeds would reach one hub; only the span both cover.
    const end = Math.min(spot.at(-1)!.recvTs, usdm.at(-1)!.recvTs);
    const all = [spot[0]!, usdm[0]!, ...[...spot.slice(1), ...usdm.slice(1)].filter((e) => e.recvTs <= end).sort((a, b) => a.recvTs - b.recvTs)];
    for (let i = 0; i < all.length; i += 200) closed.push(...s.apply(all.slice(i, i + 200)).closed);
    const trades = all.filter((e): e is TradeEvent => e.type === 'trade');
    const expected = (venue?: string) => {
      const by = new Map<number, TradeEvent[]>();
      for (const t of trades) if (!venue || t.exchange === venue) by.set(t.ts - (t.ts % 60_000), [...(by.get(t.ts - (t.ts % 60_000)) ?? []), t]);
      return by;
    };
    for (const scope of ['binance', 'binance-usdm', 'consolidated']) {
      const bars = closed.filter((c) => c.scope === scope && c.interval === '1m').map((c) => c.bar);
      expect(bars.length).toBeGreaterThanOrEqual(3);
      const want = expected(scope === 'consolidated' ? undefined : scope);
      for (const b of bars) {
        const ts = want.get(b.time)!;
        // Consolidated bars take trades in arrival order across venues, so only order-free fields are compared there.
        expect(b.trades).toBe(ts.length);
        expect(b.high).toBe(Math.max(...ts.map((t) => t.price)));
        expect(b.low).toBe(Math.min(...ts.map((t) => t.price)));
        expect(b.volume).toBeCloseTo(ts.reduce((a, t) => a + t.amount, 0), 8);
        if (scope !== 'consolidated') {
          expect(b.open).toBe(ts[0]!.price);
          expect(b.close).toBe(ts.at(-1)!.price);
        }
      }
    }
    // Hand-checked against the raw file: spot trades with T in 2024-08-08 23:55:00–23:55:59.999 UTC.
    const first = closed.find((c) => c.scope === 'binance' && c.interval === '1m' && c.bar.time === Date.UTC(2024, 7, 8, 23, 55))!.bar;
    expect(first).toMatchObject({ trades: 1255, open: 61828, close: 61782.25, high: 61860.8, low: 61780 });
    expect(first.volume).toBeCloseTo(15.07702, 8);
  });

  it('answers resume from the kept updates, and refuses a gap it cannot fill', () => {
    const s = new InstrumentState('BTC-USDT');
    const ev = realEvents(SPOT, 3000, 'binance', 'BTC-USDT');
    s.apply([ev[0]!]);
    for (let i = 1; i < 3000; i += 5) s.apply(ev.slice(i, i + 5));
    const stream = 'book:BTC-USDT:consolidated';
    const seq = s.seq(stream);
    expect(s.since(stream, seq)).toEqual([]);
    expect(s.since(stream, seq - 3)!.map((m) => m.seq)).toEqual([seq - 2, seq - 1, seq]);
    expect(s.since(stream, seq + 1)).toBeUndefined();
    if (seq > 600) expect(s.since(stream, 1)).toBeUndefined();
  });
});
