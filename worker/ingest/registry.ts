import type { Venue } from '../../shared/market/types';
import type { Adapter } from './adapter';
import { BinanceAdapter } from './binance';
import { BitmexAdapter } from './bitmex';
import { BitstampAdapter } from './bitstamp';
import { CoinbaseAdapter } from './coinbase';

/** One constructor per venue; the feed, the normalize CLI, the fuzz tests and the benchmarks all start here. */
export const ADAPTERS: Partial<Record<Venue, (symbols: readonly string[]) => Adapter>> = {
  binance: (symbols) => new BinanceAdapter(symbols),
  coinbase: (symbols) => new CoinbaseAdapter(symbols),
  bitstamp: (symbols) => new BitstampAdapter(symbols),
  bitmex: (symbols) => new BitmexAdapter(symbols),
};
