/** Venue names as the design fixes them; adapters map each venue's own names onto these. */
export const VENUES = ['binance', 'binance-usdm', 'coinbase', 'kraken', 'okx', 'bybit', 'bitmex', 'bitstamp'] as const;
export type Venue = (typeof VENUES)[number];

export type Side = 'buy' | 'sell';

/** A price level: [price, size]. Size 0 in a delta removes the level. */
export type Level = [price: number, size: number];

/** Fields every normalized event carries. `ts` is the exchange's clock (Unix ms, UTC) where it gives one; `recvTs` is ours. */
interface EventBase {
  exchange: Venue;
  /** Canonical symbol: BASE-QUOTE, BASE-QUOTE-PERP, BASE-QUOTE-YYMMDD. */
  symbol: string;
  ts: number;
  recvTs: number;
}

export interface TradeEvent extends EventBase {
  type: 'trade';
  id: string;
  price: number;
  amount: number;
  /** Taker side. */
  side: Side;
}

export interface BboEvent extends EventBase {
  type: 'bbo';
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
  /** The venue's update id where it has one (Binance `u`), to line the quote up with book updates. */
  seq?: number;
}

export interface BookEvent extends EventBase {
  type: 'book';
  kind: 'snapshot' | 'delta';
  bids: Level[];
  asks: Level[];
  /** Venue sequence fields: first and last update id covered by this event. */
  firstSeq?: number;
  seq?: number;
}

export type MarketEvent = TradeEvent | BboEvent | BookEvent;

/** What the edge knows about a venue connection. Replayed data is never called live. */
export type FeedState = 'connecting' | 'live' | 'stale' | 'down';
export type FeedMode = 'live' | 'replay';

export interface FeedStatus {
  exchange: Venue;
  state: FeedState;
  mode: FeedMode;
  /** Unix ms of the last frame from the venue, 0 before the first. */
  lastMessageAt: number;
  reconnects: number;
  reason?: string;
}
