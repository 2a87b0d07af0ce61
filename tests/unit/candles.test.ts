import { describe, expect, it } from 'vitest';
import { bucketStart, CandleBuilder, type Candle } from '../../shared/market/candles';
import { hasData, NO_DATA, recording, SPOT_0808 } from './recordings';

describe('bucketStart', () => {
  it('floors to UTC buckets, including before 1970', () => {
    expect(bucketStart(1723161255342, 1000)).toBe(1723161255000);
    expect(bucketStart(1723161255342, 60_000)).toBe(1723161240000);
    expect(bucketStart(-1, 1000)).toBe(-1000);
  });
});

describe('CandleBuilder', () => {
  it('folds a late trade into the open bar instead of reopening a closed one', () => {
    const closed: Candle[] = [];
    const b = new CandleBuilder(1000, (c) => closed.push(c));
    b.add(1_000, 10, 1);
    b.add(2_100, 12, 1);
    b.add(1_500, 9, 2); // late: belongs to the closed bar at 1000
    b.closeBefore(3_000);
    expect(closed).toEqual([
      { time: 1000, open: 10, high: 10, low: 10, close: 10, volume: 1, quoteVolume: 10, trades: 1 },
      { time: 2000, open: 12, high: 12, low: 9, close: 9, volume: 3, quoteVolume: 30, trades: 2 },
    ]);
  });
});

describe.skipIf(!hasData())(`1-second candles from the real spot trades ${hasData() ? '' : NO_DATA}`, () => {
  const trades = () =>
    recording(SPOT_0808)
      .filter((r) => r.frame.includes('@trade'))
      .map((r) => (JSON.parse(r.frame) as { data: { p: string; q: string; T: number } }).data)
      .map((d) => ({ ts: d.T, price: Number(d.p), amount: Number(d.q) }));

  it('match a direct group-by of the same trades, bar for bar', () => {
    const closed: Candle[] = [];
    const builder = new CandleBuilder(1000, (c) => closed.push(c));
    const all = trades();
    for (const t of all) builder.add(t.ts, t.price, t.amount);
    builder.closeBefore(all.at(-1)!.ts + 1000);

    const direct = new Map<number, Candle>();
    for (const t of all) {
      const time = Math.floor(t.ts / 1000) * 1000;
      const c = direct.get(time);
      if (!c) direct.set(time, { time, open: t.price, high: t.price, low: t.price, close: t.price, volume: t.amount, quoteVolume: t.price * t.amount, trades: 1 });
      else {
        c.high = Math.max(c.high, t.price);
        c.low = Math.min(c.low, t.price);
        c.close = t.price;
        c.volume += t.amount;
        c.quoteVolume += t.price * t.amount;
        c.trades++;
      }
    }
    expect(closed).toEqual([...direct.values()]);
    expect(closed.reduce((n, c) => n + c.trades, 0)).toBe(9_757);
    // first bar, worked out with decimal arithmetic from the file: 23:54:15 UTC, 47 trades, 0.22682 BTC
    expect(closed[0]).toMatchObject({ time: 1723161255000, open: 61837.63, high: 61837.63, low: 61828.01, close: 61828.02, trades: 47 });
    expect(closed[0]!.volume).toBeCloseTo(0.22682, 12);
  });
});
