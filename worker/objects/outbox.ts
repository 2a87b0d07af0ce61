import type { SeqMsg } from '../../shared/market/instrument';
import type { BookMsg, ConsolidatedLevel, GapMsg, ServerMsg, SnapshotMsg, TradesMsg } from '../../shared/protocol/messages';
import type { Level } from '../../shared/market/types';

/** Trades one slow client may have waiting per stream before the oldest are dropped (and a gap reported). */
export const MAX_PENDING_TRADES = 20_000;

interface Pending { snap?: SnapshotMsg; delta?: SeqMsg; gap?: GapMsg }

/**
 * What a slow client has not been sent yet, conflated per stream: book deltas merge into one (the
 * latest size per level wins), quotes and candles keep the latest, trades are concatenated into one
 * batch and dropped only past a cap, with a gap marker saying which updates went missing.
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
    if (!p) this.streams.set(msg.stream, (p = {}));
    if (msg.t === 'snapshot') {
      p.snap = msg;
      p.delta = undefined;
      return;
    }
    p.delta = p.delta ? merge(p.delta, msg, p) : msg;
  }

  /** Everything pending, in an order a client can apply: gaps, snapshots, then deltas. */
  drain(): ServerMsg[] {
    const out: ServerMsg[] = this.other;
    this.other = [];
    for (const p of this.streams.values()) out.push(...ordered(p));
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

function ordered(p: Pending): ServerMsg[] {
  const out: ServerMsg[] = [];
  if (p.gap) out.push(p.gap);
  if (p.snap) out.push(p.snap);
  if (p.delta) out.push(p.delta);
  return out;
}

function merge(a: SeqMsg, b: SeqMsg, p: Pending): SeqMsg {
  const from = a.t === 'snapshot' ? a.seq : (a.from ?? a.seq);
  switch (b.t) {
    case 'book': {
      const prev = a as BookMsg;
      return { ...b, from, bids: mergeLevels(prev.bids, b.bids), asks: mergeLevels(prev.asks, b.asks) };
    }
    case 'trades': {
      let trades = (a as TradesMsg).trades.concat(b.trades);
      let first = from;
      if (trades.length > MAX_PENDING_TRADES) {
        const drop = trades.length - MAX_PENDING_TRADES;
        trades = trades.slice(drop);
        // Updates are batches, not single trades: say which trades (by id) and updates were lost.
        p.gap = { t: 'gap', stream: b.stream, from: p.gap?.from ?? first, to: b.seq, reason: `${drop} trades dropped for a slow client; first kept id ${trades[0]!.id}` };
        first = b.seq;
      }
      return { ...b, from: first, trades };
    }
    case 'candle': {
      const prev = a as typeof b;
      return { ...b, from, closed: prev.closed.concat(b.closed) };
    }
    default:
      return { ...b, from } as SeqMsg;
  }
}

function mergeLevels<L extends Level | ConsolidatedLevel>(a: L[], b: L[]): L[] {
  const by = new Map<number, L>();
  for (const l of a) by.set(l[0], l);
  for (const l of b) by.set(l[0], l);
  return [...by.values()];
}
