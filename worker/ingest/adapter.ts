import type { MarketEvent, Venue } from '../../shared/market/types';

/** Where an adapter puts what it reads; it never throws out of `parse`. */
export interface Sink {
  event(e: MarketEvent): void;
  error(message: string, symbol?: string): void;
}

/**
 * A venue adapter is pure: frames in, normalized events out, subscription messages out. No I/O, no clocks:
 * the receive time is handed in, so replays and tests are deterministic.
 */
export interface Adapter {
  readonly venue: Venue;
  /** The socket URL for these canonical symbols, from the configured base (live endpoint or fake exchange). */
  url(base: string): string;
  /** Frames to send once the socket is open (empty where the URL carries the subscription). */
  subscribeMessages(): string[];
  parse(frame: string, recvTs: number, sink: Sink): void;
}
