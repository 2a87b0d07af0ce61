import type { Venue } from '../../shared/market/types';
import type { Adapter } from './adapter';
import { BinanceAdapter } from './binance';
import { BinanceUsdmAdapter } from './binance-usdm';
import { BitmexAdapter } from './bitmex';
import { BitstampAdapter } from './bitstamp';
import { CoinbaseAdapter } from './coinbase';
import { BybitAdapter } from './bybit';
import { KrakenAdapter } from './kraken';
import { OkxAdapter } from './okx';

/** One constructor per venue; the feed, the normalize CLI, the fuzz tests and the benchmarks all start here. */
export const ADAPTERS: Partial<Record<Venue, (symbols: readonly string[]) => Adapter>> = {
  binance: (symbols) => new BinanceAdapter(symbols),
  'binance-usdm': (symbols) => new BinanceUsdmAdapter(symbols),
  coinbase: (symbols) => new CoinbaseAdapter(symbols),
  bitstamp: (symbols) => new BitstampAdapter(symbols),
  bitmex: (symbols) => new BitmexAdapter(symbols),
  kraken: (symbols) => new KrakenAdapter(symbols),
  okx: (symbols) => new OkxAdapter(symbols),
  // One category per connection: a list of perpetuals goes to /linear, a list of spot pairs to /spot.
  bybit: (symbols) => new BybitAdapter(symbols),
};
