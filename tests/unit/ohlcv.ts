import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTimestamp } from '../../shared/risk/fills';
import { DATA_DIR } from '../../tools/paths';

export interface Bars {
  time: number[];
  close: number[];
}

/**
 * The two OHLCV files, sorted by time, one row per bucket. The CryptoDataDownload file is newest first,
 * uses `YYYY-MM-DD HH-AM|PM`: sorted here; a repeated timestamp would be dropped.
 */
export function readBars(name: 'ftx-btc-perp-1m-train.csv' | 'Coinbase_BTCUSD_1h.csv'): Bars {
  const lines = readFileSync(join(DATA_DIR, 'ohlcv', name), 'utf8').split(/\r?\n/).filter(Boolean);
  const rows: [number, number][] = [];
  for (const line of lines) {
    const f = line.split(',');
    let t: number | undefined;
    const cdd = /^(\d{4}-\d{2}-\d{2}) (\d{2})-(AM|PM)$/.exec(f[0]!);
    if (cdd) t = Date.parse(`${cdd[1]}T00:00:00Z`) + ((Number(cdd[2]) % 12) + (cdd[3] === 'PM' ? 12 : 0)) * 3_600_000;
    else t = parseTimestamp(f[0]!);
    if (t === undefined) continue; // comment and header lines
    rows.push([t, Number(f[name.startsWith('ftx') ? 4 : 5])]);
  }
  rows.sort((a, b) => a[0] - b[0]);
  const seen = new Set<number>();
  const out: Bars = { time: [], close: [] };
  for (const [t, c] of rows) {
    if (seen.has(t)) continue;
    seen.add(t);
    out.time.push(t);
    out.close.push(c);
  }
  return out;
}
