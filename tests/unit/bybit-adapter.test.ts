import { describe, expect, it } from 'vitest';
import { BybitAdapter, parseBybitInstruments } from '../../worker/ingest/bybit';
import { BYBIT_PERPS, bybitV5, feed, newRun, restBodies, sinkInto } from './adapter-harness';
import { hasData, NO_DATA } from './recordings';

const book = (type: string, u: number, b: string[][], a: string[][]) =>
  JSON.stringify({ topic: 'orderbook.50.BTCUSDT', type, ts: 1672304484978, data: { s: 'BTCUSDT', b, a, u, seq: 7961638724 }, cts: 1672304484976 });

describe('BybitAdapter', () => {
  it('serves one category per connection with v5 topics, at most 10 args a request', () => {
    const linear = new BybitAdapter(['BTC-USDT-PERP', 'ETH-USDT-PERP', 'SOL-USDT-PERP']);
    expect(linear.category).toBe('linear');
    expect(linear.url('wss://stream.bybit.com')).toBe('wss://stream.bybit.com/v5/public/linear');
    expect(linear.subscribeMessages().map((m) => JSON.parse(m) as { args: string[] })).toEqual([
      { op: 'subscribe', args: ['orderbook.50.BTCUSDT', 'publicTrade.BTCUSDT', 'tickers.BTCUSDT', 'allLiquidation.BTCUSDT', 'orderbook.50.ETHUSDT', 'publicTrade.ETHUSDT', 'tickers.ETHUSDT', 'allLiquidation.ETHUSDT', 'orderbook.50.SOLUSDT', 'publicTrade.SOLUSDT'] },
      { op: 'subscribe', args: ['tickers.SOLUSDT', 'allLiquidation.SOLUSDT'] },
    ]);
    const spot = new BybitAdapter(['BTC-USDT']);
    expect(spot.url('wss://stream.bybit.com/')).toBe('wss://stream.bybit.com/v5/public/spot');
    expect(spot.subscribeMessages()).toEqual(['{"op":"subscribe","args":["orderbook.50.BTCUSDT","publicTrade.BTCUSDT","tickers.BTCUSDT"]}']);
    expect(spot.heartbeat.frame).toBe('{"op":"ping"}');
    expect(() => new BybitAdapter(['BTC-USDT', 'BTC-USDT-PERP'])).toThrow(/one category/);
  });

  it('a snapshot resets the book, u = 1 restarts it, a broken u chain is a gap that resubscribes', () => {
    const a = new BybitAdapter(['BTC-USDT']);
    const run = newRun();
    const s = sinkInto(run);
    a.parse(book('snapshot', 100, [['16493.50', '0.006'], ['16493.00', '0.100']], [['16611.00', '0.029'], ['16612.00', '0.213']]), 1, s);
    a.parse(book('delta', 101, [['16493.50', '0']], [['16611.00', '0.5']]), 2, s);
    a.parse(book('delta', 103, [], [['16612.00', '0']]), 3, s);
    expect(a.health()[0]).toMatchObject({ state: 'resyncing', gaps: 1, resyncs: 1, reason: 'bybit: update id 103 does not follow 101' });
    expect(run.sent).toEqual(['{"op":"unsubscribe","args":["orderbook.50.BTCUSDT"]}', '{"op":"subscribe","args":["orderbook.50.BTCUSDT"]}']);
    a.parse(book('delta', 1, [['16000.00', '1']], [['16001.00', '2']]), 4, s); // service restart: a fresh book
    expect(a.health()[0]).toMatchObject({ state: 'live', gaps: 1 });
    a.parse(book('delta', 2, [['16000.50', '1']], []), 5, s);
    a.parse(book('delta', 3, [['16002.00', '1']], []), 6, s); // crosses 16001
    expect(a.health()[0]).toMatchObject({ state: 'resyncing', resyncs: 2, reason: 'bybit: crossed book 16002 ≥ 16001' });
    expect(run.events.map((e) => (e.type === 'book' ? `${e.kind}:${e.seq}:${e.bids.length}:${e.asks.length}` : e.type))).toEqual([
      'snapshot:100:2:2', 'delta:101:1:1', 'snapshot:1:1:1', 'delta:2:1:0',
    ]);
  });

  it('merges linear ticker deltas: bbo when quotes change, mark and funding when they do, liquidations on the closing side', () => {
    const a = new BybitAdapter(['BTC-USDT-PERP']);
    const run = newRun();
    const s = sinkInto(run);
    a.parse('{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","tickDirection":"PlusTick","lastPrice":"17216.00","markPrice":"17217.33","indexPrice":"17227.36","fundingRate":"-0.000212","nextFundingTime":"1673280000000","bid1Price":"17215.50","bid1Size":"84.489","ask1Price":"17216.00","ask1Size":"83.020"},"cs":24987956059,"ts":1673272861686}', 1, s);
    a.parse('{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"17215.00"},"cs":24987956060,"ts":1673272861700}', 2, s);
    a.parse('{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","markPrice":"17218.00"},"cs":24987956061,"ts":1673272861800}', 3, s);
    a.parse('{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1739502303204,"data":[{"T":1739502302929,"s":"BTCUSDT","S":"Buy","v":"0.2","p":"97000.5"}]}', 4, s);
    a.parse('{"success":true,"ret_msg":"pong","conn_id":"x","op":"ping"}', 5, s);
    expect(run.errors).toEqual([]);
    // A refused request is the venue's error (its scanned `success` field is read as JSON.parse reads it).
    a.parse('{"success":false,"ret_msg":"error:handler not found","conn_id":"x","op":"subscribe"}', 6, s);
    expect(run.errors.map((e) => e.message)).toEqual(['bybit: subscribe refused: error:handler not found']);
    run.errors.length = 0;
    expect(run.events).toEqual([
      { type: 'bbo', exchange: 'bybit', symbol: 'BTC-USDT-PERP', bid: 17215.5, bidSize: 84.489, ask: 17216, askSize: 83.02, ts: 1673272861686, recvTs: 1 },
      { type: 'mark', exchange: 'bybit', symbol: 'BTC-USDT-PERP', markPrice: 17217.33, indexPrice: 17227.36, ts: 1673272861686, recvTs: 1 },
      { type: 'funding', exchange: 'bybit', symbol: 'BTC-USDT-PERP', rate: -0.000212, nextFundingTs: 1673280000000, ts: 1673272861686, recvTs: 1 },
      { type: 'bbo', exchange: 'bybit', symbol: 'BTC-USDT-PERP', bid: 17215, bidSize: 84.489, ask: 17216, askSize: 83.02, ts: 1673272861700, recvTs: 2 },
      { type: 'mark', exchange: 'bybit', symbol: 'BTC-USDT-PERP', markPrice: 17218, indexPrice: 17227.36, ts: 1673272861800, recvTs: 3 },
      { type: 'liquidation', exchange: 'bybit', symbol: 'BTC-USDT-PERP', side: 'sell', price: 97000.5, amount: 0.2, ts: 1739502302929, recvTs: 4 },
    ]);
  });
});

describe.skipIf(!hasData())(`BybitAdapter on the real recording converted to v5 ${hasData() ? '' : NO_DATA}`, () => {
  it('keeps every book in sync (no gap, never crossed) over all 3,260 book frames', () => {
    const frames = bybitV5();
    expect(frames.filter((r) => r.frame.startsWith('{"topic":"orderbook.'))).toHaveLength(3260);
    const a = new BybitAdapter(BYBIT_PERPS);
    const run = feed(a, frames);
    expect(run.errors).toEqual([]);
    expect(run.sent).toEqual([]);
    expect(a.health().every((h) => h.state === 'live' && h.gaps === 0 && h.resyncs === 0)).toBe(true);
    const counts: Record<string, number> = {};
    for (const e of run.events) counts[e.type] = (counts[e.type] ?? 0) + 1;
    expect(counts).toEqual({ trade: 101, book: 3260 });
  });

  it('keeps the inverse perpetuals of BYBIT.ws.26.0 in sync too, on the v5 inverse category', () => {
    const a = new BybitAdapter(['BTC-USD-PERP', 'EOS-USD-PERP']);
    expect(a.category).toBe('inverse');
    expect(a.url('wss://stream.bybit.com')).toBe('wss://stream.bybit.com/v5/public/inverse');
    const frames = bybitV5('cryptofeed/BYBIT.ws.26.0');
    const run = feed(a, frames);
    expect(run.errors).toEqual([]);
    expect(a.health().map((h) => [h.symbol, h.state, h.gaps, h.resyncs])).toEqual([['BTC-USD-PERP', 'live', 0, 0], ['EOS-USD-PERP', 'live', 0, 0]]);
    expect(run.events.filter((e) => e.type === 'book')).toHaveLength(frames.filter((r) => r.frame.startsWith('{"topic":"orderbook.')).length);
    expect(run.events.find((e) => e.type === 'trade')).toMatchObject({ symbol: 'BTC-USD-PERP', price: 60621.5, amount: 4, side: 'sell', ts: 1618677786614 });
  });

  it('normalizes the first trade and first book top exactly', () => {
    const run = feed(new BybitAdapter(BYBIT_PERPS), bybitV5());
    expect(run.events.find((e) => e.type === 'trade')).toEqual({
      type: 'trade', exchange: 'bybit', symbol: 'BCH-USDT-PERP', id: '01cacfe9-8d1c-5ee4-995d-d79a43f955a6', price: 1053.9, amount: 0.14,
      side: 'buy', ts: 1618677785116, recvTs: 1618677786799.668,
    });
    const snap = run.events.find((e) => e.type === 'book');
    if (snap?.type !== 'book') throw new Error('no book');
    expect(snap).toMatchObject({ kind: 'snapshot', symbol: 'BCH-USDT-PERP', seq: 864131773, ts: 1618677786389 });
    expect([snap.bids[0], snap.asks[0]]).toEqual([[1054.35, 8.52], [1054.5, 30]]);
  });

  it('parses the recorded v2 symbol list into perpetuals with tick and lot sizes', () => {
    const [res] = restBodies('cryptofeed/BYBIT.0');
    const list = parseBybitInstruments(res!.body);
    expect(list.find((i) => i.venueSymbol === 'BCHUSDT')).toEqual({
      exchange: 'bybit', symbol: 'BCH-USDT-PERP', venueSymbol: 'BCHUSDT', kind: 'perpetual', base: 'BCH', quote: 'USDT', tickSize: 0.05, lotSize: 0.01, contractSize: 1,
    });
    expect(list.find((i) => i.venueSymbol === 'BTCUSD')).toMatchObject({ symbol: 'BTC-USD-PERP', tickSize: 0.5, lotSize: 1 });
  });

  it('parses a v5 instruments-info response (linear perpetual and dated future)', () => {
    const body = JSON.stringify({ retCode: 0, retMsg: 'OK', result: { category: 'linear', list: [
      { symbol: 'BTCUSDT', contractType: 'LinearPerpetual', status: 'Trading', baseCoin: 'BTC', quoteCoin: 'USDT', deliveryTime: '0', priceFilter: { tickSize: '0.10' }, lotSizeFilter: { qtyStep: '0.001' } },
      { symbol: 'BTC-26DEC25', contractType: 'LinearFutures', status: 'Trading', baseCoin: 'BTC', quoteCoin: 'USDC', deliveryTime: '1766736000000', priceFilter: { tickSize: '0.50' }, lotSizeFilter: { qtyStep: '0.001' } },
    ] } });
    expect(parseBybitInstruments(body).map((i) => [i.symbol, i.kind, i.tickSize, i.lotSize, i.expiry])).toEqual([
      ['BTC-USDT-PERP', 'perpetual', 0.1, 0.001, undefined],
      ['BTC-USDC-251226', 'future', 0.5, 0.001, 1766736000000],
    ]);
  });
});
