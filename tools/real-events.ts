import { join } from 'node:path';
import type { BookEvent, Level, MarketEvent, Venue } from '../shared/market/types';
import { readRecording } from './fake-exchange/recording';
import { DATA_DIR } from './paths';
import { BinanceAdapter } from '../worker/ingest/binance';

export const SPOT = 'hftbacktest/spot/btcusdt_20240808.gz';
export const USDM = 'hftbacktest/usdm/btcusdt_20240808.gz';

/**
 * Normalized events from a real Binance recording: its inline REST snapshot as a book snapshot, then
 * the next `frames` frames through the Binance adapter (depth diffs older than the snapshot skipped,
 * as the sync rule says). `venue` and `symbol` relabel them, e.g. to make the USD-M recording a second venue.
 */
export function realEvents(file: string, frames: number, venue: Venue, symbol: string): MarketEvent[] {
  const rec = readRecording(join(DATA_DIR, file));
  const at = rec.findIndex((r) => r.frame.startsWith('{"lastUpdateId"'));
  const snap = JSON.parse(rec[at]!.frame) as { lastUpdateId: number; bids: [string, string][]; asks: [string, string][]; E?: number };
  const lv = (l: [string, string][]): Level[] => l.map(([p, s]) => [+p, +s]);
  const first: BookEvent = {
    type: 'book', kind: 'snapshot', exchange: venue, symbol, bids: lv(snap.bids), asks: lv(snap.asks), seq: snap.lastUpdateId,
    ts: snap.E ?? Math.round(rec[at]!.t), recvTs: Math.round(rec[at]!.t),
  };
  const out: MarketEvent[] = [first];
  const adapter = new BinanceAdapter(['BTC-USDT']);
  const sink = {
    event: (e: MarketEvent) => {
      if (e.type === 'book' && (e.seq ?? 0) <= snap.lastUpdateId) return;
      out.push({ ...e, exchange: venue, symbol } as MarketEvent);
    },
    error: () => {}, send: () => {}, snapshot: () => {},
  };
  for (const r of rec.slice(at + 1, at + 1 + frames)) adapter.parse(r.frame, Math.round(r.t), sink);
  return out;
}
