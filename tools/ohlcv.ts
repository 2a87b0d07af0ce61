import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CANDLE_COLUMNS, type CandleColumns } from '../shared/market/candles';
import { parseOhlcvCsv } from '../shared/ml/ohlcv';
import { DATA_DIR } from './paths';

export const FTX_1M = 'ohlcv/ftx-btc-perp-1m-train.csv';
export const COINBASE_1H = 'ohlcv/Coinbase_BTCUSD_1h.csv';

/**
 * The OHLCV files under ../shared/data/ohlcv as ascending candle columns, read by the one OHLCV parser
 * (shared/ml/ohlcv.ts). quoteVolume is volume·close (the files carry no VWAP) and trades is 0 (not recorded).
 */
export function readOhlcv(rel: string): CandleColumns {
  const { bars } = parseOhlcvCsv(readFileSync(join(DATA_DIR, rel), 'utf8'));
  const cols = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, new Float64Array(bars.time.length)])) as CandleColumns;
  for (const c of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) cols[c].set(bars[c]);
  for (let i = 0; i < bars.time.length; i++) cols.quoteVolume[i] = bars.volume[i]! * bars.close[i]!;
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
