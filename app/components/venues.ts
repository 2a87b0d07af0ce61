import type { Venue } from '../../shared/market/types';
import { fetchInstruments } from '../instruments';

/** One colour per venue, the same in the ladder, the quote table and the tape. */
export const VENUE_COLOUR: Record<Venue, string> = {
  binance: '#f0b90b', 'binance-usdm': '#c98a00', coinbase: '#3773f5', kraken: '#8d5ff0',
  okx: '#b8c4d6', bybit: '#f7a600', bitmex: '#e2463c', bitstamp: '#2fb56f',
};

/** How a trader writes each venue's name. */
export const VENUE_NAMES: Record<Venue, string> = {
  binance: 'Binance', 'binance-usdm': 'Binance USD-M', coinbase: 'Coinbase', kraken: 'Kraken', okx: 'OKX', bybit: 'Bybit', bitmex: 'BitMEX', bitstamp: 'Bitstamp',
};

/**
 * The venue whose quote, candles and forecast the panels show for `symbol`: Binance where it lists it, else the
 * first venue the edge ingests it from (GET /api/v1/instruments); Binance when the list cannot be read.
 */
export async function homeVenue(symbol: string): Promise<Venue> {
  const fed = (await fetchInstruments())?.find((i) => i.symbol === symbol)?.exchanges ?? [];
  return fed.includes('binance') ? 'binance' : (fed[0] ?? 'binance');
}
