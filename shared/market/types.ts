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

/** Perpetual funding: the rate for the current interval and when it is next charged. */
export interface FundingEvent extends EventBase {
  type: 'funding';
  rate: number;
  nextFundingTs?: number;
}

/** Perpetual mark (and index, where given) price. */
export interface MarkEvent extends EventBase {
  type: 'mark';
  markPrice: number;
  indexPrice?: number;
}

/** A forced liquidation, where the venue publishes them; `side` is the liquidation order's side. */
export interface LiquidationEvent extends EventBase {
  type: 'liquidation';
  side: Side;
  price: number;
  amount: number;
}

export type MarketEvent = TradeEvent | BboEvent | BookEvent | FundingEvent | MarkEvent | LiquidationEvent;

/** An instrument as a venue lists it, under its canonical symbol. */
export interface Instrument {
  exchange: Venue;
  symbol: string;
  /** The venue's own name for it (BTCUSDT, XBT/USD, BTC-USDT-SWAP, …). */
  venueSymbol: string;
  kind: 'spot' | 'perpetual' | 'future';
  base: string;
  quote: string;
  tickSize: number;
  lotSize: number;
  /** Units of base per contract (1 for spot). */
  contractSize: number;
  /**
   * Contracts whose value is not a fixed amount of base: `inverse` is worth `contractSize` units of
   * quote, `quanto` a fixed multiple of the settlement currency per price point (BitMEX).
   */
  contractValue?: 'inverse' | 'quanto';
  /** Dated futures: expiry, Unix ms. */
  expiry?: number;
  /** Smallest order value in quote currency, where the venue's list gives one (Binance MIN_NOTIONAL). */
  minNotional?: number;
}

/**
 * Health of a venue connection or of one instrument's book on it. Replayed data is never called live:
 * `mode` says where it comes from.
 */
export type FeedState = 'connecting' | 'syncing' | 'live' | 'stale' | 'resyncing' | 'down';
export type FeedMode = 'live' | 'replay';

export interface FeedStatus {
  exchange: Venue;
  state: FeedState;
  mode: FeedMode;
  /** Unix ms of the last frame from the venue, 0 before the first. */
  lastMessageAt: number;
  reconnects: number;
  reason?: string;
  /**
   * The receiving hub's instrument on this venue. When present, `state` is this instrument's state (a
   * connection can be live while one book resyncs), so a consumer never shows an invalid book as live.
   */
  instrument?: InstrumentHealth;
}

/** Health of one instrument's data on one venue. */
export interface InstrumentHealth {
  symbol: string;
  state: FeedState;
  reason?: string;
  /** Unix ms (receive clock) of the instrument's last frame, 0 before the first. */
  lastMessageAt: number;
  gaps: number;
  checksumOk: number;
  checksumFailed: number;
  resyncs: number;
}
