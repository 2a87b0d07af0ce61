import { describe, expect, it } from 'vitest';
import { bitmexCanonical, bitmexInstruments, bitmexSymbol, BitmexAdapter } from '../../worker/ingest/bitmex';
import { drive, driven, sinkOf } from './drive';
import { configuredSymbols, hasData, NO_DATA, recording, restBody } from './recordings';

const WS = 'cryptofeed/BITMEX.ws.1.0';
/** cryptofeed names the dated futures by month code (XRP-BTC-21U24); canonical is YYMMDD. */
const symbols = () => configuredSymbols('cryptofeed/BITMEX.0').map((s) => s.replace('-21U24', '-210924'));

describe('BitmexAdapter', () => {
  it('maps canonical symbols to BitMEX names', () => {
    expect(['BTC-USD-PERP', 'UNI-USDT-PERP', 'XRP-BTC-210924', 'BTC-USD-210924', 'ETH-USD-250926', 'BTC-USDT'].map(bitmexSymbol)).toEqual([
      'XBTUSD', 'UNIUSDT', 'XRPU21', 'XBTU21', 'ETHUSDU25', 'XBT_USDT',
    ]);
    // Without the instrument list, names map back, dated futures expiring on the month's last Friday.
    expect(['XBTUSD', 'UNIUSDT', 'XRPU21', 'XBTU21', 'XBTZ25', 'ETHUSDZ25', 'XBTUSDTH26', 'XBT_USDT', 'XBTEUR'].map(bitmexCanonical)).toEqual([
      'BTC-USD-PERP', 'UNI-USDT-PERP', 'XRP-BTC-210924', 'BTC-USD-210924', 'BTC-USD-251226', 'ETH-USD-251226', 'BTC-USDT-260327', 'BTC-USDT', 'BTC-EUR-PERP',
    ]);
    expect(new BitmexAdapter(['BTC-USD-PERP']).subscribeMessages()).toEqual([
      '{"op":"subscribe","args":["orderBookL2:XBTUSD","quote:XBTUSD","trade:XBTUSD","instrument:XBTUSD","funding:XBTUSD","liquidation:XBTUSD"]}',
    ]);
  });

  it('reads current-API rows (price and timestamp on every row), funding, mark and liquidations', () => {
    const a = new BitmexAdapter(['BTC-USD-PERP']);
    const d = driven();
    const sink = sinkOf(d);
    const book = (action: string, rows: string) => a.parse(`{"table":"orderBookL2","action":"${action}","data":[${rows}]}`, 9, sink);
    a.parse('{"table":"orderBookL2","action":"partial","filter":{"symbol":"XBTUSD"},"data":[{"symbol":"XBTUSD","id":1,"side":"Sell","size":5,"price":101,"timestamp":"2025-01-01T00:00:00.000Z"},{"symbol":"XBTUSD","id":2,"side":"Buy","size":7,"price":100,"timestamp":"2025-01-01T00:00:00.000Z"}]}', 9, sink);
    book('update', '{"symbol":"XBTUSD","id":2,"side":"Buy","size":8,"price":100,"timestamp":"2025-01-01T00:00:01.000Z"}');
    book('delete', '{"symbol":"XBTUSD","id":1,"side":"Sell","price":101,"timestamp":"2025-01-01T00:00:02.000Z"}');
    book('insert', '{"symbol":"XBTUSD","id":3,"side":"Sell","size":1,"price":102,"timestamp":"2025-01-01T00:00:03.000Z"}');
    a.parse('{"table":"instrument","action":"update","data":[{"symbol":"XBTUSD","markPrice":100.5,"indicativeSettlePrice":100.4,"fundingRate":0.0001,"fundingTimestamp":"2025-01-01T04:00:00.000Z","timestamp":"2025-01-01T00:00:04.000Z"}]}', 9, sink);
    a.parse('{"table":"liquidation","action":"insert","data":[{"orderID":"x","symbol":"XBTUSD","side":"Sell","price":99,"leavesQty":300}]}', 9, sink);
    expect(d.errors).toEqual([]);
    expect(d.events.slice(1)).toEqual([
      { type: 'book', kind: 'delta', exchange: 'bitmex', symbol: 'BTC-USD-PERP', bids: [[100, 8]], asks: [], ts: 1735689601000, recvTs: 9 },
      { type: 'book', kind: 'delta', exchange: 'bitmex', symbol: 'BTC-USD-PERP', bids: [], asks: [[101, 0]], ts: 1735689602000, recvTs: 9 },
      { type: 'book', kind: 'delta', exchange: 'bitmex', symbol: 'BTC-USD-PERP', bids: [], asks: [[102, 1]], ts: 1735689603000, recvTs: 9 },
      { type: 'mark', exchange: 'bitmex', symbol: 'BTC-USD-PERP', markPrice: 100.5, indexPrice: 100.4, ts: 1735689604000, recvTs: 9 },
      { type: 'funding', exchange: 'bitmex', symbol: 'BTC-USD-PERP', rate: 0.0001, nextFundingTs: 1735704000000, ts: 1735689604000, recvTs: 9 },
      { type: 'liquidation', exchange: 'bitmex', symbol: 'BTC-USD-PERP', side: 'sell', price: 99, amount: 300, ts: 9, recvTs: 9 },
    ]);
    const b = d.books.get('BTC-USD-PERP')!;
    expect([b.bids.bestPrice, b.bids.bestSize, b.asks.bestPrice, b.asks.bestSize]).toEqual([100, 8, 102, 1]);
  });
});

describe.skipIf(!hasData())(`BitmexAdapter on ${WS} ${hasData() ? '' : NO_DATA}`, () => {
  it('normalizes every frame without an error and never crosses a book', () => {
    const a = new BitmexAdapter(symbols());
    const d = drive(a, recording(WS));
    expect(d.errors).toEqual([]);
    expect(d.crossed).toBe(0);
    const count = (k: string) => d.events.filter((e) => (e.type === 'book' ? `book:${e.kind}` : e.type) === k).length;
    // 1,969 book frames after the partials (445 insert, 1,090 update, 434 delete); trades only from inserts (17 rows in 7 frames).
    expect([count('book:snapshot'), count('book:delta'), count('trade'), count('bbo')]).toEqual([10, 1_969, 17, 436]);
    expect(a.health().every((h) => h.state === 'live' && h.resyncs === 0)).toBe(true);
  });

  it('built without symbols, tracks every contract in the stream with the same result', () => {
    const known = drive(new BitmexAdapter(symbols()), recording(WS));
    const open = new BitmexAdapter([]);
    const d = drive(open, recording(WS));
    expect(d.errors).toEqual([]);
    expect(d.events).toEqual(known.events);
    expect(open.health().map((h) => h.symbol).sort()).toEqual([...symbols()].sort());
  });

  it('gives the first trade and the first partial top exactly', () => {
    const d = drive(new BitmexAdapter(symbols()), recording(WS));
    expect(d.events.find((e) => e.type === 'trade')).toEqual({
      type: 'trade', exchange: 'bitmex', symbol: 'UNI-USDT-PERP', id: '39744121-c20e-44ba-8cc8-a6b8cdf72885', price: 17.297, amount: 52, side: 'buy',
      ts: 1626993370014, recvTs: 1626993370146.107,
    });
    const snap = d.events.find((e) => e.type === 'book' && e.kind === 'snapshot');
    if (snap?.type !== 'book') throw new Error('no partial');
    // The XRPU21 quote partial says bid 0.00001814 × 15, ask 0.00001819 × 1703.
    expect([snap.symbol, snap.bids.length, snap.asks.length, snap.bids[0], snap.asks[0]]).toEqual(['XRP-BTC-210924', 116, 92, [0.00001814, 15], [0.00001819, 1703]]);
  });

  it('detects an unknown level id, resubscribes orderBookL2 and is live again on the new partial', () => {
    const recs = recording(WS);
    const firstInsert = recs.find((r) => r.frame.startsWith('{"table":"orderBookL2","action":"insert"') && r.frame.includes('"XBTUSD"'))!;
    const row = JSON.parse(firstInsert.frame).data[0] as { id: number };
    // Drop the insert: the later update or delete of that id names a level the book does not hold.
    const user = recs.find((r) => r.line > firstInsert.line && r.frame.includes(`"id":${row.id},`) && /"action":"(update|delete)"/.test(r.frame));
    expect(user).toBeDefined();
    const a = new BitmexAdapter(symbols());
    const d = drive(a, recs.filter((r) => r !== firstInsert));
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]).toEqual({ message: expect.stringMatching(new RegExp(`(update|delete) of unknown level id ${row.id}`)), symbol: 'BTC-USD-PERP' });
    expect(d.sent).toEqual(['{"op":"unsubscribe","args":["orderBookL2:XBTUSD"]}', '{"op":"subscribe","args":["orderBookL2:XBTUSD"]}']);
    expect(a.health().find((h) => h.symbol === 'BTC-USD-PERP')).toMatchObject({ state: 'resyncing', resyncs: 1 });
    const partial = recs.find((r) => r.frame.includes('"action":"partial"') && r.frame.includes('"filter":{"symbol":"XBTUSD"}') && r.frame.startsWith('{"table":"orderBookL2"'))!;
    a.parse(partial.frame, 0, sinkOf(d));
    expect(a.health().find((h) => h.symbol === 'BTC-USD-PERP')!.state).toBe('live');
  });

  it('reads the instrument list of BITMEX.0: canonical symbols, tick, lot and contract sizes', () => {
    const list = bitmexInstruments(restBody('cryptofeed/BITMEX.0'));
    const by = (v: string) => list.find((i) => i.venueSymbol === v);
    expect(by('XBTUSD')).toEqual({
      exchange: 'bitmex', symbol: 'BTC-USD-PERP', venueSymbol: 'XBTUSD', kind: 'perpetual', base: 'BTC', quote: 'USD', tickSize: 0.5, lotSize: 100, contractSize: 1, contractValue: 'inverse',
    });
    expect(by('XRPU21')).toEqual({
      exchange: 'bitmex', symbol: 'XRP-BTC-210924', venueSymbol: 'XRPU21', kind: 'future', base: 'XRP', quote: 'BTC', tickSize: 1e-8, lotSize: 1, contractSize: 1, expiry: Date.UTC(2021, 8, 24, 12),
    });
    expect(by('UNIUSDT')).toMatchObject({ symbol: 'UNI-USDT-PERP', contractValue: 'quanto', tickSize: 0.001 });
    for (const s of symbols()) expect(list.some((i) => i.symbol === s)).toBe(true);
    // The list is the authority for names: the adapter takes it.
    expect(new BitmexAdapter(['XRP-BTC-210924'], list).subscribeMessages()[0]).toContain('"orderBookL2:XRPU21"');
  });
});
