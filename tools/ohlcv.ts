import { readFileSync } from 'node:fs';
import { parseTimestamp } from '../shared/risk/fills';

export interface Bars {
  time: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

/** `YYYY-MM-DD HH-AM|PM` (CryptoDataDownload), UTC. */
function cddTime(s: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2})-(AM|PM)$/.exec(s);
  return m ? Date.parse(`${m[1]}T00:00:00Z`) + ((Number(m[2]) % 12) + (m[3] === 'PM' ? 12 : 0)) * 3_600_000 : undefined;
}

/**
 * Reads an OHLCV CSV: the FTX/nautilus export (`timestamp,open,high,low,close,volume`), the
 * CryptoDataDownload export (comment line, `date,symbol,open,high,low,close,volume_btc,volume`, newest
 * first, 12-hour clock), or any `timestamp,open,high,low,close,volume` with ms, s or ISO timestamps.
 * Rows come back sorted by time, one per timestamp; rows that are not data (comment, header) are skipped.
 */
export function readOhlcv(file: string): Bars {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  let cols = { t: 0, o: 1, h: 2, l: 3, c: 4, v: 5 };
  const rows: number[][] = [];
  for (const line of lines) {
    if (!line) continue;
    const f = line.split(',');
    const head = f.map((x) => x.trim().toLowerCase());
    if (head.includes('open') && head.includes('close')) {
      const at = (n: string) => head.indexOf(n);
      // CDD has volume in base (volume_btc) and quote (volume): base volume is what the others report.
      cols = { t: Math.max(at('timestamp'), at('date'), at('time'), 0), o: at('open'), h: at('high'), l: at('low'), c: at('close'), v: at('volume_btc') >= 0 ? at('volume_btc') : at('volume') };
      continue;
    }
    const t = cddTime(f[cols.t]!.trim()) ?? parseTimestamp(f[cols.t]!);
    if (t === undefined) continue;
    rows.push([t, +f[cols.o]!, +f[cols.h]!, +f[cols.l]!, +f[cols.c]!, +f[cols.v]!]);
  }
  rows.sort((a, b) => a[0]! - b[0]!);
  const out: Bars = { time: [], open: [], high: [], low: [], close: [], volume: [] };
  for (const r of rows) {
    if (out.time.length && out.time[out.time.length - 1] === r[0]) continue;
    out.time.push(r[0]!);
    out.open.push(r[1]!);
    out.high.push(r[2]!);
    out.low.push(r[3]!);
    out.close.push(r[4]!);
    out.volume.push(r[5]!);
  }
  return out;
}
