import { env, SELF } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import type { FeedStatus, MarketEvent, TradeEvent } from '../../shared/market/types';
import type { ServerMsg, SnapshotMsg, TradesMsg } from '../../shared/protocol/messages';
import { TAIL_MAX } from '../../worker/objects/relay/tail';
import { hubStub } from '../../worker/objects/stubs';
import { connect } from './socket';

const SYM = 'ETH-USDT';
const STREAM = `trades:${SYM}:binance`;
const feed: FeedStatus = { exchange: 'binance', state: 'live', mode: 'replay', lastMessageAt: 1, reconnects: 0 };
const snapshots = (m: ServerMsg[]) => m.filter((x): x is SnapshotMsg => x.t === 'snapshot' && x.stream === STREAM);
const updates = (m: ServerMsg[]) => m.filter((x): x is TradesMsg => x.t === 'trades' && x.stream === STREAM);
const relayOf = (m: ServerMsg[]) => (m.find((x) => x.t === 'hello') as { relay: string }).relay;

describe('a relay shares one encoded frame between its sockets', () => {
  it('answers a browser offering permessage-deflate without it (a compressor per socket would need a frame per socket)', async () => {
    const res = await SELF.fetch('http://edge.test/ws', {
      headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'edgetape.v1.bin', 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' },
    });
    expect(res.status).toBe(101);
    expect(res.headers.get('Sec-WebSocket-Protocol')).toBe('edgetape.v1.bin');
    expect(res.headers.has('Sec-WebSocket-Extensions')).toBe(false);
    res.webSocket!.accept();
    res.webSocket!.close();
  });
});

describe.skipIf(!inject('hasData'))('a relay shares what it holds of a stream between its sockets', () => {
  // Real spot trades, one per ingest call: each call is one update of the trade stream.
  const trades = () => inject('spotEvents').filter((e): e is TradeEvent => e.type === 'trade');
  // Each call waits until `watch` has the update: the hub merges what queues while a call to the relay is in
  // flight, and this test counts the relay's held updates one per call.
  const ingest = async (events: MarketEvent[], watch: Awaited<ReturnType<typeof connect>>) => {
    for (const e of events) {
      const want = (updates(watch.received).at(-1)?.seq ?? snapshots(watch.received)[0]!.seq) + 1;
      await hubStub(env, SYM).ingest([e], feed);
      await watch.until((m) => updates(m).at(-1)?.seq === want);
    }
  };

  it('a later subscriber gets the same snapshot and every update since from the relay; past TAIL_MAX updates, a fresh one from the hub', async () => {
    const all = trades();
    expect(all.length).toBeGreaterThan(TAIL_MAX + 10);
    const a = await connect();
    a.send({ t: 'subscribe', streams: [STREAM] });
    const first = snapshots(await a.until((m) => snapshots(m).length === 1))[0]!;

    await ingest(all.slice(0, 5), a);
    await a.until((m) => updates(m).length === 5);
    // A binary socket on the same relay, subscribing after five updates.
    const b = await connect({ codec: 'bin' });
    const sameRelay = relayOf(await b.until((m) => m.some((x) => x.t === 'hello'))) === relayOf(a.received);
    expect(sameRelay).toBe(true);
    b.send({ t: 'subscribe', streams: [STREAM] });
    await b.until((m) => updates(m).length === 5);
    // The snapshot A got (same seq, same tape), then the five updates A got, in order: not a newer hub snapshot.
    expect(snapshots(b.received)).toEqual([first]);
    expect(updates(b.received)).toEqual(updates(a.received));

    // Live updates reach both exactly once, in sequence.
    await ingest(all.slice(5, 8), a);
    await a.until((m) => updates(m).length === 8);
    await b.until((m) => updates(m).length === 8);
    for (const c of [a, b]) expect(updates(c.received).map((u) => u.seq)).toEqual(Array.from({ length: 8 }, (_, i) => first.seq + 1 + i));
    expect(updates(b.received).flatMap((u) => u.trades.map((t) => t.id))).toEqual(all.slice(0, 8).map((t) => t.id));

    // More updates than a relay keeps after its snapshot: the next subscriber gets the hub's current snapshot, alone.
    await ingest(all.slice(8, 8 + TAIL_MAX), a);
    await a.until((m) => updates(m).length === 8 + TAIL_MAX);
    const c = await connect();
    c.send({ t: 'subscribe', streams: [STREAM] });
    const fresh = snapshots(await c.until((m) => snapshots(m).length === 1))[0]!;
    expect(fresh.seq).toBe(first.seq + 8 + TAIL_MAX);
    if (fresh.data.kind !== 'trades') throw new Error('not a tape');
    expect(fresh.data.trades.at(-1)!.id).toBe(all[8 + TAIL_MAX - 1]!.id);
    await ingest(all.slice(8 + TAIL_MAX, 9 + TAIL_MAX), c);
    await c.until((m) => updates(m).length === 1);
    expect(updates(c.received).map((u) => u.seq)).toEqual([fresh.seq + 1]);
    for (const s of [a, b, c]) s.ws.close();
  }, 120_000); // ~80 single-event ingest calls: slow on a loaded shared machine
});
