import type { InstrumentHealth, Sink } from './adapter';

/** Why a book stopped being the venue's book; each kind has its own counter. */
export type Violation = 'gap' | 'checksum' | 'crossed' | 'snapshot';

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

  row(symbol: string): InstrumentHealth {
    let r = this.rows.get(symbol);
    if (!r) {
      r = { symbol, state: 'connecting', lastMessageAt: 0, gaps: 0, checksumOk: 0, checksumFailed: 0, resyncs: 0 };
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

  live(symbol: string): void {
    const r = this.row(symbol);
    r.state = 'live';
    r.reason = undefined;
  }

  /** Marks the book invalid, counts the violation and the resync, and reports it. Idempotent while resyncing. */
  fail(symbol: string, kind: Violation, reason: string, sink: Sink): void {
    const r = this.row(symbol);
    if (kind === 'gap') r.gaps++;
    else if (kind === 'checksum') r.checksumFailed++;
    sink.error(reason, symbol);
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

  list(): InstrumentHealth[] {
    return [...this.rows.values()].map((r) => ({ ...r }));
  }
}
