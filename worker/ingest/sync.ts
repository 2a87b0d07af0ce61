import type { FeedState, Level } from '../../shared/market/types';
import type { BookSide, OrderBook } from '../../shared/market/book';
import type { InstrumentHealth } from './adapter';

/**
 * Per-instrument health an adapter keeps beside its books. A book is only called `live` once it is
 * synced; any broken rule moves it to `resyncing` with the reason until a fresh snapshot lands.
 */
export class HealthBoard {
  private readonly rows = new Map<string, InstrumentHealth>();

  constructor(symbols: readonly string[]) {
    for (const symbol of symbols) {
      this.rows.set(symbol, { symbol, state: 'connecting', lastMessageAt: 0, gaps: 0, checksumOk: 0, checksumFailed: 0, resyncs: 0 });
    }
  }

  get(symbol: string): InstrumentHealth | undefined {
    return this.rows.get(symbol);
  }

  seen(symbol: string, recvTs: number): void {
    const h = this.rows.get(symbol);
    if (h) h.lastMessageAt = recvTs;
  }

  set(symbol: string, state: FeedState, reason?: string): void {
    const h = this.rows.get(symbol);
    if (!h) return;
    h.state = state;
    h.reason = reason;
  }

  /** A broken rule: counts it (as a gap when it is one) and marks the book invalid until resynced. */
  violation(symbol: string, reason: string, gap: boolean): void {
    const h = this.rows.get(symbol);
    if (!h) return;
    if (gap) h.gaps++;
    h.resyncs++;
    h.state = 'resyncing';
    h.reason = reason;
  }

  isLive(symbol: string): boolean {
    return this.rows.get(symbol)?.state === 'live';
  }

  /** The connection dropped: every book is unknown until resynced; counters survive. */
  reset(): void {
    for (const h of this.rows.values()) {
      h.state = 'connecting';
      h.reason = undefined;
    }
  }

  list(): InstrumentHealth[] {
    return [...this.rows.values()].map((h) => ({ ...h }));
  }
}

/**
 * Applies `[price, size, …]` string pairs (absolute sizes, 0 removes) to one side, pushing each change
 * to `out` when given. False when a level is malformed; the levels before it are already applied, so
 * the caller must treat the book as invalid.
 */
export function applyPairs(side: BookSide, raw: unknown, out?: Level[]): boolean {
  if (!Array.isArray(raw)) return false;
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i] as unknown;
    if (!Array.isArray(l)) return false;
    const price = +(l[0] as string);
    const size = +(l[1] as string);
    if (!(price > 0) || !(size >= 0) || size === Infinity) return false;
    side.set(price, size);
    out?.push([price, size]);
  }
  return true;
}

/** A whole book as a snapshot event's two level lists. */
export const bookLevels = (book: OrderBook): { bids: Level[]; asks: Level[] } => ({ bids: book.bids.top(), asks: book.asks.top() });

/** ISO-8601 time to Unix ms, or `fallback` when absent or unreadable. */
export function isoMs(v: unknown, fallback: number): number {
  if (typeof v !== 'string') return fallback;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : fallback;
}
