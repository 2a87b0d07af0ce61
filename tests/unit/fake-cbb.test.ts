import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { Adapter } from '../../worker/ingest/adapter';
import { BitmexAdapter } from '../../worker/ingest/bitmex';
import { BitstampAdapter } from '../../worker/ingest/bitstamp';
import { CoinbaseAdapter } from '../../worker/ingest/coinbase';
import { startFakeExchange } from '../../tools/fake-exchange/main';
import type { FakeExchange } from '../../tools/fake-exchange/server';
import { driven, sinkOf, type Driven } from './drive';
import { configuredSymbols, hasData, NO_DATA, recording } from './recordings';

/**
 * An adapter on a real socket to the fake venue, as the feed would run it: subscribe messages on open,
 * resync frames sent back, REST snapshots fetched over HTTP. `tamper` may drop or add frames on the way
 * in, to inject the fault the test wants the adapter to catch.
 */
function run(adapter: Adapter, port: number, tamper: (frame: string, deliver: (f: string) => void) => void = (f, deliver) => deliver(f)) {
  const d = driven();
  const ws = new WebSocket(adapter.url(`ws://127.0.0.1:${port}`));
  const sink = sinkOf(d, (symbol, path) => {
    void fetch(`http://127.0.0.1:${port}${path}`).then(async (res) => adapter.onSnapshot?.(symbol, await res.text(), Date.now(), sink));
  });
  sink.send = (frame) => {
    d.sent.push(frame);
    ws.send(frame);
  };
  ws.on('open', () => adapter.subscribeMessages().forEach((m) => ws.send(m)));
  ws.on('message', (data) => tamper(data.toString(), (f) => adapter.parse(f, Date.now(), sink)));
  return { d, ws };
}

const state = (a: Adapter, symbol: string) => a.health().find((h) => h.symbol === symbol)!;

// Whole replays at 5× speed take several seconds on a shared machine; no timing is asserted.
describe.skipIf(!hasData())(`fake Coinbase, Bitstamp and BitMEX with their adapters over sockets ${hasData() ? '' : NO_DATA}`, { timeout: 40_000 }, () => {
  let fake: FakeExchange | undefined;
  let ws: WebSocket | undefined;
  afterEach(async () => {
    ws?.close();
    await fake?.close();
  });

  it('coinbase: a dropped match is a trade id gap; level2 is resubscribed and the fresh snapshot makes the book live again', async () => {
    const started = await startFakeExchange({ venue: 'coinbase', recording: 'cryptofeed/COINBASE.ws.28.0', speed: 5, loop: false, port: 0 });
    fake = started.fake;
    const adapter = new CoinbaseAdapter(configuredSymbols('cryptofeed/COINBASE.0'));
    // Drop an SKL-USD match after the client has seen one, but not the recording's last: a later one's trade id skips.
    const matches = recording('cryptofeed/COINBASE.ws.28.0').filter((r) => r.frame.startsWith('{"type":"match"') && r.frame.includes('"SKL-USD"'));
    const last = matches[matches.length - 1]!.frame;
    let seen = 0;
    let dropped = false;
    const c = run(adapter, started.port, (f, deliver) => {
      if (f.startsWith('{"type":"match"') && f.includes('"SKL-USD"') && ++seen >= 2 && !dropped && f !== last) {
        dropped = true;
        return;
      }
      deliver(f);
    });
    ws = c.ws;
    await vi.waitFor(() => expect(state(adapter, 'SKL-USD').gaps).toBe(1), { timeout: 15_000, interval: 50 });
    expect(c.d.sent).toContain('{"type":"subscribe","product_ids":["SKL-USD"],"channels":["level2_batch"]}');
    await vi.waitFor(() => expect(state(adapter, 'SKL-USD').state).toBe('live'), { timeout: 5_000, interval: 20 });
    expect(state(adapter, 'SKL-USD')).toMatchObject({ resyncs: 1 });
    expect(c.d.events.filter((e) => e.type === 'book' && e.kind === 'snapshot' && e.symbol === 'SKL-USD')).toHaveLength(2);
    expect(c.d.errors.map((e) => e.symbol)).toEqual(['SKL-USD']);
    expect(c.d.crossed).toBe(0);
  });

  it('bitstamp: books start from the fake REST snapshot; a replayed old diff is caught, resynced from REST, and the book ends equal to the venue\'s', async () => {
    const started = await startFakeExchange({ venue: 'bitstamp', recording: 'cryptofeed/BITSTAMP.ws.1.0,cryptofeed/BITSTAMP.http.0.0', speed: 5, loop: false, port: 0 });
    fake = started.fake;
    const adapter = new BitstampAdapter(configuredSymbols('cryptofeed/BITSTAMP.0'));
    let held: string | undefined;
    let injected = false;
    const c = run(adapter, started.port, (f, deliver) => {
      deliver(f);
      if (!f.includes('"channel":"diff_order_book_ethusd","event":"data"') || state(adapter, 'ETH-USD').state !== 'live') return;
      // Hold one live diff, and send it again after a later one: out of order.
      if (!held) held = f;
      else if (!injected) {
        injected = true;
        deliver(held);
      }
    });
    ws = c.ws;
    await vi.waitFor(() => expect(state(adapter, 'ETH-USD').gaps).toBe(1), { timeout: 15_000, interval: 50 });
    await vi.waitFor(() => expect(state(adapter, 'ETH-USD').state).toBe('live'), { timeout: 5_000, interval: 20 });
    expect(c.d.snapshots.filter((s) => s.symbol === 'ETH-USD')).toHaveLength(2);
    await vi.waitFor(() => expect(started.fake.status().done).toBe(true), { timeout: 15_000, interval: 100 });
    await vi.waitFor(async () => {
      const venue = (await (await fetch(`http://127.0.0.1:${started.port}/api/v2/order_book/ethusd/`)).json()) as { bids: [string, string][]; asks: [string, string][] };
      const ours = c.d.books.get('ETH-USD')!;
      expect([ours.bids.bestPrice, ours.bids.bestSize, ours.asks.bestPrice, ours.asks.bestSize]).toEqual([+venue.bids[0]![0], +venue.bids[0]![1], +venue.asks[0]![0], +venue.asks[0]![1]]);
      expect([ours.bids.length, ours.asks.length]).toEqual([venue.bids.length, venue.asks.length]);
    }, { timeout: 5_000, interval: 100 });
    expect(c.d.errors.map((e) => e.symbol)).toEqual(['ETH-USD']);
    expect(c.d.crossed).toBe(0);
    expect(adapter.health().filter((h) => h.state !== 'live')).toEqual([]);
  });

  it('bitmex: a dropped insert makes a later row name an unknown id; orderBookL2 is resubscribed and the new partial makes it live', async () => {
    const started = await startFakeExchange({ venue: 'bitmex', recording: 'cryptofeed/BITMEX.ws.1.0', speed: 5, loop: false, port: 0 });
    fake = started.fake;
    const symbols = configuredSymbols('cryptofeed/BITMEX.0').map((s) => s.replace('-21U24', '-210924'));
    const adapter = new BitmexAdapter(symbols);
    // Drop an XBTUSD insert whose level the recording later updates or deletes: that row then names an unknown id.
    const frames = recording('cryptofeed/BITMEX.ws.1.0').map((r) => r.frame);
    const reused = (f: string) => {
      const id = /"id":(\d+)/.exec(f)![1];
      return frames.slice(frames.indexOf(f) + 1).some((g) => /^\{"table":"orderBookL2","action":"(update|delete)"/.test(g) && g.includes(`"id":${id},`));
    };
    let dropped = false;
    const c = run(adapter, started.port, (f, deliver) => {
      if (!dropped && f.startsWith('{"table":"orderBookL2","action":"insert"') && f.includes('"XBTUSD"') && reused(f)) {
        dropped = true;
        return;
      }
      deliver(f);
    });
    ws = c.ws;
    await vi.waitFor(() => expect(state(adapter, 'BTC-USD-PERP').resyncs).toBe(1), { timeout: 15_000, interval: 50 });
    expect(c.d.errors[0]).toEqual({ message: expect.stringMatching(/unknown level id/), symbol: 'BTC-USD-PERP' });
    await vi.waitFor(() => expect(state(adapter, 'BTC-USD-PERP').state).toBe('live'), { timeout: 5_000, interval: 20 });
    expect(c.d.events.filter((e) => e.type === 'book' && e.kind === 'snapshot' && e.symbol === 'BTC-USD-PERP')).toHaveLength(2);
    expect(c.d.crossed).toBe(0);
    // Once the replay is over, the fake still answers BitMEX's text ping.
    await vi.waitFor(() => expect(started.fake.status().done).toBe(true), { timeout: 15_000, interval: 100 });
    // The last replayed frames may still be on their way: a protocol ping's pong comes behind them on the socket.
    await new Promise((ok) => {
      c.ws.once('pong', ok);
      c.ws.ping();
    });
    const pong = await new Promise<string>((ok) => {
      c.ws.once('message', (m) => ok(m.toString()));
      c.ws.send(adapter.heartbeat.frame);
    });
    expect(pong).toBe('pong');
  });

  // The protocol tests run on manual replays that are never stepped: the books the fakes answer with stay the
  // recorded ones however long a loaded machine takes to subscribe.
  /** Sends `frames` once open and resolves with the first `n` replies received (replayed market data is skipped). */
  const exchange = (url: string, frames: string[], n: number, replayed: RegExp = /^\{"type":"(l2update|ticker|match)"|^\{"table":"\w+","action":"(insert|update|delete)"/) => {
    ws = new WebSocket(url);
    const got: string[] = [];
    return new Promise<string[]>((ok, fail) => {
      ws!.on('open', () => frames.forEach((f) => ws!.send(f)));
      ws!.on('message', (m) => {
        if (replayed.test(m.toString())) return;
        got.push(m.toString());
        if (got.length === n) ok(got);
      });
      ws!.on('error', fail);
    });
  };

  it('coinbase protocol: subscriptions reply, a snapshot per level2 product, errors for unknown channels and products', async () => {
    const started = await startFakeExchange({ venue: 'coinbase', recording: 'cryptofeed/COINBASE.ws.28.0', speed: 1, loop: false, port: 0, manual: true });
    fake = started.fake;
    const got = await exchange(`ws://127.0.0.1:${started.port}`, [
      '{"type":"subscribe","product_ids":["BAND-GBP"],"channels":["level2_batch",{"name":"ticker","product_ids":["NU-GBP"]}]}',
      '{"type":"subscribe","product_ids":["BAND-GBP"],"channels":["full"]}',
      '{"type":"subscribe","product_ids":["NOPE-USD"],"channels":["matches"]}',
      'not json',
    ], 5);
    expect(got[0]).toBe('{"type":"subscriptions","channels":[{"name":"level2_batch","product_ids":["BAND-GBP"]},{"name":"ticker","product_ids":["NU-GBP"]}]}');
    // The recorded BAND-GBP snapshot: best bid 14.7693 × 27.51, best ask 14.8024 × 12.77.
    const snap = JSON.parse(got[1]!) as { type: string; bids: string[][]; asks: string[][] };
    expect([snap.type, snap.bids[0], snap.asks[0]]).toEqual(['snapshot', ['14.7693', '27.51'], ['14.8024', '12.77']]);
    const errors = got.slice(2).map((f) => JSON.parse(f) as { type: string; reason: string });
    expect(errors.map((e) => e.type)).toEqual(['error', 'error', 'error']);
    expect(errors.map((e) => e.reason)).toEqual(['full is not a valid channel', 'NOPE-USD is not a valid product', 'malformed JSON']);
  });

  it('bitstamp protocol: subscription, heartbeat and error replies; unknown pairs 404 on REST', async () => {
    const started = await startFakeExchange({ venue: 'bitstamp', recording: 'cryptofeed/BITSTAMP.ws.1.0,cryptofeed/BITSTAMP.http.0.0', speed: 1, loop: false, port: 0, manual: true });
    fake = started.fake;
    const got = await exchange(`ws://127.0.0.1:${started.port}`, [
      '{"event":"bts:subscribe","data":{"channel":"live_trades_ethusd"}}',
      '{"event":"bts:heartbeat"}',
      '{"event":"bts:subscribe","data":{"channel":"nope"}}',
      '{"event":"bts:unsubscribe","data":{"channel":"live_trades_ethusd"}}',
    ], 4);
    expect(got).toEqual([
      '{"event":"bts:subscription_succeeded","channel":"live_trades_ethusd","data":{}}',
      '{"event":"bts:heartbeat","channel":"","data":{"status":"success"}}',
      '{"event":"bts:error","channel":"","data":{"code":null,"message":"Bad subscription string."}}',
      '{"event":"bts:unsubscription_succeeded","channel":"live_trades_ethusd","data":{}}',
    ]);
    expect((await fetch(`http://127.0.0.1:${started.port}/api/v2/order_book/nope/`)).status).toBe(404);
    // Before the replay moves the book, the REST answer is the recorded snapshot.
    const book = (await (await fetch(`http://127.0.0.1:${started.port}/api/v2/order_book/sgbeur/`)).json()) as { microtimestamp: string; bids: string[][] };
    expect([book.microtimestamp, book.bids[0]]).toEqual(['1641343695572693', ['0.14695', '4567.41344936']]);
  });

  it('bitmex protocol: success and partial per topic, pong, errors for unknown tables and doubled topics; 404 off /realtime', async () => {
    const started = await startFakeExchange({ venue: 'bitmex', recording: 'cryptofeed/BITMEX.ws.1.0', speed: 1, loop: false, port: 0, manual: true });
    fake = started.fake;
    const got = await exchange(`ws://127.0.0.1:${started.port}/realtime`, [
      '{"op":"subscribe","args":["orderBookL2:XRPU21"]}',
      'ping',
      '{"op":"subscribe","args":["orderBookL2:XRPU21","chat:x"]}',
    ], 5);
    expect(JSON.parse(got[0]!)).toMatchObject({ success: true, subscribe: 'orderBookL2:XRPU21' });
    const partial = JSON.parse(got[1]!) as { action: string; data: { price: number }[] };
    expect([partial.action, partial.data.length]).toEqual(['partial', 116 + 92]);
    expect(got[2]).toBe('pong');
    expect(got.slice(3).map((f) => (JSON.parse(f) as { error: string }).error)).toEqual([
      'You are already subscribed to this topic: orderBookL2:XRPU21', 'Unknown table: chat:x',
    ]);
    const refused = new WebSocket(`ws://127.0.0.1:${started.port}/nope`);
    expect((await new Promise<Error>((ok) => refused.on('error', ok))).message).toMatch(/404/);
  });
});
