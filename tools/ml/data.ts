import { readFileSync } from 'node:fs';
import { parseOhlcvCsv, type Bars } from '../../shared/ml/ohlcv';
import { resolveRecording } from '../paths';

export const TRAIN_FILE = 'ohlcv/ftx-btc-perp-1m-train.csv';
export const COINBASE_FILE = 'ohlcv/Coinbase_BTCUSD_1h.csv';

/** An OHLCV CSV by path (absolute, relative, or under ../shared/data). */
export function loadBars(path: string): { bars: Bars; dropped: number; path: string } {
  const full = resolveRecording(path);
  return { ...parseOhlcvCsv(readFileSync(full, 'utf8')), path: full };
}
