import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import type { ConsolidatedLevel, ServerMsg, SnapshotMsg, StreamMsg } from '../../shared/protocol/messages';
import { BANDWIDTH } from '../../shared/protocol/messages';
import type { FeedStatus, MarketEvent } from '../../shared/market/types';
import type { Relay } from '../../worker/objects/Relay';
import { hubStub, relayStub } from '../../worker/objects/stubs';
import { connect } from './socket';

const SYM = 'ETH-USDT';
const BOOK = `book:${SYM}:consolidated`;
const TRADES = `trades:${SYM}:consolidated`;
const feed: FeedStatus = { exchange: 'binance', state: 'live', mode: 'replay', lastMessageAt: 1, reconnects: 0 };
const of = <T extends ServerMsg['t']>(msgs: ServerMsg[], t: T, stream?: string) =>
  msgs.filter((m): m is Extract<ServerMsg, { t: T }> => m.t === t && (stream === undefined || ('stream' in m && m.stream === stream)));

/** The book a client holds after applying its snapshot and deltas in order, best first. */
function held(msgs: ServerMsg[]): { bids: ConsolidatedLevel[]; asks: ConsolidatedLevel[] } {
  const sides = { bids: new Map<number, ConsolidatedLevel>(), asks: new Map<number, ConsolidatedLevel>() };
  for (const m of msgs as StreamMsg[]) {
    if (!('stream' in m) || m.stream !== BOOK) continue;
    const levels = m.t === 'snapshot' && m.data.kind === 'book' ? m.data.book : m.t === 'book' ? m : undefined;
    if (!levels) continue;
    if (m.t === 'snapshot') for (const s of ['bids', 'asks'] as const) sides[s].clear();
    for (const s of ['bids', 'asks'] as const) for (const l of levels[s] as ConsolidatedLevel[]) l[1] === 0 ? sides[s].delete(l[0]) : sides[s].set(l[0], l);
  }
  return {
    bids: [...sides.bids.values()].sort((a, b) => b[0] - a[0]),
    asks: [...sides.asks.values()].sort((a, b) => a[0] - b[0]),
  };
}

describe.skipIf(!inject('hasData'))('bandwidth setting: the rate a socket asks for, on real Binance spot and USD-M frames', () => {
  it('a minimal client gets fewer, smaller book frames cut to 5 levels that match the full book, and every trade', async () => {
    const spot = inject('spotEvents');
    const usdm = inject('usdmEvents');
    const hub = hubStub(env, SYM);
    for (const snap of [spot[0]!, usdm[0]!]) await hub.ingest([snap], { ...feed, exchange: snap.exchange });
    const full = await connect({ codec: 'bin' });
    const minimal = await connect({ codec: 'bin' });
    expect(full.received[0]).toMatchObject({ t: 'hello', features: ['rate'] });
    full.send({ t: 'subscribe', streams: [BOOK, TRADES] });
    minimal.send({ t: 'subscribe', streams: [BOOK, TRADES], rate: BANDWIDTH.minimal });
    for (const c of [full, minimal]) await c.until((m) => of(m, 'snapshot').length === 2);
    const snap = of(minimal.received, 'snapshot', BOOK)[0] as SnapshotMsg;
    if (snap.data.kind !== 'book') throw new Error('not a book');
    expect([snap.data.book.bids.length, snap.data.book.asks.length]).toEqual([5, 5]);
    const fullSnap = of(full.received, 'snapshot', BOOK)[0] as SnapshotMsg;
    if (fullSnap.data.kind !== 'book') throw new Error('not a book');
    expect(snap.data.book.bids).toEqual(fullSnap.data.book.bids.slice(0, 5));
    const firstFrame = [full.received.length, minimal.received.length];

    // Both venues interleaved, in the batches an ExchangeFeed sends, spread over a few seconds.
    const live: MarketEvent[] = [];
    const [a, b] = [spot.slice(1), usdm.slice(1, 2000)];
    for (let i = 0; i < Math.max(a.length, b.length); i += 10) live.push(...a.slice(i, i + 10), ...b.slice(i, i + 10));
    for (let i = 0; i < live.length; i += 20) {
      const batch = live.slice(i, i + 20);
      for (const venue of ['binance', 'binance-usdm'] as const) {
        const part = batch.filter((e) => e.exchange === venue);
        if (part.length) await hub.ingest(part, { ...feed, exchange: venue });
      }
      await new Promise((r) => setTimeout(r, 15));
    }
    const sentTrades = live.filter((e) => e.type === 'trade').map((e) => (e as { id: string }).id);
    expect(sentTrades.length).toBeGreaterThan(20);
    const ids = (c: typeof full) => of(c.received, 'trades', TRADES).flatMap((t) => t.trades.map((x) => x.id));
    await full.until(() => ids(full).length === sentTrades.length);
    const lastSeq = of(full.received, 'book', BOOK).at(-1)!.seq;
    await minimal.until(() => ids(minimal).length === sentTrades.length && of(minimal.received, 'book', BOOK).some((m) => m.seq === lastSeq), 15_000);

    // Every trade, in order, none twice, batched into fewer frames.
    expect(ids(minimal)).toEqual(ids(full));
    expect(new Set(ids(minimal)).size).toBe(sentTrades.length);
    expect(of(minimal.received, 'trades', TRADES).length).toBeLessThan(of(full.received, 'trades', TRADES).length);

    // Fewer book frames, fewer bytes in all, each frame's levels within the top 5, no gaps.
    const fullBooks = of(full.received, 'book', BOOK);
    const minBooks = of(minimal.received, 'book', BOOK);
    expect(minBooks.length).toBeGreaterThan(0);
    expect(minBooks.length).toBeLessThan(fullBooks.length / 4);
    const bytes = (c: typeof full, from: number) => c.bytes.slice(from).reduce((x, y) => x + y, 0);
    expect(bytes(minimal, firstFrame[1]!)).toBeLessThan(bytes(full, firstFrame[0]!) / 4);
    expect(of(minimal.received, 'gap')).toEqual([]);
    // Each frame continues from the one before (the client's sequence check passes).
    const seqs = [snap.seq, ...minBooks.map((m) => m.seq)];
    minBooks.forEach((m, i) => expect(m.from).toBe(seqs[i]! + 1));

    // What the minimal client holds is exactly the best 5 levels per side of the full book.
    const [f, m] = [held(full.received), held(minimal.received)];
    expect(m.bids).toEqual(f.bids.slice(0, 5));
    expect(m.asks).toEqual(f.asks.slice(0, 5));
    full.ws.close();
    minimal.ws.close();
  }, 120_000); // ~4,000 real events through hub and relay in 200 RPC batches: minutes of wall time on a loaded shared machine

  it('switching a socket back to full sends the whole book afresh; a depth-limited resume gets a snapshot, not a replay', async () => {
    const c = await connect();
    c.send({ t: 'subscribe', streams: [BOOK], rate: BANDWIDTH.reduced });
    await c.until((m) => of(m, 'snapshot', BOOK).length === 1);
    const cut = of(c.received, 'snapshot', BOOK)[0] as SnapshotMsg;
    if (cut.data.kind !== 'book') throw new Error('not a book');
    expect(cut.data.book.bids.length).toBe(BANDWIDTH.reduced.depth);
    // Resuming from its seq would replay deltas for levels it never held: the edge sends a snapshot instead.
    c.send({ t: 'subscribe', streams: [BOOK], resume: { [BOOK]: cut.seq } });
    await c.until((m) => of(m, 'snapshot', BOOK).length === 2);
    c.send({ t: 'subscribe', streams: [BOOK], rate: BANDWIDTH.full });
    await c.until((m) => of(m, 'snapshot', BOOK).length === 3);
    const whole = of(c.received, 'snapshot', BOOK)[2] as SnapshotMsg;
    if (whole.data.kind !== 'book') throw new Error('not a book');
    expect(whole.data.book.bids.length).toBeGreaterThan(100);
    expect(whole.seq).toBeGreaterThanOrEqual(cut.seq);
    c.ws.close();
  });

  it('the rate survives the relay losing its memory (as after hibernation): one gap, then a snapshot at the same depth', async () => {
    const c = await connect();
    c.send({ t: 'subscribe', streams: [BOOK], rate: BANDWIDTH.minimal });
    const hello = (await c.until((m) => of(m, 'snapshot', BOOK).length === 1)).find((m) => m.t === 'hello') as { relay: string };
    await runInDurableObject(relayStub(env, hello.relay), (instance: Relay) => {
      const mem = instance as unknown as { conns: Map<unknown, unknown>; mirrors: Map<unknown, unknown> };
      mem.conns.clear();
      mem.mirrors.clear();
    });
    const deltas = inject('usdmEvents').slice(2000, 2100).filter((e) => e.type === 'book');
    for (let i = 0; i < deltas.length; i += 5) await hubStub(env, SYM).ingest(deltas.slice(i, i + 5), { ...feed, exchange: 'binance-usdm' });
    await c.until((m) => of(m, 'gap', BOOK).length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(of(c.received, 'gap', BOOK).length).toBe(1);
    c.send({ t: 'subscribe', streams: [BOOK], resume: { [BOOK]: of(c.received, 'snapshot', BOOK)[0]!.seq } });
    await c.until((m) => of(m, 'snapshot', BOOK).length === 2);
    const again = of(c.received, 'snapshot', BOOK)[1] as SnapshotMsg;
    if (again.data.kind !== 'book') throw new Error('not a book');
    expect([again.data.book.bids.length, again.data.book.asks.length]).toEqual([5, 5]);
    c.ws.close();
  });
});
