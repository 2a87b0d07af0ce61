import { readFileSync } from 'node:fs';
import { parseOhlcvCsv, type Bar, type Bars } from '../../shared/ml/ohlcv';
import { resolveRecording } from '../paths';

export const TRAIN_FILE = 'ohlcv/ftx-btc-perp-1m-train.csv';
export const COINBASE_FILE = 'ohlcv/Coinbase_BTCUSD_1h.csv';

/** An OHLCV CSV by path (absolute, relative, or under ../shared/data). */
export function loadBars(path: string): { bars: Bars; dropped: number; path: string } {
  const full = resolveRecording(path);
  return { ...parseOhlcvCsv(readFileSync(full, 'utf8')), path: full };
}

/** Bars from..to-1 as row objects (what the inference worker takes). */
export function barRows(b: Bars, from: number, to: number): Bar[] {
  const rows: Bar[] = [];
  for (let i = from; i < to; i++) rows.push({ time: b.time[i]!, open: b.open[i]!, high: b.high[i]!, low: b.low[i]!, close: b.close[i]!, volume: b.volume[i]! });
  return rows;
}
