import type { Instrument, Venue } from '../../shared/market/types';
import { parseBinanceExchangeInfo } from './binance-instruments';
import { bitmexInstruments } from './bitmex';
import { bitstampInstruments } from './bitstamp';
import { parseBybitInstruments } from './bybit';
import { coinbaseInstruments } from './coinbase';
import { parseOkxInstruments } from './okx';
import { parseKrakenInstruments } from '../../shared/market/kraken-symbols';

/** Where a venue publishes its instrument list (paths under its REST base) and the adapter's parser of it. */
export interface InstrumentList {
  paths: readonly string[];
  parse(body: string, path: string): Instrument[];
}

const binance = (venue: 'binance' | 'binance-usdm') => (body: string): Instrument[] => {
  const { instruments, errors } = parseBinanceExchangeInfo(body, venue);
  if (instruments.length === 0) throw new Error(errors[0] ?? 'no instruments');
  return instruments;
};

export const INSTRUMENT_LISTS: Partial<Record<Venue, InstrumentList>> = {
  binance: { paths: ['/api/v3/exchangeInfo'], parse: binance('binance') },
  'binance-usdm': { paths: ['/fapi/v1/exchangeInfo'], parse: binance('binance-usdm') },
  okx: { paths: ['/api/v5/public/instruments?instType=SPOT', '/api/v5/public/instruments?instType=SWAP', '/api/v5/public/instruments?instType=FUTURES'], parse: parseOkxInstruments },
  bybit: {
    paths: ['/v5/market/instruments-info?category=linear', '/v5/market/instruments-info?category=spot'],
    parse: (body, path) => parseBybitInstruments(body, path.endsWith('spot') ? 'spot' : 'linear'),
  },
  bitmex: { paths: ['/api/v1/instrument/active'], parse: bitmexInstruments },
  bitstamp: { paths: ['/api/v2/trading-pairs-info/'], parse: bitstampInstruments },
  coinbase: { paths: ['/products'], parse: coinbaseInstruments },
  kraken: { paths: ['/0/public/AssetPairs'], parse: parseKrakenInstruments },
};

/** What a trader needs to place and show prices and sizes on one venue: numbers, and the venue's decimals as text. */
export interface InstrumentSpec {
  venueSymbol: string;
  tickSize: number;
  lotSize: number;
  contractSize: number;
  /** `tickSize` / `lotSize` as plain decimals: their digits after the point are the venue's precision. */
  tick: string;
  lot: string;
  contractValue?: 'inverse' | 'quanto';
  minNotional?: number;
}
