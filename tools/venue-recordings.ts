import type { Venue } from '../shared/market/types';

/**
 * Per venue, the real recordings (relative to ../shared/data) that exercise its adapter, as sessions: the
 * files of one session play as one continuous stream. The fuzz tests mutate frames from the first session,
 * the ingestion benchmark replays them all. Add a venue here when its adapter joins the registry; the fuzz
 * test fails for a registered venue without an entry.
 */
export const VENUE_RECORDINGS: Partial<Record<Venue, readonly (readonly string[])[]>> = {
  binance: [['hftbacktest/spot/btcusdt_20240808.gz', 'hftbacktest/spot/btcusdt_20240809.gz'], ['cryptofeed/BINANCE.ws.1.0']],
  'binance-usdm': [['hftbacktest/usdm/btcusdt_20240808.gz'], ['cryptofeed/BINANCE_FUTURES.ws.1.0']],
};
