import { describe, expect, it } from 'vitest';
import { coinbaseInstruments, CoinbaseAdapter } from '../../worker/ingest/coinbase';
import { drive, driven, sinkOf } from './drive';
import { configuredSymbols, hasData, NO_DATA, recording, restBody } from './recordings';

const WS = 'cryptofeed/COINBASE.ws.28.0';

describe('CoinbaseAdapter', () => {
  it('subscribes on the current public channels and answers a level2 resync per product', () => {
    const a = new CoinbaseAdapter(['BTC-USD']);
    expect(a.url('wss://ws-feed.exchange.coinbase.com/')).toBe('wss://ws-feed.exchange.coinbase.com');
    expect(a.subscribeMessages()).toEqual(['{"type":"subscribe","product_ids":["BTC-USD"],"channels":["level2_batch","matches","ticker","heartbeat"]}']);
  });
});

describe.skipIf(!hasData())(`CoinbaseAdapter on ${WS} ${hasData() ? '' : NO_DATA}`, () => {
  const symbols = () => configuredSymbols('cryptofeed/COINBASE.0');
  const run = () => drive(new CoinbaseAdapter(symbols(), { level2: 'level2' }), recording(WS));

  it('normalizes every frame without an error, books never crossed, sequences hold', () => {
    const adapter = new CoinbaseAdapter(symbols(), { level2: 'level2' });
    const d = drive(adapter, recording(WS));
    expect(d.errors).toEqual([]);
    expect(d.crossed).toBe(0);
    const count = (k: string) => d.events.filter((e) => (e.type === 'book' ? `book:${e.kind}` : e.type) === k).length;
    expect([count('book:snapshot'), count('book:delta'), count('trade'), count('bbo')]).toEqual([10, 9_719, 97, 101]);
    expect(adapter.health().every((h) => h.state === 'live' && h.gaps === 0 && h.resyncs === 0)).toBe(true);
    expect(d.sent).toEqual([]);
  });

  it('built without symbols, tracks every product in the stream with the same result', () => {
    const known = run();
    const open = new CoinbaseAdapter([], { level2: 'level2' });
    const d = drive(open, recording(WS));
    expect(d.errors).toEqual([]);
    expect(d.events).toEqual(known.events);
    expect(open.health().map((h) => h.symbol).sort()).toEqual([...symbols()].sort());
  });

  it('gives the first trade and the first snapshot top exactly as the frames say', () => {
    const d = run();
    // Coinbase stamps microseconds ("2021-04-17T16:43:37.089723Z"); ts keeps them as a fraction of a ms.
    // {"type":"match","trade_id":280232,…,"side":"sell","size":"985","price":"0.00001305","product_id":"SKL-BTC",…}: a sell maker, so the taker bought.
    expect(d.events.find((e) => e.type === 'trade')).toMatchObject({
      symbol: 'SKL-BTC', id: '280232', price: 0.00001305, amount: 985, side: 'buy', ts: 1618677817089.723,
    });
    const snap = d.events.find((e) => e.type === 'book' && e.kind === 'snapshot');
    expect(snap).toMatchObject({ symbol: 'BAND-GBP', bids: expect.arrayContaining([[14.7693, 27.51]]) });
    if (snap?.type !== 'book') throw new Error('no snapshot');
    expect([snap.bids.length, snap.asks.length, snap.bids[0], snap.asks[0]]).toEqual([152, 166, [14.7693, 27.51], [14.8024, 12.77]]);
    const band = d.books.get('BAND-GBP')!;
    expect([band.bids.bestPrice, band.bids.bestSize, band.asks.bestPrice, band.asks.bestSize]).toEqual([14.7366, 27.57, 14.7664, 12]);
  });

  it('detects an injected trade id gap, resubscribes level2, and is live again on the new snapshot', () => {
    const frames = recording(WS);
    const matches = frames.filter((r) => r.frame.includes('"type":"match"') && r.frame.includes('"SKL-USD"'));
    const dropped = matches[3]!;
    const adapter = new CoinbaseAdapter(symbols(), { level2: 'level2' });
    const d = drive(adapter, frames.filter((r) => r !== dropped));
    const health = adapter.health().find((h) => h.symbol === 'SKL-USD')!;
    expect(d.errors.map((e) => e.symbol)).toEqual(['SKL-USD']);
    expect(d.errors[0]!.message).toMatch(/trade id gap/);
    expect([health.gaps, health.resyncs, health.state]).toEqual([1, 1, 'resyncing']);
    expect(d.sent).toEqual([
      '{"type":"unsubscribe","product_ids":["SKL-USD"],"channels":["level2"]}',
      '{"type":"subscribe","product_ids":["SKL-USD"],"channels":["level2"]}',
    ]);
    // No SKL-USD book event between the violation and a new snapshot.
    const after = d.events.slice(d.events.findIndex((e) => e.type === 'trade' && e.id === String(JSON.parse(matches[4]!.frame).trade_id)));
    expect(after.some((e) => e.type === 'book' && e.symbol === 'SKL-USD')).toBe(false);
    const snapshot = frames.find((r) => r.frame.startsWith('{"type":"snapshot","product_id":"SKL-USD"'))!;
    adapter.parse(snapshot.frame, 0, sinkOf(d));
    expect(adapter.health().find((h) => h.symbol === 'SKL-USD')!.state).toBe('live');
  });

  it('goes connecting → syncing → live, and flags a heartbeat ahead of the matches and a crossed book', () => {
    const adapter = new CoinbaseAdapter(['BTC-USD']);
    const d = driven();
    const sink = sinkOf(d);
    const states = [adapter.health()[0]!.state];
    adapter.subscribeMessages();
    states.push(adapter.health()[0]!.state);
    adapter.parse('{"type":"snapshot","product_id":"BTC-USD","bids":[["100","1"]],"asks":[["101","1"]]}', 1, sink);
    states.push(adapter.health()[0]!.state);
    expect(states).toEqual(['connecting', 'syncing', 'live']);
    adapter.parse('{"type":"match","trade_id":7,"side":"buy","size":"1","price":"100","product_id":"BTC-USD","sequence":10,"time":"2024-01-01T00:00:00Z"}', 2, sink);
    adapter.parse('{"type":"heartbeat","sequence":11,"last_trade_id":7,"product_id":"BTC-USD","time":"2024-01-01T00:00:01Z"}', 3, sink);
    expect(d.errors).toEqual([]);
    adapter.parse('{"type":"heartbeat","sequence":12,"last_trade_id":9,"product_id":"BTC-USD","time":"2024-01-01T00:00:02Z"}', 4, sink);
    expect(adapter.health()[0]).toMatchObject({ state: 'resyncing', gaps: 1, resyncs: 1 });
    adapter.parse('{"type":"snapshot","product_id":"BTC-USD","bids":[["100","1"]],"asks":[["101","1"]]}', 5, sink);
    adapter.parse('{"type":"l2update","product_id":"BTC-USD","changes":[["buy","102","1"]],"time":"2024-01-01T00:00:03Z"}', 6, sink);
    expect(adapter.health()[0]).toMatchObject({ state: 'resyncing', gaps: 1, resyncs: 2, reason: 'crossed book: bid 102 ≥ ask 101' });
    expect(d.crossed).toBe(0);
  });

  it('reads the instrument list of COINBASE.0 with tick and lot sizes', () => {
    const list = coinbaseInstruments(restBody('cryptofeed/COINBASE.0'));
    expect(list.find((i) => i.symbol === 'BTC-GBP')).toEqual({
      exchange: 'coinbase', symbol: 'BTC-GBP', venueSymbol: 'BTC-GBP', kind: 'spot', base: 'BTC', quote: 'GBP', tickSize: 0.01, lotSize: 1e-8, contractSize: 1,
    });
    for (const s of symbols()) expect(list.some((i) => i.symbol === s)).toBe(true);
  });
});
