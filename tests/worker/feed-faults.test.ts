import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FeedState, InstrumentHealth } from '../../shared/market/types';
import type { ServerMsg, StatusMsg, TradesMsg } from '../../shared/protocol/messages';
import { ADAPTERS } from '../../worker/ingest/registry';
import type { ExchangeFeed, FeedHealth } from '../../worker/objects/ExchangeFeed';
import { feedStub } from '../../worker/objects/stubs';
import { DepthCheckingBinance } from './depth-adapter';
import { connect } from './socket';

type Row = InstrumentHealth & { ageMs: number | null };
interface VenueRow {
  venue: string; state: FeedState; mode: string; ageMs: number | null; gaps: number; resyncs: number; reconnects: number;
  feeds: (FeedHealth & { ageMs: number | null; instruments: Row[] })[];
  instruments: Row[];
}

const exchanges = async () => ((await (await SELF.fetch('http://edge.test/api/v1/exchanges')).json()) as { serverTime: number; venues: VenueRow[] });
const binance = async () => (await exchanges()).venues.find((v) => v.venue === 'binance')!;
const fault = async (body: object) => {
  const res = await fetch(`${inject('fakeUrl')}/__fake/fault`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
};

/** Polls until `pred` holds; returns the value that satisfied it. */
async function until<T>(read: () => Promise<T>, pred: (v: T) => boolean, what: string, ms = 25_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!pred(v)) {
    if (Date.now() > end) throw new Error(`${what}: not reached; last ${JSON.stringify(v).slice(0, 4000)}`);
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

const live = (v: VenueRow) => v.state === 'live' && v.instruments.every((i) => i.state === 'live');
/** History entries after `t`, as `state` or `symbol:state`, to read transitions in order. */
const since = (v: VenueRow, t: number) => v.feeds[0]!.history.filter((h) => h.at >= t);

describe.skipIf(!inject('hasData'))('ExchangeFeed connection management and health, against the fake exchange', () => {
  const feed = feedStub(env, 'binance');
  let original: (typeof ADAPTERS)['binance'];

  beforeAll(async () => {
    // The feed and this file share the worker's module graph: the feed builds its adapter from this registry.
    original = ADAPTERS.binance;
    ADAPTERS.binance = (symbols) => new DepthCheckingBinance(symbols);
    await feed.start('binance');
    await until(binance, live, 'first sync');
  });
  afterAll(async () => {
    await feedStub(env, 'binance').stop();
    ADAPTERS.binance = original;
  });

  it('GET /api/v1/exchanges reports every configured venue with its connection and instruments', async () => {
    const body = await exchanges();
    expect(body.venues.map((v) => v.venue)).toEqual(['binance', 'bitstamp']);
    const down = body.venues[1]!;
    expect([down.state, down.feeds.map((f) => f.name), down.instruments.map((i) => [i.symbol, i.state, i.ageMs])]).toEqual(['down', ['bitstamp'], [['BTC-USD', 'down', null]]]);
    expect(down.feeds[0]!.reason).toMatch(/\S/); // why, in words: no adapter in this build, or the connection error
    const v = body.venues[0]!;
    const fake = new URL(inject('fakeUrl')).host;
    expect(v).toMatchObject({ venue: 'binance', state: 'live', mode: 'replay' });
    expect(v.feeds.map((f) => [f.name, f.venue, f.state, f.url])).toEqual([
      ['binance', 'binance', 'live', `ws://${fake}/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@depth@100ms`],
    ]);
    expect(v.instruments).toHaveLength(1);
    const i = v.instruments[0]!;
    expect(i).toMatchObject({ symbol: 'BTC-USDT', state: 'live', checksumOk: 0, checksumFailed: 0 });
    expect(i.resyncs).toBe(i.gaps);
    expect(i.ageMs).toBeGreaterThanOrEqual(0);
    expect(i.ageMs).toBe(body.serverTime - i.lastMessageAt);
    // The first sync shows in the history (sampled, so it may trail the state by a moment): connecting, then the
    // connection live, then the book from syncing to live.
    const steps = (b: Awaited<ReturnType<typeof exchanges>>) => b.venues[0]!.feeds[0]!.history.map((h) => (h.symbol ? `${h.symbol}:${h.state}` : h.state));
    const later = await until(exchanges, (b) => steps(b).includes('BTC-USDT:live'), 'the book\'s sync in the history');
    expect(steps(later)).toEqual(expect.arrayContaining(['connecting', 'live', 'BTC-USDT:live']));
  });

  it('sends the adapter\'s heartbeat on its interval', async () => {
    const received = async () => ((await (await fetch(`${inject('fakeUrl')}/__fake/status`)).json()) as { received: number }).received;
    const before = await received();
    await until(received, (n) => n >= before + 2, 'two heartbeats');
  });

  it.each(['drop', 'reorder'])('injected %s: the book goes resyncing (hubs and clients are told), then live again from a fresh snapshot', async (kind) => {
    const client = await connect();
    client.send({ t: 'subscribe', streams: ['bbo:BTC-USDT:binance'] });
    await client.until((m) => m.some((x) => x.t === 'snapshot'));
    const before = await binance();
    const t = Date.now();
    await fault({ kind, count: 1 });
    const after = await until(binance, (v) => v.instruments[0]!.gaps > before.instruments[0]!.gaps && live(v), 'gap detected and resynced');
    const book = since(after, t).filter((h) => h.symbol === 'BTC-USDT');
    expect(book[0]).toMatchObject({ state: 'resyncing', reason: expect.stringMatching(/^gap: after \d+ got U \d+$/) });
    expect(book.at(-1)!.state).toBe('live');
    expect(after.instruments[0]!.resyncs).toBe(before.instruments[0]!.resyncs + 1);
    expect(after.feeds[0]!.reconnects).toBe(before.feeds[0]!.reconnects); // the socket itself stayed up
    // The browser saw the book marked invalid, then live again.
    const states = (m: ServerMsg[]) => m.filter((x): x is StatusMsg => x.t === 'status').map((x) => `${x.feed.instrument?.symbol}:${x.feed.state}`);
    const afterResync = (m: ServerMsg[]) => states(m).slice(states(m).indexOf('BTC-USDT:resyncing'));
    const seen = afterResync(await client.until((m) => afterResync(m).length >= 2 && states(m).includes('BTC-USDT:resyncing')));
    expect(seen.slice(0, 2)).toEqual(['BTC-USDT:resyncing', 'BTC-USDT:live']);
    client.ws.close();
  });

  it('drop-trade: trades the venue sent that never arrived reach a subscribed client as a gap counting them, with the socket and book untouched', async () => {
    const stream = 'trades:BTC-USDT:binance';
    const client = await connect();
    client.send({ t: 'subscribe', streams: [stream] });
    await client.until((m) => m.some((x) => x.t === 'trades'));
    const before = await binance();
    await fault({ kind: 'drop-trade', count: 2 });
    const msgs = await client.until((m) => m.some((x) => x.t === 'gap'), 20_000);
    const g = msgs.find((x) => x.t === 'gap')!;
    // One trade per Binance trade frame: two frames lost are two trade ids skipped.
    expect(g).toMatchObject({ stream, upstream: { venue: 'binance', missed: 2 } });
    const after = await binance();
    expect(live(after)).toBe(true);
    expect([after.feeds[0]!.reconnects, after.instruments[0]!.resyncs]).toEqual([before.feeds[0]!.reconnects, before.instruments[0]!.resyncs]);
    client.ws.close();
  });

  it('duplicate: a repeated book frame is recognised by its update ids and changes nothing', async () => {
    const faults = async () => ((await (await fetch(`${inject('fakeUrl')}/__fake/faults`)).json()) as { applied: { duplicate: number } }).applied.duplicate;
    const before = await binance();
    const applied = await faults();
    await fault({ kind: 'duplicate', count: 3 });
    await until(faults, (n) => n === applied + 3, 'three duplicates sent');
    const after = await binance();
    expect(live(after)).toBe(true);
    expect([after.instruments[0]!.gaps, after.instruments[0]!.resyncs]).toEqual([before.instruments[0]!.gaps, before.instruments[0]!.resyncs]);
  });

  it('stall: silence past staleMs marks the feed stale and replaces the socket; live again when frames return', async () => {
    const before = await binance();
    const t = Date.now();
    await fault({ kind: 'stall', ms: 4_000 });
    const after = await until(binance, (v) => v.feeds[0]!.stalls > before.feeds[0]!.stalls && live(v), 'stale then live');
    const h = since(after, t).filter((e) => !e.symbol);
    expect(h[0]).toMatchObject({ state: 'stale', reason: expect.stringMatching(/^no frame for \d+\.\d s$/) });
    expect(h.map((e) => e.state)).toContain('connecting');
    expect(h.at(-1)!.state).toBe('live');
    expect(after.feeds[0]!.reconnects).toBeGreaterThan(before.feeds[0]!.reconnects);
  });

  it('disconnect: the closed socket is reported down with its close code, then reconnected with back-off and resynced', async () => {
    const streams = ['trades:BTC-USDT:binance', 'trades:BTC-USDT:consolidated'];
    const client = await connect();
    client.send({ t: 'subscribe', streams });
    await client.until((m) => m.some((x) => x.t === 'trades'));
    const before = await binance();
    const t = Date.now();
    await fault({ kind: 'disconnect' });
    const after = await until(binance, (v) => v.feeds[0]!.reconnects > before.feeds[0]!.reconnects && live(v), 'down then live');
    const h = since(after, t).filter((e) => !e.symbol);
    expect(h[0]).toMatchObject({ state: 'down', reason: 'upstream closed (1001 fake exchange: disconnect fault)' });
    expect(h.slice(1).map((e) => e.state)).toEqual(['connecting', 'live']);
    expect(after.feeds[0]!.stalls).toBe(before.feeds[0]!.stalls);

    // The replay went on while the feed was away: the trades it missed are counted to the client, on both
    // streams, by the ids on either side of the hole, and the stream itself carries on (no resubscribe needed).
    const gapOn = (s: string) => (m: ServerMsg[]) => m.some((x) => x.t === 'gap' && x.stream === s && m.indexOf(x) < m.findLastIndex((y) => y.t === 'trades' && y.stream === s));
    const msgs = await client.until((m) => streams.every((s) => gapOn(s)(m)), 20_000);
    for (const stream of streams) {
      const own = msgs.filter((x) => (x.t === 'gap' || x.t === 'trades') && x.stream === stream);
      const gaps = own.filter((x) => x.t === 'gap');
      expect(gaps).toHaveLength(1);
      const g = gaps[0]!;
      const at = own.indexOf(g);
      const ids = (x: ServerMsg) => (x.t === 'trades' ? x.trades.map((tr) => Number(tr.id)) : []);
      const last = own.slice(0, at).flatMap(ids).at(-1)!;
      const next = own[at + 1]!;
      // The next update starts where the gap marker says (a frame the hub merged carries its first seq in `from`).
      expect(next.t).toBe('trades');
      expect((next as TradesMsg).from ?? (next as TradesMsg).seq).toBe(g.from);
      expect(g.upstream).toMatchObject({ venue: 'binance', missed: ids(next)[0]! - last - 1 });
      // The span: the last trade before the hole and the first after it, by id and exchange time.
      const before = own.slice(0, at).flatMap((x) => (x.t === 'trades' ? x.trades : [])).at(-1)!;
      const after = (next as { trades: { id: string; ts: number }[] }).trades[0]!;
      expect(g.upstream).toMatchObject({ after: before.id, since: before.ts, until: after.ts });
      expect(g.upstream!.missed).toBeGreaterThan(0);
      expect(g.reason).toMatch(/^\d+ binance trades? never reached the edge/);
      // Every other update of the stream follows the one before it: nothing else was lost or replayed.
      const frames = own.filter((x): x is TradesMsg => x.t === 'trades');
      for (let i = 1; i < frames.length; i++) expect(frames[i]!.from ?? frames[i]!.seq).toBe(frames[i - 1]!.seq + 1);
    }
    client.ws.close();
  });

  it('rotation opens a second socket, syncs it, switches and closes the old one without going down', async () => {
    const t = Date.now();
    expect(await runInDurableObject(feed, (f: ExchangeFeed) => f.rotate('test rotation'))).toBe(true);
    const after = await until(binance, (v) => v.feeds[0]!.history.some((h) => h.at >= t && h.reason === 'switched to the rotated connection'), 'switch');
    expect(since(after, t).filter((e) => !e.symbol).map((e) => [e.state, e.reason])).toEqual([
      ['live', 'rotating: test rotation'],
      ['live', 'switched to the rotated connection'],
    ]);
    expect(after.feeds[0]!.rotations).toBe(1);
    expect(live(after)).toBe(true);
  });

  it('after the object is torn down with its socket (abortAllDurableObjects), the surviving alarm reconnects the feed', async () => {
    const reconnects = (await binance()).feeds[0]!.reconnects;
    await abortAllDurableObjects(); // the process holding the socket is gone; storage and the alarm survive
    expect(await runDurableObjectAlarm(feedStub(env, 'binance'))).toBe(true);
    const after = await until(binance, live, 'live after eviction');
    // A fresh instance: its history starts at this connection; the reconnect count came back from storage.
    expect(after.feeds[0]!.history.filter((h) => !h.symbol).map((h) => h.state)).toEqual(['connecting', 'live']);
    expect(after.feeds[0]!.reconnects).toBe(reconnects);
  });
});
