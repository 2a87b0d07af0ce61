import { describe, expect, it } from 'vitest';
import { toArrow } from '../../app/workers/arrow-io';
import { Instrument } from '../../app/workers/instrument';
import { ColumnChunks } from '../../app/workers/tables';
import { CANDLE_COLUMNS, type Candle } from '../../shared/market/candles';
import { binanceTrades, FTX_1M, readOhlcv } from '../../tools/ohlcv';
import { hasData, NO_DATA, recording, SPOT_0808 } from './recordings';

describe('bounded column chunks', () => {
  it('drop whole oldest chunks past the bound, keep order, and wrap as Arrow without copying', () => {
    const t = new ColumnChunks(['a', 'b'] as const, 4, 10);
    for (let i = 0; i < 23; i++) t.append({ a: i, b: -i });
    // at least the 10 newest rows, fewer than 10 + one chunk
    expect(t.length).toBeGreaterThanOrEqual(10);
    expect(t.length).toBeLessThan(10 + 4);
    expect(t.dropped + t.length).toBe(23);
    expect(Array.from(t.slice().a)).toEqual(Array.from({ length: t.length }, (_, i) => t.dropped + i));
    expect(t.bytes).toBe(Math.ceil(t.length / 4) * 4 * 2 * 8);
    const arrow = toArrow(t);
    expect(arrow.numRows).toBe(t.length);
    expect(Array.from(arrow.getChild('b')!.toArray() as Float64Array)).toEqual(Array.from(t.slice().b));
    expect(t.lowerBound('a', 15.5)).toBe(16 - t.dropped);
    expect(t.last('a')).toBe(22);
  });

  it('append columns across chunk borders equals appending row by row', () => {
    const a = new ColumnChunks(['x'] as const, 3, 100);
    const b = new ColumnChunks(['x'] as const, 3, 100);
    const src = { x: Float64Array.from({ length: 11 }, (_, i) => i * 1.5) };
    a.appendColumns(src, 2, 11);
    for (let i = 2; i < 11; i++) b.append({ x: src.x[i]! });
    expect(a.slice()).toEqual(b.slice());
    expect(a.slice(4, 7).x).toEqual(src.x.slice(6, 9));
  });
});

const bar = (time: number, price: number): Candle => ({ time, open: price, high: price + 1, low: price - 1, close: price, volume: 1, quoteVolume: price, trades: 1 });

describe('an instrument', () => {
  it('closes minutes into history only when this session saw the whole minute', () => {
    const inst = new Instrument({ exchange: 'binance', symbol: 'BTC-USDT' });
    // session starts at 00:00:30: the first minute is partial and must not be stored as if complete
    for (let s = 30; s < 185; s++) inst.addSecond(bar(s * 1000, 100 + s));
    expect(Array.from(inst.history.slice().time)).toEqual([60_000, 120_000]);
    const m1 = inst.history.slice();
    expect([m1.open[0], m1.close[0], m1.high[0], m1.low[0], m1.volume[0], m1.trades[0]]).toEqual([160, 219, 220, 159, 60, 60]);
    // the forming minute is on the ≥ 1 m chart but not in history
    expect(Array.from(inst.minuteBars().time)).toEqual([60_000, 120_000, 180_000]);
  });

  it('merges history from the API around what it has, without duplicates', () => {
    const inst = new Instrument({ exchange: 'binance', symbol: 'BTC-USDT' });
    const cols = (times: number[], v: number) =>
      Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, Float64Array.from(times, (t) => (c === 'time' ? t : v))])) as Record<(typeof CANDLE_COLUMNS)[number], Float64Array>;
    inst.mergeHistory(cols([3, 4, 5].map((m) => m * 60_000), 1));
    const epoch = inst.historyEpoch;
    inst.mergeHistory(cols([6, 7].map((m) => m * 60_000), 2)); // after the end: appended
    inst.mergeHistory(cols([1, 2, 3, 8].map((m) => m * 60_000), 3)); // before, overlapping, after
    expect(inst.historyEpoch).toBe(epoch + 2); // each merge makes the chart reload rather than append bar by bar
    const h = inst.history.slice();
    expect(Array.from(h.time)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((m) => m * 60_000));
    expect(Array.from(h.close)).toEqual([3, 3, 1, 1, 1, 2, 2, 3]); // minute 3 kept the bar already held
  });

  it.skipIf(!hasData())(`chart views are columns with candles and indicators, tails start where asked ${hasData() ? '' : NO_DATA}`, () => {
    const inst = new Instrument({ exchange: 'binance', symbol: 'BTC-USDT' });
    const { ts, price, amount } = binanceTrades(recording(SPOT_0808));
    const secs = inst.kernels.resampleTrades(ts, price, amount, 1000);
    for (let i = 0; i < secs.time.length; i++) inst.addSecond(Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, secs[c][i]!])) as unknown as Candle);
    const full = inst.chart('1s', { all: true }).cols;
    expect(full.time.length).toBe(Math.min(3_600, secs.time.length));
    expect(Object.keys(full)).toEqual([...CANDLE_COLUMNS, 'ema20', 'ema50', 'bbUpper', 'bbMiddle', 'bbLower', 'rsi14', 'macd', 'macdSignal', 'macdHist']);
    const since = secs.time[secs.time.length - 5]!;
    const tail = inst.chart('1s', { since }).cols;
    expect(Array.from(tail.time)).toEqual(Array.from(secs.time.slice(-5)));
    // the tail's EMA equals the full view's (warm-up included), to the last bit
    expect(Array.from(tail.ema50)).toEqual(Array.from(full.ema50.slice(-5)));
    // every column its own buffer: transferring one view detaches nothing else
    expect(new Set(Object.values(tail).map((c) => c.buffer)).size).toBe(Object.keys(tail).length);
  });

  it.skipIf(!hasData())(`blocks are the bars before or after a time, with the indicators the full view has there ${hasData() ? '' : NO_DATA}`, () => {
    const inst = new Instrument({ exchange: 'binance', symbol: 'BTC-USDT' });
    const b = readOhlcv(FTX_1M);
    inst.mergeHistory(b);
    const n = b.time.length;
    const full = inst.chart('1m', { all: true }).cols;
    const before = b.time[n - 5_000]!;
    const block = inst.chart('1m', { before, count: 3_000 });
    const t = block.cols;
    expect(block.rows).toBe(3_000);
    expect(Array.from(t.time)).toEqual(Array.from(b.time.slice(n - 8_000, n - 5_000)));
    for (const c of ['close', 'ema20', 'rsi14', 'macdSignal', 'bbUpper'] as const) expect(Array.from(t[c]), c).toEqual(Array.from(full[c].slice(n - 8_000, n - 5_000)));
    // at the start of history: what there is, then nothing
    expect(inst.chart('1m', { before: b.time[100]!, count: 3_000 }).rows).toBe(100);
    expect(inst.chart('1m', { before: b.time[0]!, count: 3_000 }).rows).toBe(0);
    // a newer block: the bars after a time, with the full view's indicators there; at the newest, what there is
    const newer = inst.chart('1m', { after: b.time[n - 8_001]!, count: 3_000 });
    expect(newer.rows).toBe(3_000);
    expect(newer.lastTime).toBe(b.time[n - 5_001]);
    for (const c of ['time', 'close', 'ema50', 'rsi14', 'macdHist', 'bbLower'] as const) expect(Array.from(newer.cols[c]), c).toEqual(Array.from(full[c].slice(n - 8_000, n - 5_000)));
    expect(inst.chart('1m', { after: b.time[n - 101]!, count: 3_000 }).rows).toBe(100);
    expect(inst.chart('1m', { after: b.time[n - 1]!, count: 3_000 }).rows).toBe(0);
  });
});
