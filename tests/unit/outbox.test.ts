import { describe, expect, it } from 'vitest';
import { InstrumentState } from '../../shared/market/instrument';
import type { BookMsg, ServerMsg, SnapshotMsg, TradesMsg } from '../../shared/protocol/messages';
import { streamName } from '../../shared/protocol/messages';
import { MAX_PENDING_TRADES, Outbox } from '../../worker/objects/outbox';
import { BookMirror } from '../../worker/objects/thin';
import { realEvents, SPOT } from '../../tools/real-events';
import { hasData, NO_DATA } from './recordings';

type Book = { bids: Map<number, number>; asks: Map<number, number> };

/** A client's book: snapshots replace it, deltas set levels (0 removes). */
function applyTo(book: Book, m: ServerMsg): void {
  if (m.t === 'snapshot' && m.data.kind === 'book') {
    for (const s of ['bids', 'asks'] as const) {
      book[s].clear();
      for (const [p, q] of m.data.book[s]) book[s].set(p, q);
    }
  } else if (m.t === 'book') {
    for (const s of ['bids', 'asks'] as const) for (const [p, q] of m[s]) q === 0 ? book[s].delete(p) : book[s].set(p, q);
  }
}
const sorted = (b: Book, n: number) => ({
  bids: [...b.bids].sort((x, y) => y[0] - x[0]).slice(0, n),
  asks: [...b.asks].sort((x, y) => x[0] - y[0]).slice(0, n),
});

describe.skipIf(!hasData())(`a slow client's outbox on real Binance spot events ${hasData() ? '' : NO_DATA}`, () => {
  const events = hasData() ? realEvents(SPOT, 20_000, 'binance', 'BTC-USDT') : [];
  const stream = streamName('book', 'BTC-USDT', 'binance');

  /** The hub's state after the opening snapshot, its snapshot, and the book updates of the next `batches` batches of 50 events. */
  function run(batches: number) {
    const s = new InstrumentState('BTC-USDT');
    s.apply(events.slice(0, 1));
    const snap = s.snapshot(stream);
    const updates: BookMsg[] = [];
    for (let i = 0; i < batches; i++) {
      updates.push(...(s.apply(events.slice(1 + i * 50, 1 + (i + 1) * 50)).msgs.filter((m): m is BookMsg => m.t === 'book' && m.stream === stream)));
    }
    return { s, snap, updates };
  }

  it('folds a backlog of book deltas into one that leaves the client on the same book, without touching the shared messages', () => {
    const { snap, updates } = run(120);
    expect(updates.length).toBeGreaterThan(20);
    const copies = JSON.stringify(updates);
    const box = new Outbox();
    for (const m of updates) box.add(m);
    const out = box.drain();
    expect(out).toHaveLength(1);
    const merged = out[0] as BookMsg;
    expect([merged.from, merged.seq]).toEqual([updates[0]!.seq, updates.at(-1)!.seq]);
    const direct: Book = { bids: new Map(), asks: new Map() };
    const folded: Book = { bids: new Map(), asks: new Map() };
    for (const m of [snap, ...updates]) applyTo(direct, m);
    for (const m of [snap, merged]) applyTo(folded, m);
    expect(folded).toEqual(direct);
    expect(JSON.stringify(updates)).toBe(copies);
  });

  it('sends the backlog as the relay mirror\'s snapshot when the mirror is at its last update: the hub\'s book, cut as every snapshot', () => {
    const { s, snap, updates } = run(120);
    const mirror = new BookMirror();
    for (const m of [snap, ...updates]) expect(mirror.apply(m)).toBe(true);
    const box = new Outbox();
    for (const m of updates.slice(0, 10)) box.add(m);
    // A mirror ahead of the backlog (updates this socket has not been given) is not used: the deltas merge.
    const behind = new Outbox();
    behind.add(updates[0]!);
    expect(behind.drain(new Map([[stream, mirror]]))[0]!.t).toBe('book');
    for (const m of updates.slice(10)) box.add(m);
    const out = box.drain(new Map([[stream, mirror]]));
    expect(out).toHaveLength(1);
    const caught = out[0] as SnapshotMsg;
    expect([caught.t, caught.seq]).toEqual(['snapshot', updates.at(-1)!.seq]);
    const hub = s.snapshot(stream);
    expect(hub.seq).toBe(caught.seq);
    const client: Book = { bids: new Map(), asks: new Map() };
    applyTo(client, caught);
    const want: Book = { bids: new Map(), asks: new Map() };
    applyTo(want, hub);
    expect(sorted(client, 1000)).toEqual(sorted(want, 1000));
    expect(client.bids.size).toBe(1000);
  });

  it('keeps every pending trade up to the cap, then drops the oldest updates whole and says so with a gap', () => {
    const trade = (i: number) => ({ id: String(i), ts: i, price: 1, amount: 1, side: 'buy' as const, venue: 'binance' as const });
    const tradesStream = streamName('trades', 'BTC-USDT', 'binance');
    const msg = (seq: number, n: number): TradesMsg => ({ t: 'trades', stream: tradesStream, seq, trades: Array.from({ length: n }, (_, k) => trade(seq * 1000 + k)) });
    const under = new Outbox();
    for (let seq = 1; seq <= 20; seq++) under.add(msg(seq, 1000));
    const all = under.drain();
    expect(all).toHaveLength(1);
    expect((all[0] as TradesMsg).trades).toHaveLength(MAX_PENDING_TRADES);
    expect((all[0] as TradesMsg).from).toBe(1);
    const over = new Outbox();
    for (let seq = 1; seq <= 25; seq++) over.add(msg(seq, 1000));
    const [gap, rest] = over.drain() as [ServerMsg, TradesMsg];
    expect(gap).toMatchObject({ t: 'gap', stream: tradesStream, from: 1, to: 25, reason: '5000 trades dropped for a slow client; first kept id 6000' });
    expect(rest.trades).toHaveLength(MAX_PENDING_TRADES);
    expect(rest.trades[0]!.id).toBe('6000');
    expect(rest.trades.at(-1)!.id).toBe('25999');
  });
});
