import type { Venue } from '../../shared/market/types';

/** One colour per venue, the same in the ladder, the quote table and the tape. */
export const VENUE_COLOUR: Record<Venue, string> = {
  binance: '#f0b90b', 'binance-usdm': '#c98a00', coinbase: '#3773f5', kraken: '#8d5ff0',
  okx: '#b8c4d6', bybit: '#f7a600', bitmex: '#e2463c', bitstamp: '#2fb56f',
};
