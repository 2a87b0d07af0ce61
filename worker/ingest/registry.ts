import type { Venue } from '../../shared/market/types';
import type { Adapter } from './adapter';
import { BinanceAdapter } from './binance';
import { BinanceUsdmAdapter } from './binance-usdm';

/** One constructor per venue; the feed, the normalize CLI, the fuzz tests and the benchmarks all start here. */
export const ADAPTERS: Partial<Record<Venue, (symbols: readonly string[]) => Adapter>> = {
  binance: (symbols) => new BinanceAdapter(symbols),
  'binance-usdm': (symbols) => new BinanceUsdmAdapter(symbols),
};
