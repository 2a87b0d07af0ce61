import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { fetchCandles, fillGaps, missingRanges, type Fetch, type HistoryQuery } from '../../app/workers/gap-fill';
import { CANDLE_COLUMNS, type CandleColumns } from '../../shared/market/candles';
import { FTX_1M, readOhlcv } from '../../tools/ohlcv';
import { hasData, NO_DATA } from './recordings';

const M = 60_000;

describe('missing ranges', () => {
  it('are exactly the buckets not cached, aligned to the interval', () => {
    expect(missingRanges([], 0, 10 * M, M)).toEqual([[0, 10 * M]]);
    expect(missingRanges([[0, 9 * M]], 0, 10 * M, M)).toEqual([]);
    expect(missingRanges([[3 * M, 4 * M], [7 * M, 7 * M]], 0, 10 * M, M)).toEqual([[0, 3 * M], [5 * M, 7 * M], [8 * M, 10 * M]]);
    // unsorted and overlapping input, a range starting mid-bucket, one reaching past `to`
    expect(missingRanges([[6 * M, 20 * M], [2 * M, 3 * M], [1 * M, 2 * M]], 30_000, 10 * M, M)).toEqual([[4 * M, 6 * M]]);
    expect(missingRanges([[0, 3 * M]], 5 * M, 5 * M, M)).toEqual([]);
  });
});

/** The history API as the contract says, over real bars; records every request. */
function historyStub(bars: CandleColumns) {
  const asked: [number, number][] = [];
  const fetchFn: Fetch = async (url) => {
    const u = new URL(url, 'http://x');
    expect(u.pathname).toBe('/api/v1/candles');
    expect(u.searchParams.get('format')).toBe('arrow');
    const [from, to] = [Number(u.searchParams.get('from')), Number(u.searchParams.get('to'))];
    asked.push([from, to]);
    const i0 = bars.time.findIndex((t) => t >= from);
    const i1 = bars.time.findIndex((t) => t >= to);
    const slice = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, bars[c].slice(i0 < 0 ? bars.time.length : i0, i1 < 0 ? bars.time.length : i1)]));
    return new Response(tableToIPC(tableFromArrays(slice), 'stream') as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/vnd.apache.arrow.stream' } });
  };
  return { fetchFn, asked };
}

describe.skipIf(!hasData())(`gap fill against the history contract on real bars ${hasData() ? '' : NO_DATA}`, () => {
  it('asks only for what the cache lacks and ends with every bar of the window exactly once', async () => {
    const bars = readOhlcv(FTX_1M);
    const { fetchFn, asked } = historyStub(bars);
    const t0 = bars.time[0]!;
    const q: HistoryQuery = { symbol: 'BTC-PERP', exchange: 'ftx', interval: '1m', from: t0, to: t0 + 1_000 * M };
    const have: [number, number][] = [[t0 + 100 * M, t0 + 199 * M], [t0 + 500 * M, t0 + 899 * M]];
    const got: number[] = [];
    const gaps = await fillGaps(fetchFn, '', q, have, (b) => void got.push(...b.time));
    expect(asked).toEqual([[t0, t0 + 100 * M], [t0 + 200 * M, t0 + 500 * M], [t0 + 900 * M, t0 + 1_000 * M]]);
    expect(gaps).toEqual(asked);
    const cached = Array.from(bars.time.slice(100, 200)).concat(Array.from(bars.time.slice(500, 900)));
    expect([...got, ...cached].sort((a, b) => a - b)).toEqual(Array.from(bars.time.slice(0, 1_000)));
    // a second reconnect with everything cached asks for nothing
    asked.length = 0;
    expect(await fillGaps(fetchFn, '', q, [[t0, t0 + 999 * M]], () => {})).toEqual([]);
    expect(asked).toEqual([]);
  });
});

describe('a bad history reply is an error, not a partial write', () => {
  const q: HistoryQuery = { symbol: 'BTC-USDT', exchange: 'binance', interval: '1m', from: 0, to: 10 * M };
  const arrow = (cols: Record<string, Float64Array | Int32Array>) => async () => new Response(tableToIPC(tableFromArrays(cols), 'stream') as Uint8Array<ArrayBuffer>);
  const good = (time: number[]) => Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, Float64Array.from(c === 'time' ? time : time.map(() => 1))]));
  it('rejects HTTP errors, garbage, missing or mistyped columns, rows out of range or order', async () => {
    await expect(fetchCandles(async () => new Response('nope', { status: 503 }), '', q)).rejects.toThrow(/history 503/);
    await expect(fetchCandles(async () => new Response(new Uint8Array([1, 2, 3])), '', q)).rejects.toThrow();
    await expect(fetchCandles(arrow({ ...good([0]), trades: Int32Array.from([1]) }), '', q)).rejects.toThrow(/trades is missing or not float64/);
    const { volume: _, ...noVolume } = good([0]);
    await expect(fetchCandles(arrow(noVolume), '', q)).rejects.toThrow(/volume/);
    await expect(fetchCandles(arrow(good([0, 10 * M])), '', q)).rejects.toThrow(/out of range/);
    await expect(fetchCandles(arrow(good([M, 0])), '', q)).rejects.toThrow(/out of range or order/);
    expect((await fetchCandles(arrow(good([0, M, 9 * M])), '', q)).time).toEqual(Float64Array.from([0, M, 9 * M]));
  });
});
