import { describe, expect, it } from 'vitest';
import { toIPC } from '../../app/workers/arrow-io';
import { CandleTable } from '../../app/workers/candle-table';
import type { Candle } from '../../shared/market/candles';

const bar = (i: number): Candle => ({ time: i * 1000, open: i, high: i + 1, low: i - 1, close: i + 0.5, volume: i / 10, quoteVolume: i, trades: i });

describe('CandleTable', () => {
  it('keeps at most its capacity, dropping the oldest, and ignores bars it already has', () => {
    const t = new CandleTable(3);
    for (const i of [1, 2, 3, 4, 4, 2]) t.append(bar(i));
    expect(t.length).toBe(3);
    expect([...t.tail(10).time]).toEqual([2000, 3000, 4000]);
    expect([...t.tail(2).close]).toEqual([3.5, 4.5]);
  });

  it('round-trips through Arrow IPC, and only unsaved rows are drained', () => {
    const a = new CandleTable(100);
    for (let i = 1; i <= 5; i++) a.append(bar(i));
    const first = a.drain()!;
    expect(first).toMatchObject({ start: 1000, end: 5000, rows: 5 });
    expect(a.drain()).toBeUndefined();
    a.append(bar(6));
    const second = a.drain()!;
    expect(second).toMatchObject({ start: 6000, end: 6000, rows: 1 });

    const b = new CandleTable(100);
    b.loadIPC([toIPC(first.cols), toIPC(second.cols)]);
    expect(b.length).toBe(6);
    expect(b.drain()).toBeUndefined();
    expect(b.tail(6)).toEqual(a.tail(6));
  });

  it('transferable copies do not alias the table', () => {
    const t = new CandleTable(4);
    t.append(bar(1));
    const view = t.tail(1);
    view.close[0] = -1;
    expect(t.tail(1).close[0]).toBe(1.5);
  });
});
