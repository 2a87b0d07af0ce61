import type { Candle } from '../market/candles';
import type { FeedMode, FeedStatus, Level, Side, Venue } from '../market/types';

/** Wire protocol version; bumped on any incompatible change. Negotiated by WebSocket subprotocol. */
export const PROTOCOL_VERSION = 1;
/** The two encodings of the one message union: JSON for debugging, binary for production. */
export const SUBPROTOCOLS = { json: 'edgetape.v1.json', bin: 'edgetape.v1.bin' } as const;
export type CodecName = keyof typeof SUBPROTOCOLS;
/** Largest client frame the edge reads; anything bigger is refused unparsed. */
export const MAX_CLIENT_FRAME = 4096;
/** Streams one socket may hold at once. */
export const MAX_STREAMS = 64;
/** Server heartbeat period; a client silent for three of these is closed. */
export const HEARTBEAT_MS = 15_000;
/**
 * A client's acknowledgements (`ping` with the bytes read): checked every `tickMs`, sent when `bytes` arrived
 * since the last or `idleMs` passed — at most one client frame a second reaches the relay, and a client that
 * reads a fast stream is never taken for a slow one for want of saying so.
 */
export const ACK = { tickMs: 1_000, bytes: 32 * 1024, idleMs: 5_000 } as const;
export const ackDue = (rxSinceAck: number, msSinceAck: number): boolean => rxSinceAck >= ACK.bytes || msSinceAck >= ACK.idleMs;

/**
 * Stream names: `book:SYM:<venue|consolidated>`, `trades:SYM:<venue|consolidated>`,
 * `bbo:SYM:<venue|consolidated>`, `candles:SYM:<interval>[:<venue>]` (no venue = consolidated).
 */
export type StreamKind = 'book' | 'trades' | 'bbo' | 'candles';
export const CONSOLIDATED = 'consolidated';
export const INTERVALS = { '1s': 1_000, '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
export type Interval = keyof typeof INTERVALS;

export interface StreamId {
  kind: StreamKind;
  symbol: string;
  /** A venue, or `consolidated`. */
  scope: Venue | typeof CONSOLIDATED;
  interval?: Interval;
}

export const streamName = (kind: Exclude<StreamKind, 'candles'>, symbol: string, scope: string): string => `${kind}:${symbol}:${scope}`;
export const candleStream = (symbol: string, interval: Interval, venue?: string): string =>
  venue && venue !== CONSOLIDATED ? `candles:${symbol}:${interval}:${venue}` : `candles:${symbol}:${interval}`;

export type ErrorCode =
  | 'bad_json' | 'bad_message' | 'too_large' | 'unknown_stream' | 'too_many_streams' | 'rate_limited' | 'internal';

/** Close codes (4000–4999 are the application's): why the edge hung up. */
export const CLOSE = { badFrames: 4001, heartbeat: 4002, unsupported: 4003, overloaded: 4004 } as const;

/** A consolidated level: price, total size, and each venue's share of it. */
export type ConsolidatedLevel = [price: number, size: number, venues: Partial<Record<Venue, number>>];

export interface CrossBbo {
  /** Best bid and ask per venue. */
  venues: Partial<Record<Venue, { bid: number; bidSize: number; ask: number; askSize: number; ts: number }>>;
  bid: number;
  bidVenue: Venue | null;
  ask: number;
  askVenue: Venue | null;
  /** ask − bid across venues; negative when crossed. */
  spread: number;
  /** The best bid on one venue is at or above the best ask on another: an arbitrage, or a stale venue. */
  crossed: boolean;
  /** Volume-weighted average price of the current UTC day (consolidated), NaN before the first trade. */
  vwap: number;
}

export interface WireTrade {
  id: string;
  ts: number;
  price: number;
  amount: number;
  side: Side;
  venue: Venue;
}

export interface BookState<L = Level | ConsolidatedLevel> { bids: L[]; asks: L[] }

/** What a snapshot carries, per stream kind. */
export type SnapshotData =
  | { kind: 'book'; book: BookState }
  | { kind: 'trades'; trades: WireTrade[] }
  | { kind: 'bbo'; bbo: CrossBbo }
  | { kind: 'candles'; bars: Candle[] };

// Edge → client. `seq` is the stream's sequence number; `from` (when present) is the first seq a
// conflated or batched frame covers, so `seq - from + 1` updates were folded into it.
/** `features`: optional parts of version 1 this edge honours (absent on edges that predate them). */
export interface HelloMsg { t: 'hello'; v: number; codec: CodecName; mode: FeedMode; serverTime: number; relay: string; features?: Feature[] }
/** `rate`: the edge honours `SubscribeMsg.rate`. */
export type Feature = 'rate';
export interface SnapshotMsg { t: 'snapshot'; stream: string; seq: number; data: SnapshotData }
/** Book delta: levels whose size changed (0 = removed); consolidated levels carry the venue breakdown. */
export interface BookMsg { t: 'book'; stream: string; seq: number; from?: number; ts: number; bids: (Level | ConsolidatedLevel)[]; asks: (Level | ConsolidatedLevel)[] }
export interface TradesMsg { t: 'trades'; stream: string; seq: number; from?: number; trades: WireTrade[] }
export interface BboMsg { t: 'bbo'; stream: string; seq: number; from?: number; bbo: CrossBbo }
/** The open bar after this update; `closed` bars (oldest first) finished since the previous frame. */
export interface CandleMsg { t: 'candle'; stream: string; seq: number; from?: number; open: Candle | null; closed: Candle[] }
/**
 * Updates `from..to` of a stream were lost (never silently): the client should resubscribe for a snapshot.
 * With `upstream`, no update was lost: trades of a venue never reached the edge, the stream itself is
 * whole (`from` = `to` = the update that follows the hole) and resubscribing would bring nothing back.
 */
export interface GapMsg { t: 'gap'; stream: string; from: number; to: number; reason: string; upstream?: UpstreamGap }
/** Trades a venue published that the edge never received (a dropped frame, a lost connection). */
export interface UpstreamGap {
  venue: Venue;
  /** Trades known missing, where the venue numbers its trades consecutively; absent when only a reconnect says some may be. */
  missed?: number;
  /** The venue's id of the last trade before the hole: where the hole goes in a tape. */
  after: string;
  /** Exchange ms of the last trade before the hole and of the first after it. */
  since: number;
  until: number;
}
export interface StatusMsg { t: 'status'; feed: FeedStatus }
export interface PongMsg { t: 'pong'; ts: number; serverTime: number }
/** Server heartbeat; the client answers with a ping. */
export interface BeatMsg { t: 'beat'; serverTime: number }
export interface ErrorMsg { t: 'error'; code: ErrorCode; message: string; stream?: string }
export type StreamMsg = SnapshotMsg | BookMsg | TradesMsg | BboMsg | CandleMsg | GapMsg;
export type ServerMsg = HelloMsg | StreamMsg | StatusMsg | PongMsg | BeatMsg | ErrorMsg;

// Client → edge (JSON text on both subprotocols: client frames are small and rare).
/**
 * Client heartbeat. `rx` = bytes of server frames the client has processed on this socket (string
 * frames by length): the edge's measure of how far behind a client is, whatever the network buffers.
 */
export interface PingMsg { t: 'ping'; ts: number; rx?: number }
/**
 * What a client on a thin link asks of the edge for its whole socket: `depth` = book levels per side
 * (the book's snapshot and deltas cover only the best `depth`), `bookMs` = least time between two frames
 * of a book or quote stream (conflated meanwhile), `tradesMs` = trades and candles batched over this long
 * (every trade still arrives). A field left out means "as it happens". An edge that predates the field
 * ignores it, so a client learns it is honoured from `features` in the hello.
 */
export interface StreamRate { depth?: number; bookMs?: number; tradesMs?: number }
export const RATE_BOUNDS = { depth: [1, 1000], bookMs: [0, 10_000], tradesMs: [0, 10_000] } as const satisfies Record<keyof StreamRate, readonly [number, number]>;
/** The app's bandwidth setting, as the rate it asks for. */
export const BANDWIDTH = {
  full: {},
  reduced: { depth: 12, bookMs: 250 },
  minimal: { depth: 5, bookMs: 1_000, tradesMs: 1_000 },
} as const satisfies Record<string, StreamRate>;
export type Bandwidth = keyof typeof BANDWIDTH;

/**
 * `resume[stream]` = the last seq the client holds: the edge replays what followed, or sends a snapshot.
 * `rate`, when present, replaces the socket's rate (`{}` = everything); a depth-limited socket always
 * gets book snapshots, never replays, since it never held the levels a replay would change.
 */
export interface SubscribeMsg { t: 'subscribe'; streams: string[]; resume?: Record<string, number>; rate?: StreamRate }
export interface UnsubscribeMsg { t: 'unsubscribe'; streams: string[] }
export type ClientMsg = PingMsg | SubscribeMsg | UnsubscribeMsg;

export type Msg = ServerMsg | ClientMsg;

const VENUE_RE = '(binance|binance-usdm|coinbase|kraken|okx|bybit|bitmex|bitstamp)';
const SYMBOL_RE = '[A-Z0-9]{1,12}-[A-Z0-9]{1,12}(?:-(?:PERP|\\d{6}))?';
const STREAM = new RegExp(
  `^(?:(book|trades|bbo):(${SYMBOL_RE}):(${VENUE_RE.slice(1, -1)}|consolidated)|candles:(${SYMBOL_RE}):(1s|1m|5m|15m|1h|1d)(?::${VENUE_RE})?)$`,
);

/** Parses a stream name; undefined for anything that is not one. */
export function parseStream(name: string): StreamId | undefined {
  if (name.length > 64) return undefined;
  const m = STREAM.exec(name);
  if (!m) return undefined;
  if (m[1]) return { kind: m[1] as StreamKind, symbol: m[2]!, scope: m[3] as StreamId['scope'] };
  return { kind: 'candles', symbol: m[4]!, scope: (m[6] as Venue | undefined) ?? CONSOLIDATED, interval: m[5] as Interval };
}
