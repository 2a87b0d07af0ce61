import type { BboEvent, FeedStatus, TradeEvent } from '../market/types';

/** Wire protocol version; bumped on any incompatible change and negotiated in `hello`. */
export const PROTOCOL_VERSION = 1;
/** Largest client frame the edge reads; anything bigger is refused unparsed. */
export const MAX_CLIENT_FRAME = 4096;

/** Stream names: `<kind>:<symbol>:<exchange>`, e.g. `trades:BTC-USDT:binance`. */
export type StreamKind = 'trades' | 'bbo';
export const streamName = (kind: StreamKind, symbol: string, exchange: string): string => `${kind}:${symbol}:${exchange}`;

export type ErrorCode = 'bad_json' | 'bad_message' | 'too_large' | 'unknown_stream' | 'rate_limited' | 'internal';

// Edge → client
export interface HelloMsg { t: 'hello'; v: number; mode: FeedStatus['mode']; serverTime: number }
export interface TradeMsg { t: 'trade'; stream: string; seq: number; data: TradeEvent }
export interface BboMsg { t: 'bbo'; stream: string; seq: number; data: BboEvent }
export interface SnapshotMsg { t: 'snapshot'; symbol: string; trade?: TradeMsg; bbo?: BboMsg; feeds: FeedStatus[] }
export interface StatusMsg { t: 'status'; feed: FeedStatus }
export interface PongMsg { t: 'pong'; ts: number; serverTime: number }
export interface ErrorMsg { t: 'error'; code: ErrorCode; message: string }
export type ServerMsg = HelloMsg | TradeMsg | BboMsg | SnapshotMsg | StatusMsg | PongMsg | ErrorMsg;

// Client → edge
export interface PingMsg { t: 'ping'; ts: number }
export interface SubscribeMsg { t: 'subscribe'; symbol: string }
export type ClientMsg = PingMsg | SubscribeMsg;
