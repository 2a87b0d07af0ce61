import { CANDLE_COLUMNS, type CandleColumns } from '../../shared/market/candles';

import { INTERVAL_MS, type Interval } from './intervals';

export { INTERVAL_MS, type Interval };

/**
 * The bucket ranges in [from, to) not covered by `have` (inclusive [start, end] bucket times, any order),
 * as half-open [from, to) ranges aligned to `step`. What the cache has is never asked for again.
 */
export function missingRanges(have: readonly (readonly [number, number])[], from: number, to: number, step: number): [number, number][] {
  const out: [number, number][] = [];
  let at = Math.ceil(from / step) * step;
  for (const [s, e] of [...have].sort((a, b) => a[0] - b[0])) {
    if (e < at) continue;
    if (s >= to) break;
    if (s > at) out.push([at, Math.min(s, to)]);
    at = Math.max(at, e + step);
  }
  if (at < to) out.push([at, to]);
  return out;
}

export interface HistoryQuery {
  symbol: string;
  exchange: string;
  interval: Interval;
  /** Unix ms; rows with from ≤ time < to. */
  from: number;
  to: number;
}

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * One request to `GET /api/v1/candles` (Arrow IPC, float64 columns time…trades). The reply is checked
 * before anything is kept: a missing column, a wrong type, rows outside the range asked for or out of order
 * are an error, not a partial write.
 */
export async function fetchCandles(fetchFn: Fetch, base: string, q: HistoryQuery, signal?: AbortSignal): Promise<CandleColumns> {
  const params = new URLSearchParams({ symbol: q.symbol, exchange: q.exchange, interval: q.interval, from: String(q.from), to: String(q.to), format: 'arrow' });
  const res = await fetchFn(`${base}/api/v1/candles?${params}`, { signal });
  if (!res.ok) throw new Error(`history ${res.status} for ${q.interval} ${q.from}…${q.to}`);
  // the reply may be any Arrow the edge writes: the full library, loaded only when history is fetched
  const { tableFromIPC } = await import('apache-arrow');
  const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
  const cols = {} as CandleColumns;
  for (const c of CANDLE_COLUMNS) {
    const v = table.getChild(c)?.toArray() as unknown;
    if (!(v instanceof Float64Array)) throw new Error(`history reply: column ${c} is missing or not float64`);
    cols[c] = v;
  }
  const t = cols.time;
  for (let i = 0; i < t.length; i++) {
    if (!(t[i]! >= q.from && t[i]! < q.to) || (i > 0 && t[i]! <= t[i - 1]!)) throw new Error(`history reply: row ${i} time ${t[i]} out of range or order`);
  }
  return cols;
}

/** Fetches every missing range of [from, to) in turn; `onBars` stores each before the next is asked for. */
export async function fillGaps(
  fetchFn: Fetch,
  base: string,
  q: HistoryQuery,
  have: readonly (readonly [number, number])[],
  onBars: (bars: CandleColumns) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<[number, number][]> {
  const gaps = missingRanges(have, q.from, q.to, INTERVAL_MS[q.interval]);
  for (const [from, to] of gaps) {
    const bars = await fetchCandles(fetchFn, base, { ...q, from, to }, signal);
    if (bars.time.length) await onBars(bars);
  }
  return gaps;
}
