import type { Candle } from '../../shared/market/candles';
import type { FeedMode, FeedStatus, Side } from '../../shared/market/types';
import type { CandleColumns } from './candle-table';
import type { DepthView } from './market-state';

/** The browser's own view of its link: `stale` means connected but no fresh data. */
export type LinkState = 'connecting' | 'live' | 'stale' | 'offline';

/** What the main thread renders; small, posted at most every 100 ms. */
export interface MarketView {
  symbol: string;
  exchange: string;
  link: LinkState;
  /** From the edge's hello: replayed data is never shown as live. Null until the edge says. */
  mode: FeedMode | null;
  feed: FeedStatus | null;
  last: { price: number; amount: number; side: Side; id: string; ts: number } | null;
  bid: number | null;
  bidSize: number | null;
  ask: number | null;
  askSize: number | null;
  tradesPerSecond: number;
  /** Wall-clock ms of the last trade or quote received, 0 before any. */
  lastDataAt: number;
  offlineSince: number | null;
  reason: string | null;
  /** Consolidated ladder, cross-venue quotes and tape. */
  depth: DepthView | null;
}

export interface CandleView {
  closed: CandleColumns;
  open: Candle | null;
  /** Rows that came from IndexedDB rather than this session's socket. */
  cachedRows: number;
  totalRows: number;
}

export interface DataApi {
  start(
    opts: { wsUrl: string; symbol: string; exchange: string },
    onView: (v: MarketView) => void,
    onCandles: (c: CandleView) => void,
  ): Promise<void>;
}
