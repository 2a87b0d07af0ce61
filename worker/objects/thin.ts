import { SNAPSHOT_DEPTH } from '../../shared/market/instrument';
import type { Level } from '../../shared/market/types';
import type { BookMsg, BookState, ConsolidatedLevel, SnapshotMsg, StreamRate } from '../../shared/protocol/messages';
import { Outbox, type BookSource } from './outbox';

type L = Level | ConsolidatedLevel;
type Side = 'bids' | 'asks';
const SIDES: Side[] = ['bids', 'asks'];

/**
 * One book stream at full depth as the relay last saw it, shared by every depth-limited socket on it: the
 * levels that enter a socket's top N when better ones go come from here. Fed by the messages delivered
 * to the relay, in order; a repeated seq is skipped. A slow socket's book is caught up from it (`snapshot`).
 */
export class BookMirror implements BookSource {
  seq = -1;
  ts = 0;
  private readonly sides: Record<Side, Map<number, L>> = { bids: new Map(), asks: new Map() };
  /** The best N per side at `seq`, computed once per seq however many sockets ask. */
  private tops = new Map<number, Record<Side, L[]>>();
  private topsSeq = -1;
  private snap: SnapshotMsg | undefined;

  /** Folds a book snapshot or delta in; false when a delta does not follow on (the mirror is no longer the book). */
  apply(m: SnapshotMsg | BookMsg): boolean {
    if (m.seq <= this.seq) return true;
    if (m.t === 'snapshot') {
      if (m.data.kind !== 'book') return true;
      for (const s of SIDES) {
        this.sides[s].clear();
        for (const l of m.data.book[s]) this.sides[s].set(l[0], l);
      }
    } else {
      if ((m.from ?? m.seq) > this.seq + 1) return false;
      for (const s of SIDES) for (const l of m[s]) l[1] === 0 ? this.sides[s].delete(l[0]) : this.sides[s].set(l[0], l);
      this.ts = m.ts;
    }
    this.seq = m.seq;
    return true;
  }

  /** The book as a snapshot at `seq`, cut to the depth of every snapshot; built once per seq, however many sockets take it. */
  snapshot(stream: string): SnapshotMsg {
    if (this.snap?.seq !== this.seq || this.snap.stream !== stream) {
      this.snap = { t: 'snapshot', stream, seq: this.seq, data: { kind: 'book', book: this.top(SNAPSHOT_DEPTH) } };
    }
    return this.snap;
  }

  top(n: number): Record<Side, L[]> {
    if (this.topsSeq !== this.seq) [this.tops, this.topsSeq] = [new Map(), this.seq];
    let t = this.tops.get(n);
    if (!t) {
      const best = (s: Side) => [...this.sides[s].values()].sort(s === 'bids' ? (a, b) => b[0] - a[0] : (a, b) => a[0] - b[0]).slice(0, n);
      this.tops.set(n, (t = { bids: best('bids'), asks: best('asks') }));
    }
    return t;
  }
}

/** What one depth-limited socket holds of a book stream: the levels last sent, and at which seq. */
interface Shown { seq: number; sides: Record<Side, Map<number, L>> }
/** Shown for a stream the socket was told to resubscribe to: nothing more is sent until its snapshot. */
const LOST: Shown = { seq: Number.MAX_SAFE_INTEGER, sides: { bids: new Map(), asks: new Map() } };

/**
 * A socket's rate (its bandwidth setting): book streams cut to the best `depth` levels and sent at most
 * every `bookMs` as the difference from what the socket last got; quotes conflated over `bookMs`; trades
 * and candles batched over `tradesMs` (every trade kept). Lives in memory only: after hibernation a book
 * delta finds nothing shown and the socket is told to resubscribe (a snapshot rebuilds both).
 */
export class Thin {
  readonly books = new Map<string, Shown>();
  /** Quotes, trades and candles waiting for their stream's next send. */
  readonly box = new Outbox();
  /** Streams with a send scheduled, and when each last went out. */
  readonly due = new Map<string, { at: number; timer: boolean }>();

  constructor(readonly rate: StreamRate) {}

  /** Least ms between two frames of `stream`; 0 = as it happens. */
  interval(stream: string): number {
    return (stream.startsWith('book:') || stream.startsWith('bbo:') ? this.rate.bookMs : this.rate.tradesMs) ?? 0;
  }

  /** Cuts a snapshot to the socket's depth and remembers it as what the socket holds. */
  snapshot(m: SnapshotMsg, book: BookState): SnapshotMsg {
    const n = this.rate.depth ?? Infinity;
    const cut = { bids: book.bids.slice(0, n), asks: book.asks.slice(0, n) };
    this.books.set(m.stream, { seq: m.seq, sides: { bids: byPrice(cut.bids), asks: byPrice(cut.asks) } });
    return { ...m, data: { kind: 'book', book: cut } };
  }

  /** True once per loss: the socket is to be told to resubscribe; later deltas wait for the snapshot. */
  lose(stream: string): boolean {
    if (this.books.get(stream) === LOST) return false;
    this.books.set(stream, LOST);
    return true;
  }

  /**
   * The delta that turns what the socket holds into the mirror's best `depth`: changed and new levels,
   * and size 0 for those that left it. Undefined when nothing the socket shows changed.
   */
  diff(stream: string, mirror: BookMirror | undefined): BookMsg | undefined {
    const shown = this.books.get(stream);
    if (!shown || !mirror || mirror.seq <= shown.seq) return undefined;
    const top = mirror.top(this.rate.depth ?? Infinity);
    const out: Record<Side, L[]> = { bids: [], asks: [] };
    for (const s of SIDES) {
      const next = byPrice(top[s]);
      for (const [p, l] of next) if (!sameLevel(shown.sides[s].get(p), l)) out[s].push(l);
      for (const [p, l] of shown.sides[s]) if (!next.has(p)) out[s].push(l.length === 3 ? [p, 0, {}] : [p, 0]);
      shown.sides[s] = next;
    }
    if (!out.bids.length && !out.asks.length) return undefined;
    const msg: BookMsg = { t: 'book', stream, seq: mirror.seq, from: shown.seq + 1, ts: mirror.ts, ...out };
    shown.seq = mirror.seq;
    return msg;
  }

  /** A stream the socket no longer holds, or must resubscribe to: nothing of it waits here. */
  forget(stream: string): void {
    this.books.delete(stream);
    this.box.take(stream);
  }

  /** The socket left the stream: nothing of it is kept. */
  drop(stream: string): void {
    this.forget(stream);
    this.due.delete(stream);
  }
}

const byPrice = (levels: L[]): Map<number, L> => new Map(levels.map((l) => [l[0], l]));

function sameLevel(a: L | undefined, b: L): boolean {
  if (!a || a[1] !== b[1]) return false;
  const [va, vb] = [(a as ConsolidatedLevel)[2], (b as ConsolidatedLevel)[2]];
  if (!va || !vb) return va === vb;
  const ka = Object.keys(va);
  return ka.length === Object.keys(vb).length && ka.every((k) => va[k as keyof typeof va] === vb[k as keyof typeof vb]);
}
