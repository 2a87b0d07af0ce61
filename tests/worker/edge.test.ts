import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import type { FeedStatus, MarketEvent } from '../../shared/market/types';
import type { BboMsg, ServerMsg, SnapshotMsg, TradesMsg } from '../../shared/protocol/messages';
import { CLOSE, MAX_CLIENT_FRAME } from '../../shared/protocol/messages';
import type { Relay } from '../../worker/objects/Relay';
import { hubStub, relayStub } from '../../worker/objects/stubs';
import { connect } from './socket';

const SYM = 'ETH-USDT';
const feed: FeedStatus = { exchange: 'binance', state: 'live', mode: 'replay', lastMessageAt: 1, reconnects: 0 };
const spot = () => inject('spotEvents');
const usdm = () => inject('usdmEvents');
const of = <T extends ServerMsg['t']>(msgs: ServerMsg[], t: T, stream?: string) =>
  msgs.filter((m): m is Extract<ServerMsg, { t: T }> => m.t === t && (stream === undefined || ('stream' in m && m.stream === stream)));

/** Feeds events to the hub in batches the way an ExchangeFeed does. */
async function feedHub(events: MarketEvent[], batch = 50, symbol = SYM): Promise<void> {
  const hub = hubStub(env, symbol);
  for (let i = 0; i < events.length; i += batch) await hub.ingest(events.slice(i, i + batch), { ...feed, exchange: events[i]!.exchange });
}

describe.skipIf(!inject('hasData'))('edge fan-out on real Binance spot and USD-M frames', () => {
  it('builds the consolidated book with per-venue breakdown and detects the spot/perp cross', async () => {
    await feedHub([spot()[0]!, usdm()[0]!], 1);
    const c = await connect();
    c.send({ t: 'subscribe', streams: [`book:${SYM}:consolidated`, `bbo:${SYM}:consolidated`] });
    const msgs = await c.until((m) => of(m, 'snapshot').length === 2);
    const book = of(msgs, 'snapshot', `book:${SYM}:consolidated`)[0]!.data;
    if (book.kind !== 'book') throw new Error('not a book');
    // Hand-checked against the two REST snapshots (spot line 8, USD-M line 55).
    expect(book.book.bids[0]).toEqual([61837.63, 3.78826, { binance: 3.78826 }]);
    expect(book.book.asks[0]).toEqual([61800.3, 1.072, { 'binance-usdm': 1.072 }]);
    const at61800 = book.book.bids.find((l) => l[0] === 61800)!;
    expect(at61800[1]).toBeCloseTo(0.19431 + 20.004, 10);
    expect(at61800[2]).toEqual({ binance: 0.19431, 'binance-usdm': 20.004 });
    // Snapshots carry the best 1,000 consolidated levels per side, strictly ordered.
    expect(book.book.bids.length).toBe(1000);
    for (let i = 1; i < 1000; i++) expect(book.book.bids[i]![0]).toBeLessThan(book.book.bids[i - 1]![0]);
    const bbo = of(msgs, 'snapshot', `bbo:${SYM}:consolidated`)[0]!.data;
    if (bbo.kind !== 'bbo') throw new Error('not a bbo');
    expect(bbo.bbo).toMatchObject({ bid: 61837.63, bidVenue: 'binance', ask: 61800.3, askVenue: 'binance-usdm', crossed: true });
    expect(bbo.bbo.spread).toBeCloseTo(61800.3 - 61837.63, 8);
    c.ws.close();
  });

  it('subscribe → snapshot → deltas → disconnect → resume without a gap, and a fresh snapshot when the gap is too old', async () => {
    const stream = `trades:${SYM}:binance`;
    const bookStream = `book:${SYM}:binance`;
    const a = await connect({ codec: 'bin' });
    expect(a.protocol).toBe('edgetape.v1.bin');
    a.send({ t: 'subscribe', streams: [stream, bookStream] });
    await a.until((m) => of(m, 'snapshot').length === 2);
    const live = spot().slice(1, 300);
    await feedHub(live.slice(0, 150));
    const sentTrades = live.slice(0, 150).filter((e) => e.type === 'trade');
    await a.until((m) => of(m, 'trades', stream).flatMap((t) => t.trades).length >= sentTrades.length);
    const got = of(a.received, 'trades', stream).flatMap((t) => t.trades);
    expect(got.map((t) => t.id)).toEqual(sentTrades.map((t) => (t as { id: string }).id));
    expect(got.map((t) => t.price)).toEqual(sentTrades.map((t) => (t as { price: number }).price));
    // No hole: each frame starts (`from`, when the hub merged what queued for the relay) right after the last.
    const frames = [...of(a.received, 'snapshot', stream), ...of(a.received, 'trades', stream)];
    for (let i = 1; i < frames.length; i++) expect((frames[i] as TradesMsg).from ?? frames[i]!.seq).toBe(frames[i - 1]!.seq + 1);
    const seqs = frames.map((m) => m.seq);
    const lastTrade = seqs.at(-1)!;
    const lastBook = [...of(a.received, 'snapshot', bookStream), ...of(a.received, 'book', bookStream)].at(-1)!.seq;
    a.ws.close();

    // While away: more updates. On return, resuming from the last seqs replays exactly the missed ones.
    await feedHub(live.slice(150));
    const b = await connect();
    b.send({ t: 'subscribe', streams: [stream, bookStream], resume: { [stream]: lastTrade, [bookStream]: lastBook } });
    const missedTrades = live.slice(150).filter((e) => e.type === 'trade');
    await b.until((m) => of(m, 'trades', stream).flatMap((t) => t.trades).length >= missedTrades.length);
    expect(of(b.received, 'snapshot')).toEqual([]);
    expect(of(b.received, 'trades', stream)[0]!.seq).toBe(lastTrade + 1);
    expect(of(b.received, 'trades', stream).flatMap((t) => t.trades.map((x) => x.id))).toEqual(missedTrades.map((t) => (t as { id: string }).id));
    expect(of(b.received, 'book', bookStream)[0]!.seq).toBe(lastBook + 1);
    b.ws.close();

    // A seq older than the hub keeps (it keeps 512 updates per stream): a fresh snapshot instead.
    const top = (spot()[0] as { bids: [number, number][] }).bids[0]!;
    await feedHub(Array.from({ length: 520 }, (_, i): MarketEvent => ({
      type: 'book', kind: 'delta', exchange: 'binance', symbol: SYM, bids: [[top[0], top[1] + i / 1000]], asks: [], ts: 1_723_161_300_000 + i, recvTs: 0,
    })), 1);
    const c = await connect();
    c.send({ t: 'subscribe', streams: [bookStream], resume: { [bookStream]: lastBook } });
    const snap = (await c.until((m) => of(m, 'snapshot').length === 1)) && of(c.received, 'snapshot')[0]!;
    expect(snap.seq).toBeGreaterThan(lastBook + 512);
    c.ws.close();
  }, 120_000); // ~820 events ingested one RPC batch at a time plus three sockets: slow on a loaded shared machine

  it('keeps closed candles and the open bar across a hub restart (ctx.abort)', async () => {
    const symbol = 'SOL-USDT'; // no feed writes here
    const t0 = Date.UTC(2024, 7, 8, 23, 58, 0);
    const trade = (i: number, ts: number, price: number): MarketEvent => ({
      type: 'trade', exchange: 'kraken', symbol, id: `k${i}`, price, amount: 0.5, side: 'buy', ts, recvTs: ts,
    });
    const hub = hubStub(env, symbol);
    await hub.ingest([trade(1, t0 + 1_000, 100), trade(2, t0 + 30_000, 110), trade(3, t0 + 59_999, 90)], feed);
    await hub.ingest([trade(4, t0 + 60_000, 95), trade(5, t0 + 61_000, 97)], feed);
    await runInDurableObject(hub, (_i, state) => {
      expect(() => state.abort('restart test')).toThrow();
    }).catch(() => {});
    const { closed, open } = await hubStub(env, symbol).candles('kraken', '1m', t0, t0 + 120_000);
    expect(closed).toEqual([{ time: t0, open: 100, high: 110, low: 90, close: 90, volume: 1.5, quoteVolume: 150, trades: 3 }]);
    expect(open).toEqual({ time: t0 + 60_000, open: 95, high: 97, low: 95, close: 97, volume: 1, quoteVolume: 96, trades: 2 });
    // The restored open bar keeps folding trades after the restart.
    await hubStub(env, symbol).ingest([trade(6, t0 + 62_000, 99)], feed);
    expect((await hubStub(env, symbol).candles('kraken', '1m', t0, t0 + 120_000)).open).toMatchObject({ close: 99, trades: 3, high: 99 });
  });

  it('a relay that lost its memory (as after hibernation) serves the subscriptions kept in socket attachments', async () => {
    const stream = `bbo:${SYM}:binance`;
    const c = await connect();
    c.send({ t: 'subscribe', streams: [stream] });
    const hello = (await c.until((m) => of(m, 'snapshot').length === 1)).find((m) => m.t === 'hello')!;
    const relay = relayStub(env, (hello as { relay: string }).relay);
    await runInDurableObject(relay, (instance: Relay) => {
      (instance as unknown as { conns: Map<unknown, unknown> }).conns.clear();
    });
    const q: MarketEvent = { type: 'bbo', exchange: 'binance', symbol: SYM, bid: 100.5, bidSize: 1, ask: 100.6, askSize: 2, ts: 5, recvTs: 5 };
    await hubStub(env, SYM).ingest([q], feed);
    const got = await c.until((m) => of(m, 'bbo', stream).length === 1);
    expect((of(got, 'bbo', stream)[0] as BboMsg).bbo.venues.binance).toMatchObject({ bid: 100.5, ask: 100.6 });
    c.ws.close();
  });

  it('answers malformed and oversize client frames with error frames, then closes with a reason code', async () => {
    const c = await connect();
    c.ws.send('{not json');
    c.ws.send(JSON.stringify({ t: 'subscribe', streams: ['book:btc/usdt:binance'] }));
    c.ws.send('x'.repeat(MAX_CLIENT_FRAME + 1));
    c.ws.send(JSON.stringify({ t: 'launch' }));
    await c.until((m) => of(m, 'error').length === 4);
    expect(of(c.received, 'error').map((e) => e.code)).toEqual(['bad_json', 'unknown_stream', 'too_large', 'bad_message']);
    c.send({ t: 'ping', ts: 42 });
    await c.until((m) => m.some((x) => x.t === 'pong' && x.ts === 42));
    expect(c.closed()).toBeUndefined();
    c.ws.send(new Uint8Array([1, 2, 3]));
    await c.until(() => c.closed() !== undefined);
    expect(c.closed()).toEqual({ code: CLOSE.badFrames, reason: 'too many bad frames (5)' });
  });

  it('refuses plain HTTP and unknown subprotocols on /ws with problem+json', async () => {
    const { SELF } = await import('cloudflare:test');
    const plain = await SELF.fetch('http://edge.test/ws');
    expect(plain.status).toBe(426);
    expect(plain.headers.get('content-type')).toBe('application/problem+json');
    const bad = await SELF.fetch('http://edge.test/ws', { headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'edgetape.v9.xml' } });
    expect(bad.status).toBe(400);
  });

  it('conflates book updates for a slow client while a fast one gets every update, and both end on the hub\'s book', async () => {
    const stream = `book:${SYM}:binance-usdm`;
    const fast = await connect({ codec: 'bin' });
    const slow = await connect();
    for (const c of [fast, slow]) c.send({ t: 'subscribe', streams: [stream] });
    await fast.until((m) => of(m, 'snapshot').length === 1);
    await slow.until((m) => of(m, 'snapshot').length === 1);
    const start = (of(fast.received, 'snapshot', stream)[0] as SnapshotMsg).seq;
    // The slow client stops acknowledging what it reads (as a busy or thin-linked browser would) for the burst.
    slow.pauseAcks(true);
    const burst = usdm().slice(1).filter((e) => e.type === 'book');
    await feedHub(burst, 5);
    // Every batch changes the book: one update each. What queued while the hub's call to the relay was in
    // flight comes merged (`from`), so the fast client's frames cover every update without a hole.
    const updates = Math.ceil(burst.length / 5);
    const lastSeq = start + updates;
    const covers = (c: typeof fast) => of(c.received, 'book', stream).some((b) => b.seq === lastSeq) || of(c.received, 'snapshot', stream).some((b) => b.seq === lastSeq);
    await fast.until(() => covers(fast));
    let next = start + 1;
    for (const b of of(fast.received, 'book', stream)) {
      expect(b.from ?? b.seq).toBe(next);
      next = b.seq + 1;
    }
    expect(next).toBe(lastSeq + 1);
    slow.pauseAcks(false);
    await slow.until(() => covers(slow));
    // The slow client got fewer frames: its backlog went out as the relay's current book.
    const slowFrames = slow.received.filter((m) => (m.t === 'book' || m.t === 'snapshot') && m.stream === stream);
    expect(slowFrames.length - 1).toBeLessThan(updates);
    expect(of(slow.received, 'snapshot', stream).length + of(slow.received, 'book', stream).filter((b) => b.from !== undefined && b.from < b.seq).length).toBeGreaterThan(1);
    // Both hold exactly the hub's book: each client's frames applied in order, against a fresh snapshot. A
    // client's levels past a snapshot's 1,000 are only those deltas brought, so the comparison stops short of it.
    const DEPTH = 300;
    // Asked of the hub itself: a relay would serve a new socket its held snapshot plus the updates since.
    const { msgs: fromHub } = await hubStub(env, SYM).subscribe('edge-test', SYM, [stream]);
    const hub = of(fromHub as unknown as ServerMsg[], 'snapshot', stream)[0] as SnapshotMsg; // RPC types lose the level tuples
    expect(hub.seq).toBe(lastSeq);
    const book = (msgs: ServerMsg[]) => {
      const sides = { bids: new Map<number, number>(), asks: new Map<number, number>() };
      for (const m of msgs) {
        if (m.t === 'snapshot' && m.stream === stream && m.data.kind === 'book') {
          for (const s of ['bids', 'asks'] as const) {
            sides[s].clear();
            for (const [p, q] of m.data.book[s]) sides[s].set(p, q);
          }
        } else if (m.t === 'book' && m.stream === stream) {
          for (const s of ['bids', 'asks'] as const) for (const [p, q] of m[s]) q === 0 ? sides[s].delete(p) : sides[s].set(p, q);
        }
      }
      return { bids: [...sides.bids].sort((x, y) => y[0] - x[0]).slice(0, DEPTH), asks: [...sides.asks].sort((x, y) => x[0] - y[0]).slice(0, DEPTH) };
    };
    const want = book([hub]);
    expect([want.bids.length, want.asks.length]).toEqual([DEPTH, DEPTH]);
    expect(book(fast.received)).toEqual(want);
    expect(book(slow.received)).toEqual(want);
    for (const c of [fast, slow]) c.ws.close();
  });
});
