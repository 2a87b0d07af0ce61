import { describe, expect, it } from 'vitest';
import { bitstampInstruments, BitstampAdapter } from '../../worker/ingest/bitstamp';
import { drive, driven, sinkOf } from './drive';
import { configuredSymbols, hasData, NO_DATA, recording, restBody } from './recordings';

const WS = 'cryptofeed/BITSTAMP.ws.1.0';
const HTTP = 'cryptofeed/BITSTAMP.http.0.0';
const records = () => [...recording(WS), ...recording(HTTP)];
const symbols = () => configuredSymbols('cryptofeed/BITSTAMP.0');

describe('BitstampAdapter', () => {
  it('subscribes to diff_order_book and live_trades per pair, pings with bts:heartbeat', () => {
    const a = new BitstampAdapter(['ETH-USD']);
    expect(a.subscribeMessages()).toEqual([
      '{"event":"bts:subscribe","data":{"channel":"diff_order_book_ethusd"}}',
      '{"event":"bts:subscribe","data":{"channel":"live_trades_ethusd"}}',
    ]);
    expect(a.heartbeat.frame).toBe('{"event":"bts:heartbeat"}');
  });

  it('buffers diffs until the snapshot, drops those it covers, flags an out-of-order diff and resyncs to live', () => {
    const a = new BitstampAdapter(['ETH-USD']);
    const d = driven();
    const sink = sinkOf(d);
    const diff = (micro: number, bids: string) => `{"data":{"microtimestamp":"${micro}","bids":${bids},"asks":[]},"channel":"diff_order_book_ethusd","event":"data"}`;
    a.parse('{"event":"bts:subscription_succeeded","channel":"diff_order_book_ethusd","data":{}}', 1, sink);
    expect(d.snapshots).toEqual([{ symbol: 'ETH-USD', path: '/api/v2/order_book/ethusd/' }]);
    a.parse(diff(100, '[["99","5"]]'), 2, sink);
    a.parse(diff(300, '[["98","1"]]'), 3, sink);
    expect(a.health()[0]!.state).toBe('syncing');
    a.onSnapshot('ETH-USD', '{"timestamp":"0","microtimestamp":"200","bids":[["99","1"]],"asks":[["101","2"]]}', 4, sink);
    // The diff at 100 is already in the snapshot; the one at 300 is applied on top.
    expect(d.events[0]).toMatchObject({ type: 'book', kind: 'snapshot', bids: [[99, 1], [98, 1]], asks: [[101, 2]], ts: 0.3 });
    a.parse(diff(150, '[["97","1"]]'), 5, sink); // older than the snapshot: covered, dropped
    expect(d.errors).toEqual([]);
    a.parse(diff(250, '[["97","1"]]'), 6, sink); // newer than the snapshot, older than the last diff
    expect(a.health()[0]).toMatchObject({ state: 'resyncing', gaps: 1, resyncs: 1, reason: 'diff out of order: 250 < 300' });
    expect(d.snapshots).toHaveLength(2);
    a.parse(diff(400, '[["96","1"]]'), 7, sink);
    expect(d.events).toHaveLength(1);
    a.onSnapshot('ETH-USD', '{"microtimestamp":"350","bids":[["99","1"]],"asks":[["100","2"]]}', 8, sink);
    expect(a.health()[0]!.state).toBe('live');
    expect(d.events[1]).toMatchObject({ kind: 'snapshot', bids: [[99, 1], [96, 1]] });
    a.parse(diff(500, '[["100.5","1"]]'), 9, sink);
    expect(a.health()[0]).toMatchObject({ state: 'resyncing', resyncs: 2, reason: 'crossed book: bid 100.5 ≥ ask 100' });
    expect(d.crossed).toBe(0);
  });
});

describe.skipIf(!hasData())(`BitstampAdapter on ${WS} + ${HTTP} ${hasData() ? '' : NO_DATA}`, () => {
  it('reads the CF-REST capture as ten order-book responses with their URLs', () => {
    const rest = recording(HTTP);
    expect(rest.every((r) => r.kind === 'rest')).toBe(true);
    expect(rest.map((r) => r.url)).toEqual(symbols().map((s) => `https://www.bitstamp.net/api/v2/order_book/${s.replace('-', '').toLowerCase()}`));
    expect(rest[0]).toMatchObject({ t: 1641343696241.0529, line: 1 });
    expect(rest[0]!.frame).toMatch(/^\{"timestamp": "1641343695", "microtimestamp": "1641343695572693", "bids": \[\["0\.14695"/);
  });

  it('normalizes every frame without an error, drops the 102 diffs the snapshots cover, never crosses', () => {
    const a = new BitstampAdapter(symbols());
    const d = drive(a, records());
    expect(d.errors).toEqual([]);
    expect(d.crossed).toBe(0);
    expect(d.snapshots.map((s) => s.path)).toEqual(symbols().map((s) => `/api/v2/order_book/${s.replace('-', '').toLowerCase()}/`));
    const count = (k: string) => d.events.filter((e) => (e.type === 'book' ? `book:${e.kind}` : e.type) === k).length;
    // 717 recorded diffs: 102 at or before their pair's snapshot, 615 after it.
    expect([count('book:snapshot'), count('book:delta'), count('trade')]).toEqual([10, 615, 10]);
    expect(a.health().every((h) => h.state === 'live' && h.gaps === 0 && h.resyncs === 0)).toBe(true);
  });

  it('built without symbols, tracks every pair in the stream with the same result', () => {
    const known = drive(new BitstampAdapter(symbols()), records());
    const open = new BitstampAdapter([]);
    const d = drive(open, records());
    expect(d.errors).toEqual([]);
    expect(d.events).toEqual(known.events);
    expect(open.health().map((h) => h.symbol).sort()).toEqual([...symbols()].sort());
  });

  it('gives the first trade and the book top after the snapshot exactly', () => {
    const d = drive(new BitstampAdapter(symbols()), records());
    expect(d.events.find((e) => e.type === 'trade')).toEqual({
      type: 'trade', exchange: 'bitstamp', symbol: 'ETH-USD', id: '216000477', price: 3805.44, amount: 0.0792, side: 'buy',
      ts: 1641343699596, recvTs: 1641343699529.292,
    });
    const snap = d.events.find((e) => e.type === 'book' && e.kind === 'snapshot' && e.symbol === 'SGB-EUR');
    if (snap?.type !== 'book') throw new Error('no SGB-EUR snapshot');
    expect([snap.bids.length, snap.asks.length, snap.bids[0], snap.asks[0], snap.ts]).toEqual([82, 436, [0.14695, 4567.41344936], [0.14844, 4617.85577487], 1641343695572.693]);
  });

  it('detects a stale diff injected into the replay, resyncs from a new snapshot and is live again', () => {
    const recs = records();
    const diffs = recs.filter((r) => r.frame.includes('"channel":"diff_order_book_ethusd"') && r.frame.includes('"event":"data"'));
    const late = diffs[diffs.length - 1]!;
    const earlier = diffs[diffs.length - 3]!;
    // The venue re-sends an old diff after a newer one: out of order.
    const at = recs.indexOf(late);
    const injected = [...recs.slice(0, at + 1), { ...earlier, t: late.t }, ...recs.slice(at + 1)];
    const a = new BitstampAdapter(symbols());
    const d = drive(a, injected);
    expect(d.errors.map((e) => e.symbol)).toEqual(['ETH-USD']);
    expect(d.errors[0]!.message).toMatch(/out of order/);
    // The resync asked for (and, in this replay, got) a new snapshot; the book is live again.
    expect(d.snapshots.filter((s) => s.symbol === 'ETH-USD')).toHaveLength(2);
    expect(a.health().find((h) => h.symbol === 'ETH-USD')).toMatchObject({ state: 'live', gaps: 1, resyncs: 1 });
  });

  it('reads the pair list of BITSTAMP.0 with tick and lot sizes', () => {
    const list = bitstampInstruments(restBody('cryptofeed/BITSTAMP.0'));
    expect(list.find((i) => i.venueSymbol === 'btcusd')).toEqual({
      exchange: 'bitstamp', symbol: 'BTC-USD', venueSymbol: 'btcusd', kind: 'spot', base: 'BTC', quote: 'USD', tickSize: 0.01, lotSize: 1e-8, contractSize: 1,
    });
    for (const s of symbols()) expect(list.some((i) => i.symbol === s)).toBe(true);
  });
});
