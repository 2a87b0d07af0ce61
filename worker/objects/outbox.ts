import type { SeqMsg } from '../../shared/market/instrument';
import type { BookMsg, CandleMsg, ConsolidatedLevel, GapMsg, ServerMsg, SnapshotMsg, TradesMsg } from '../../shared/protocol/messages';
import type { Level } from '../../shared/market/types';

/** Trades one slow client may have waiting per stream before the oldest are dropped (and a gap reported). */
export const MAX_PENDING_TRADES = 20_000;

type L = Level | ConsolidatedLevel;

/** A book's current state at a sequence number, when the holder of an outbox keeps one (a relay's mirror). */
export interface BookSource { readonly seq: number; snapshot(stream: string): SnapshotMsg }

/**
 * One stream's pending updates: the latest snapshot and the updates after it, kept as they came (shared with
 * every other socket that got them) and folded only when sent. Adding is O(1) — a relay folds every update
 * into every slow socket's outbox, and a socket can be behind by thousands of them.
 */
interface Pending {
  snap?: SnapshotMsg;
  after: SeqMsg[];
  /** Trades in `after`; past the cap the oldest updates are let go, counted in `dropped` from `dropFrom`. */
  trades: number;
  dropped: number;
  dropFrom?: number;
}

/**
 * What has not been sent yet, conflated per stream when it goes out: book deltas merge into one (the latest
 * size per level wins) or, where the book's current state is at hand, become that state; quotes and candles
 * keep the latest; trades are concatenated into one batch and dropped only past a cap, with a gap marker
 * saying which updates went missing. A relay keeps one per slow client; a hub keeps one per relay for what
 * queues while its previous call to that relay is in flight.
 */
export class Outbox {
  private readonly streams = new Map<string, Pending>();
  private other: ServerMsg[] = [];

  get size(): number {
    return this.streams.size + this.other.length;
  }

  add(msg: ServerMsg): void {
    if (!('seq' in msg)) {
      this.other.push(msg);
      return;
    }
    let p = this.streams.get(msg.stream);
    if (!p) this.streams.set(msg.stream, (p = { after: [], trades: 0, dropped: 0 }));
    if (msg.t === 'snapshot') {
      this.streams.set(msg.stream, { snap: msg, after: [], trades: 0, dropped: 0 });
      return;
    }
    p.after.push(msg);
    if (msg.t !== 'trades') return;
    p.trades += msg.trades.length;
    // Whole updates past the cap are let go now, so a client that stops reading holds a bounded amount.
    while (p.trades - (p.after[0] as TradesMsg).trades.length >= MAX_PENDING_TRADES) {
      const old = p.after.shift() as TradesMsg;
      p.dropFrom ??= old.from ?? old.seq;
      p.dropped += old.trades.length;
      p.trades -= old.trades.length;
    }
  }

  /**
   * Everything pending, in an order a client can apply: gaps, snapshots, then deltas. A book stream with a
   * source at exactly its latest pending update goes out as that source's snapshot, not as merged deltas.
   */
  drain(books?: ReadonlyMap<string, BookSource>): ServerMsg[] {
    const out: ServerMsg[] = this.other;
    this.other = [];
    for (const [stream, p] of this.streams) out.push(...ordered(p, books?.get(stream)));
    this.streams.clear();
    return out;
  }

  /** What is pending for one stream, in the same order. */
  take(stream: string): ServerMsg[] {
    const p = this.streams.get(stream);
    this.streams.delete(stream);
    return p ? ordered(p) : [];
  }
}

function ordered(p: Pending, book?: BookSource): ServerMsg[] {
  const out: ServerMsg[] = [];
  const last = p.after.at(-1);
  if (last?.t === 'book' && book?.seq === last.seq) return [book.snapshot(last.stream)];
  const { delta, gap } = last ? merged(p, last) : {};
  if (gap) out.push(gap);
  if (p.snap) out.push(p.snap);
  if (delta) out.push(delta);
  return out;
}

/** The updates after the snapshot as one message covering `from..seq`. Messages are shared, so none is mutated. */
function merged(p: Pending, last: SeqMsg): { delta: SeqMsg; gap?: GapMsg } {
  const first = p.after[0] as BookMsg | TradesMsg;
  if (p.after.length === 1 && !p.dropped) return { delta: first };
  const from = first.from ?? first.seq;
  switch (last.t) {
    case 'book': {
      const bids = new Map<number, L>();
      const asks = new Map<number, L>();
      for (const m of p.after as BookMsg[]) {
        for (const l of m.bids) bids.set(l[0], l);
        for (const l of m.asks) asks.set(l[0], l);
      }
      return { delta: { ...last, from, bids: [...bids.values()], asks: [...asks.values()] } };
    }
    case 'trades': {
      let trades = (p.after as TradesMsg[]).flatMap((m) => m.trades);
      let drop = p.dropped;
      if (trades.length > MAX_PENDING_TRADES) {
        drop += trades.length - MAX_PENDING_TRADES;
        trades = trades.slice(trades.length - MAX_PENDING_TRADES);
      }
      if (!drop) return { delta: { ...last, from, trades } };
      // Updates are batches, not single trades: say which trades (by id) and updates were lost.
      const gap: GapMsg = { t: 'gap', stream: last.stream, from: p.dropFrom ?? from, to: last.seq, reason: `${drop} trades dropped for a slow client; first kept id ${trades[0]!.id}` };
      return { gap, delta: { ...last, from: last.seq, trades } };
    }
    case 'candle':
      return { delta: { ...last, from, closed: (p.after as CandleMsg[]).flatMap((m) => m.closed) } };
    default:
      return { delta: { ...last, from } as SeqMsg };
  }
}
