import type { Candle, CandleColumns } from '../../shared/market/candles';
import type { ChartColumns } from './chart-view';
import type { Interval } from './intervals';
import type { FeedMode, FeedStatus, Side } from '../../shared/market/types';
import type { DepthView } from './market-state';
import type { Bandwidth } from '../../shared/protocol/messages';

/** What this socket costs: measured on the frames as they arrive, and what was asked of the edge. */
export interface Traffic {
  bandwidth: Bandwidth;
  /** Bytes per minute over the last minute (scaled while the first minute runs). */
  bytesPerMinute: number;
  windowMs: number;
  /** Every byte received since the page loaded. */
  totalBytes: number;
  /** The edge said it honours rates (hello `features`); null before the hello. */
  honoured: boolean | null;
}

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
  /** Every venue's feed for this instrument, as the edge last reported it. */
  feeds: FeedStatus[];
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
  /** Decimals of the instrument's price tick, inferred from the prices seen (null before any). */
  priceDecimals: number | null;
  traffic: Traffic;
}

export type { Interval };

/**
 * Candles and indicators for the chart: the float64 columns of chart-view.ts (the buffers of an Arrow record
 * batch, without the IPC framing, so the main thread needs no Arrow library), transferred, never cloned. `full` replaces what the chart shows; otherwise the rows replace the chart's
 * rows from the first time in them on (the last bar may still be forming).
 */
export interface CandleView {
  interval: Interval;
  full: boolean;
  /** A full view of only the newest rows, sent ahead of the real one so the first paint is quick. */
  partial: boolean;
  cols: ChartColumns;
  /** The 1-second bar still forming (1 s charts only). */
  open: Candle | null;
  /** Rows that came from this device's cache rather than this session, and all rows, at this interval's source. */
  cachedRows: number;
  totalRows: number;
  firstTime: number | null;
  /** Why older history could not be filled from the server, if it could not. */
  historyNote: string | null;
}

/** A block of bars before or after a time, for a chart that holds a window of the history. */
export interface BlockView {
  interval: Interval;
  cols: ChartColumns;
  rows: number;
}

export interface BookView {
  /** Columns time, bid, bidSize, ask, askSize, imbalance (transferred). */
  cols: Record<'time' | 'bid' | 'bidSize' | 'ask' | 'askSize' | 'imbalance', Float64Array>;
}

export interface StartOptions {
  wsUrl: string;
  symbol: string;
  exchange: string;
  /** Origin of the history API (`GET /api/v1/candles`). */
  httpBase: string;
  /** How far back to keep 1-minute history filled, in days. */
  historyDays: number;
  bandwidth?: Bandwidth;
}

export interface DataApi {
  /**
   * Starts reading the newest cached 1-minute candles of an instrument before `start` (the entry calls it while the
   * app loads); `start` for the same instrument uses them.
   */
  prefetch(key: { exchange: string; symbol: string }): void;
  start(opts: StartOptions, onView: (v: MarketView) => void, onCandles: (c: CandleView) => void): Promise<void>;
  /** Asks the edge for another rate: a new socket, every stream from a snapshot. */
  setBandwidth(b: Bandwidth): void;
  /** Switches the chart's interval: the next push is a full view. */
  setInterval(interval: Interval): void;
  /**
   * The `count` bars at `interval` just before (or after) time `time` (Unix ms), with indicators, as a chart
   * view's columns: the chart holds a window of the rows and asks for the blocks around it as the user scrolls.
   */
  block(interval: Interval, side: 'before' | 'after', time: number, count: number): BlockView;
  book(count: number): BookView;
  /** Closed 1-minute bars after `after` (Unix ms), at most `max` of the newest: what forecasts run on. */
  closedMinutes(after: number, max: number): CandleColumns;
  /** Which kernels run here ('wasm', or 'ts' when wasm could not load) and bytes held in tables. */
  stats(): { kernels: 'wasm' | 'ts'; tradeRows: number; tableBytes: number; historyRows: number };
}
