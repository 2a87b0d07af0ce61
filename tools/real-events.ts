import { join } from 'node:path';
import type { MarketEvent, Venue } from '../shared/market/types';
import { BinanceAdapter } from '../worker/ingest/binance';
import { BinanceUsdmAdapter } from '../worker/ingest/binance-usdm';
import { loadTimeline, replay } from './normalize';
import { DATA_DIR } from './paths';

export const SPOT = 'hftbacktest/spot/btcusdt_20240808.gz';
export const USDM = 'hftbacktest/usdm/btcusdt_20240808.gz';

/**
 * Normalized events from a real Binance recording, through the venue's adapter and its book sync (the
 * recording's inline REST snapshot answers the adapter's request), from the synced book snapshot on, over
 * the `frames` frames after the REST snapshot. `venue` and `symbol` relabel them, e.g. to make the USD-M
 * recording a second venue.
 */
export function realEvents(file: string, frames: number, venue: Venue, symbol: string): MarketEvent[] {
  const timeline = loadTimeline([join(DATA_DIR, file)], () => {});
  const at = timeline.findIndex((r) => r.kind === 'rest');
  const adapter = file === USDM ? new BinanceUsdmAdapter(['BTC-USDT-PERP']) : new BinanceAdapter(['BTC-USDT']);
  const out: MarketEvent[] = [];
  replay(adapter, timeline.slice(0, at + 1 + frames), {
    event: (e) => out.push({ ...e, exchange: venue, symbol } as MarketEvent),
    error: () => {},
  });
  return out.slice(out.findIndex((e) => e.type === 'book' && e.kind === 'snapshot'));
}
