import type { Venue } from '../shared/market/types';
import { toBybitV5 } from './bybit-v5';
import type { RecordedFrame } from './fake-exchange/recording';

/**
 * Per venue, the real recordings (relative to ../shared/data) that exercise its adapter, as sessions: the
 * files of one session play as one continuous stream. The fuzz tests mutate frames from the first session,
 * the ingestion benchmark replays them all. Add a venue here when its adapter joins the registry; the fuzz
 * test fails for a registered venue without an entry.
 */
export const VENUE_RECORDINGS: Partial<Record<Venue, readonly (readonly string[])[]>> = {
  binance: [['hftbacktest/spot/btcusdt_20240808.gz', 'hftbacktest/spot/btcusdt_20240809.gz'], ['cryptofeed/BINANCE.ws.1.0']],
  'binance-usdm': [['hftbacktest/usdm/btcusdt_20240808.gz'], ['cryptofeed/BINANCE_FUTURES.ws.1.0']],
  coinbase: [['cryptofeed/COINBASE.ws.28.0']],
  bitstamp: [['cryptofeed/BITSTAMP.ws.1.0']],
  bitmex: [['cryptofeed/BITMEX.ws.1.0']],
  // Kraken's book, trade and ticker sockets were recorded side by side: one session, interleaved by time.
  kraken: [['cryptofeed/KRAKEN.ws.50.0', 'cryptofeed/KRAKEN.ws.48.0', 'cryptofeed/KRAKEN.ws.49.0']],
  okx: [['cryptofeed/OKX.ws.1.0']],
  // Bybit's recordings are its 2021 v2 protocol; currentProtocol() turns them into v5 frames on load.
  bybit: [['cryptofeed/BYBIT.ws.25.0'], ['cryptofeed/BYBIT.ws.26.0']],
};

/**
 * A recording made on a venue's older protocol, as the frames its current protocol sends for the same
 * events (the data stays real): Bybit's 2021 v2 frames become v5 (tools/bybit-v5.ts). Others pass through.
 */
export function currentProtocol(venue: Venue, frames: RecordedFrame[]): RecordedFrame[] {
  const v2 = venue === 'bybit' && frames.some((r) => r.frame.includes('"topic":"orderBookL2_25.') || r.frame.includes('"topic":"trade.'));
  return v2 ? toBybitV5(frames) : frames;
}
