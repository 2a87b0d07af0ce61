import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CANDLE_COLUMNS, type CandleColumns } from '../shared/market/candles';
import { DATA_DIR } from './paths';

export const FTX_1M = 'ohlcv/ftx-btc-perp-1m-train.csv';
export const COINBASE_1H = 'ohlcv/Coinbase_BTCUSD_1h.csv';

/**
 * The OHLCV files under ../shared/data/ohlcv as ascending candle columns. quoteVolume is volume·close
 * (the files carry no VWAP) and trades is 0 (not recorded). Coinbase's export is newest first with
 * `2019-10-17 09-AM` stamps; FTX's is ascending ISO.
 */
export function readOhlcv(rel: string): CandleColumns {
  const lines = readFileSync(join(DATA_DIR, rel), 'utf8').split('\n').filter((l) => /^\d{4}-/.test(l));
  const rows = lines.map((l) => {
    const f = l.split(',');
    if (rel === COINBASE_1H) {
      const m = /^(\d{4}-\d\d-\d\d) (\d\d)-(AM|PM)$/.exec(f[0]!)!;
      const h = (Number(m[2]) % 12) + (m[3] === 'PM' ? 12 : 0);
      return [Date.parse(`${m[1]}T${String(h).padStart(2, '0')}:00:00Z`), ...f.slice(2, 7).map(Number)];
    }
    return [Date.parse(`${f[0]!.slice(0, 19).replace(' ', 'T')}Z`), ...f.slice(1, 6).map(Number)];
  });
  rows.sort((a, b) => a[0]! - b[0]!);
  const cols = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, new Float64Array(rows.length)])) as CandleColumns;
  rows.forEach(([t, o, h, l, c, v], i) => {
    cols.time[i] = t!;
    cols.open[i] = o!;
    cols.high[i] = h!;
    cols.low[i] = l!;
    cols.close[i] = c!;
    cols.volume[i] = v!;
    cols.quoteVolume[i] = v! * c!;
  });
  return cols;
}

/** Binance `@trade` frames of a recording as columns: exchange time (ms), price, amount. */
export function binanceTrades(frames: { frame: string }[]): { ts: Float64Array; price: Float64Array; amount: Float64Array } {
  const t: number[] = [];
  const p: number[] = [];
  const q: number[] = [];
  for (const { frame } of frames) {
    if (!frame.includes('@trade')) continue;
    const d = (JSON.parse(frame) as { data: { T: number; p: string; q: string } }).data;
    t.push(d.T);
    p.push(Number(d.p));
    q.push(Number(d.q));
  }
  return { ts: Float64Array.from(t), price: Float64Array.from(p), amount: Float64Array.from(q) };
}
