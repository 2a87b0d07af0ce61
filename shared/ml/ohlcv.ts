import type { Candle } from '../market/candles';
import { parseTimestamp } from '../market/time';

/** OHLCV bars as columns; `time` is the bar's open, Unix ms UTC. */
export interface Bars {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** One plain OHLCV bar: a candle without the trade-derived fields the OHLCV files do not carry. */
export type Bar = Pick<Candle, 'time' | 'open' | 'high' | 'low' | 'close' | 'volume'>;

export const MINUTE_MS = 60_000;

export function barsFromRows(rows: Bar[]): Bars {
  const n = rows.length;
  const b: Bars = { time: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  rows.forEach((r, i) => {
    b.time[i] = r.time;
    b.open[i] = r.open;
    b.high[i] = r.high;
    b.low[i] = r.low;
    b.close[i] = r.close;
    b.volume[i] = r.volume;
  });
  return b;
}

export const sliceBars = (b: Bars, from: number, to: number): Bars => ({
  time: b.time.slice(from, to), open: b.open.slice(from, to), high: b.high.slice(from, to),
  low: b.low.slice(from, to), close: b.close.slice(from, to), volume: b.volume.slice(from, to),
});

export { parseTimestamp } from '../market/time';

/**
 * Parses the CSVs in ../shared/data/ohlcv (FTX 1-minute, CryptoDataDownload hourly) and plain
 * `timestamp,open,high,low,close,volume`. Comment lines before the header are skipped; rows come back
 * ascending with duplicate times dropped, and CDD's known block of copied rows (identical OHLCV
 * under a different hour, see the data README) dropped as well rather than trusted.
 */
export function parseOhlcvCsv(text: string): { bars: Bars; dropped: number } {
  const lines = text.split(/\r?\n/);
  let h = lines.findIndex((l) => /(^|,)(timestamp|date|time|unix)(,|$)/i.test(l) && /close/i.test(l));
  if (h < 0) throw new Error('no header with a timestamp/date column and close');
  const cols = lines[h]!.toLowerCase().split(',').map((c) => c.trim());
  const at = (names: string[]) => {
    const i = cols.findIndex((c) => names.includes(c));
    if (i < 0) throw new Error(`missing column ${names[0]} in header "${lines[h]}"`);
    return i;
  };
  const ti = at(['timestamp', 'date', 'time', 'unix']);
  const [oi, hi, li, ci] = [at(['open']), at(['high']), at(['low']), at(['close'])];
  // CDD has volume_btc (base) and volume (quote); base volume is what the FTX and plain files mean.
  const vi = cols.includes('volume_btc') ? at(['volume_btc']) : at(['volume']);
  const rows: Bar[] = [];
  for (let i = h + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const f = line.split(',');
    const row = { time: parseTimestamp(f[ti]!), open: Number(f[oi]), high: Number(f[hi]), low: Number(f[li]), close: Number(f[ci]), volume: Number(f[vi]) };
    if (![row.open, row.high, row.low, row.close, row.volume].every(Number.isFinite) || row.close <= 0) throw new Error(`bad row at line ${i + 1}: "${line}"`);
    rows.push(row);
  }
  rows.sort((a, b) => a.time - b.time);
  const kept: Bar[] = [];
  const seen = new Map<string, number>();
  let dropped = 0;
  for (const r of rows) {
    const key = `${r.open},${r.high},${r.low},${r.close},${r.volume}`;
    const prev = seen.get(key);
    const copy = prev !== undefined && r.time - prev <= 12 * 3_600_000 && r.high !== r.low;
    if ((kept.length && kept[kept.length - 1]!.time === r.time) || copy) {
      dropped++;
      continue;
    }
    seen.set(key, r.time);
    kept.push(r);
  }
  return { bars: barsFromRows(kept), dropped };
}

/** The most common spacing between bars. */
export function barInterval(b: Bars): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < Math.min(b.time.length, 2000); i++) {
    const d = b.time[i]! - b.time[i - 1]!;
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0;
  let most = -1;
  for (const [d, c] of counts) if (c > most) [best, most] = [d, c];
  return best;
}

/**
 * Bars of `intervalMs` from finer bars, gap-free: a bucket with no bar is a flat bar at the previous close
 * with zero volume (no trades = no price change). Only buckets whose last sub-bar has closed are emitted
 * when `closedBefore` is given, so a half-built minute is never handed to a model.
 */
export function resample(b: Bars, intervalMs: number, closedBefore = Infinity): Bars {
  const rows: Bar[] = [];
  for (let i = 0; i < b.time.length; i++) {
    const t = b.time[i]! - (((b.time[i]! % intervalMs) + intervalMs) % intervalMs);
    let last = rows[rows.length - 1];
    while (last && last.time + intervalMs < t) {
      last = { time: last.time + intervalMs, open: last.close, high: last.close, low: last.close, close: last.close, volume: 0 };
      rows.push(last);
    }
    if (last && last.time === t) {
      if (b.high[i]! > last.high) last.high = b.high[i]!;
      if (b.low[i]! < last.low) last.low = b.low[i]!;
      last.close = b.close[i]!;
      last.volume += b.volume[i]!;
    } else rows.push({ time: t, open: b.open[i]!, high: b.high[i]!, low: b.low[i]!, close: b.close[i]!, volume: b.volume[i]! });
  }
  while (rows.length && rows[rows.length - 1]!.time + intervalMs > closedBefore) rows.pop();
  return barsFromRows(rows);
}
