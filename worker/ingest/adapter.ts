import type { InstrumentHealth, MarketEvent, Venue } from '../../shared/market/types';

export type { InstrumentHealth };

/** Where an adapter puts what it reads and asks for; `parse` never throws. */
export interface Sink {
  event(e: MarketEvent): void;
  /** A frame the adapter could not use, or a broken rule (gap, bad checksum, crossed book), with its instrument. */
  error(message: string, symbol?: string): void;
  /** A frame to send upstream: resubscribe to resync a book, answer an application-level ping, … */
  send(frame: string): void;
  /** Ask the feed to GET `<rest base><path>` and hand the body to `onSnapshot` (venues whose books start from REST). */
  snapshot(symbol: string, path: string): void;
}

/**
 * A venue adapter is pure: frames in, normalized events out, subscription and resync messages out.
 * No I/O and no clocks: the receive time is handed in, so replays and tests are deterministic. Books
 * and their sync state machines live here; on any violation the book is marked invalid (state
 * `resyncing`), never published as good, and the adapter asks for what it needs to resync.
 */
export interface Adapter {
  readonly venue: Venue;
  /** The socket URL from the configured base (live endpoint or fake exchange). */
  url(base: string): string;
  /** Frames to send once the socket is open (empty where the URL carries the subscription). */
  subscribeMessages(): string[];
  /** Silence after which the connection is presumed dead (venue-specific: heartbeat channels are faster). */
  readonly staleAfterMs: number;
  /** Instruments one connection may carry within the venue's limits; the feed shards above it (default 50). */
  readonly maxSymbolsPerConnection?: number;
  /** The venue cuts connections after this long (Binance: 24 h); the feed rotates to a fresh socket before. */
  readonly maxConnectionMs?: number;
  /** Application-level ping the venue expects from clients, if any. */
  readonly heartbeat?: { intervalMs: number; frame: string };
  parse(frame: string, recvTs: number, sink: Sink): void;
  /** The body of a REST snapshot requested through `sink.snapshot`. */
  onSnapshot?(symbol: string, body: string, recvTs: number, sink: Sink): void;
  /**
   * Marks the instrument's book (every book when `symbol` is undefined) invalid and asks for it again as
   * the venue's rules say: a REST snapshot, or a resubscription that brings one. Idempotent while resyncing.
   */
  resync(sink: Sink, reason: string, symbol?: string): void;
  /** The connection dropped: every book is now unknown and must be rebuilt after reconnect. */
  reset(): void;
  health(): InstrumentHealth[];
}
