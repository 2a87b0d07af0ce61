import type { FeedState } from '../../shared/market/types';
import type { InstrumentHealth, Sink } from './adapter';

/** Why a book stopped being the venue's book; each kind has its own counter. */
export type Violation = 'gap' | 'checksum' | 'crossed' | 'snapshot' | 'unreadable';

/**
 * Per-instrument health for an adapter that keeps books: `connecting` until subscribed, `syncing` until
 * the first good snapshot, `live` while every rule holds, `resyncing` (with the reason) from a broken
 * rule until the next good snapshot. Counters survive reconnects; states do not.
 */
export class HealthTable {
  private readonly rows = new Map<string, InstrumentHealth>();

  constructor(symbols: readonly string[]) {
    for (const s of symbols) this.row(s);
  }

  /**
   * The instrument's live row, created on first use in state `initial` (`syncing` for instruments an adapter
   * discovers in the stream: they are already subscribed). Adapters may keep it beside their book.
   */
  row(symbol: string, initial: FeedState = 'connecting'): InstrumentHealth {
    let r = this.rows.get(symbol);
    if (!r) {
      r = { symbol, state: initial, lastMessageAt: 0, gaps: 0, checksumOk: 0, checksumFailed: 0, resyncs: 0 };
      this.rows.set(symbol, r);
    }
    return r;
  }

  /** A frame for the instrument arrived (at the receive clock). */
  seen(symbol: string, recvTs: number): InstrumentHealth {
    const r = this.row(symbol);
    r.lastMessageAt = recvTs;
    return r;
  }

  syncing(symbol: string): void {
    const r = this.row(symbol);
    if (r.state === 'connecting') r.state = 'syncing';
  }

  /** The subscriptions went out: books that are not being resynced now wait for their snapshot. */
  subscribed(): void {
    for (const r of this.rows.values()) if (r.state === 'connecting') r.state = 'syncing';
  }

  set(symbol: string, state: FeedState, reason?: string): void {
    const r = this.row(symbol);
    r.state = state;
    r.reason = reason;
  }

  live(symbol: string): void {
    this.set(symbol, 'live');
  }

  /**
   * Marks the book invalid, counts the violation and the resync, and reports it (as `message`, the reason
   * by default). Idempotent while resyncing.
   */
  fail(symbol: string, kind: Violation, reason: string, sink: Sink, message = reason): void {
    sink.error(message, symbol);
    this.invalidate(symbol, kind, reason);
  }

  /** `fail` for a violation already reported (an unusable frame, through `unusable`). */
  invalidate(symbol: string, kind: Violation, reason: string): void {
    const r = this.row(symbol);
    if (kind === 'gap') r.gaps++;
    else if (kind === 'checksum') r.checksumFailed++;
    if (r.state === 'resyncing') return;
    r.state = 'resyncing';
    r.reason = reason;
    r.resyncs++;
  }

  /** The connection dropped: nothing is known until the books are rebuilt. */
  reset(): void {
    for (const r of this.rows.values()) {
      r.state = 'connecting';
      r.reason = undefined;
    }
  }

  /** Every instrument with a row: the subscribed ones and those discovered in the stream. */
  symbols(): string[] {
    return [...this.rows.keys()];
  }

  list(): InstrumentHealth[] {
    return [...this.rows.values()].map((r) => ({ ...r }));
  }
}
