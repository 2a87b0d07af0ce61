import type { FeedMode, Venue } from '../../shared/market/types';
import type { LinkState } from './view';

/** One watchlist row as the main thread renders it; posted at most once a second. */
export interface WatchRow {
  symbol: string;
  /** Close of the newest 1-minute bar (the forming one included): the last traded price across venues. */
  last: number | null;
  /** Change of `last` against the price `changeSpanMs` ago: 24 h when the edge has that much history, less otherwise. */
  change: number | null;
  changeSpanMs: number;
  /** Consolidated best bid and ask and which venues quote them. */
  bid: number | null;
  ask: number | null;
  venues: Venue[];
  /** Closes of the recent 1-minute bars, oldest first, for the sparkline. */
  spark: number[];
  /** Receive time of the row's latest update, 0 before any. */
  lastDataAt: number;
  /** The edge refused the instrument (not served here), in words. */
  error: string | null;
}

export interface WatchState {
  link: LinkState;
  mode: FeedMode | null;
  offlineSince: number | null;
  rows: WatchRow[];
}

export interface WatchApi {
  start(opts: { wsUrl: string; httpBase: string }, onState: (s: WatchState) => void): void;
  /** Replaces the watched instruments (at most the protocol's stream budget allows). */
  watch(symbols: string[]): void;
}
