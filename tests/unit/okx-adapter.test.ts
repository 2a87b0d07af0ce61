import { describe, expect, it } from 'vitest';
import { okxCanonical, okxInstId, OkxAdapter, parseOkxInstruments } from '../../worker/ingest/okx';
import { feed, newRun, restBodies, sinkInto } from './adapter-harness';
import { hasData, NO_DATA, recording } from './recordings';

const SYMBOLS = ['BTC-USDT', 'UNI-USD-PERP', 'BTC-USD-220527'];
const WS = 'cryptofeed/OKX.ws.1.0';

const bookFrame = (action: string, d: Record<string, unknown>) =>
  JSON.stringify({ arg: { channel: 'books', instId: 'BTC-USDT' }, action, data: [{ asks: [], bids: [], ts: '1', checksum: 0, ...d }] });

describe('OkxAdapter', () => {
  it('maps instrument ids and subscribes books, trades, tickers, and funding, mark and liquidations for swaps', () => {
    expect(okxCanonical('UNI-USD-SWAP')).toBe('UNI-USD-PERP');
    expect(okxInstId('UNI-USD-PERP')).toBe('UNI-USD-SWAP');
    expect(okxInstId('BTC-USD-220527')).toBe('BTC-USD-220527');
    const a = new OkxAdapter(['BTC-USDT', 'ETH-USDT-PERP']);
    expect(a.url('wss://ws.okx.com:8443')).toBe('wss://ws.okx.com:8443/ws/v5/public');
    expect(a.subscribeMessages()).toEqual([
      JSON.stringify({ op: 'subscribe', args: [
        { channel: 'books', instId: 'BTC-USDT' }, { channel: 'trades', instId: 'BTC-USDT' }, { channel: 'tickers', instId: 'BTC-USDT' },
        { channel: 'books', instId: 'ETH-USDT-SWAP' }, { channel: 'trades', instId: 'ETH-USDT-SWAP' }, { channel: 'tickers', instId: 'ETH-USDT-SWAP' },
        { channel: 'funding-rate', instId: 'ETH-USDT-SWAP' }, { channel: 'mark-price', instId: 'ETH-USDT-SWAP' },
        { channel: 'liquidation-orders', instType: 'SWAP' },
      ] }),
    ]);
    expect(a.heartbeat).toEqual({ intervalMs: 20_000, frame: 'ping' });
  });

  it('chains seqId/prevSeqId: a break is a gap, the book resubscribes and returns to live on the next snapshot', () => {
    const a = new OkxAdapter(['BTC-USDT']);
    const run = newRun();
    const sink = sinkInto(run);
    a.parse(bookFrame('snapshot', { asks: [['101', '1', '0', '1']], bids: [['100', '2', '0', '1']], seqId: 10, prevSeqId: -1 }), 1, sink);
    a.parse(bookFrame('update', { bids: [['100.5', '1', '0', '1']], seqId: 12, prevSeqId: 10 }), 2, sink);
    a.parse(bookFrame('update', { seqId: 12, prevSeqId: 12 }), 3, sink); // no change: seqId stays
    expect(a.health()[0]).toMatchObject({ state: 'live', gaps: 0 });
    a.parse(bookFrame('update', { bids: [['99', '1', '0', '1']], seqId: 15, prevSeqId: 13 }), 4, sink);
    expect(a.health()[0]).toMatchObject({ state: 'resyncing', gaps: 1, resyncs: 1, reason: 'okx: prevSeqId 13 ≠ last seqId 12' });
    expect(run.sent).toEqual([
      '{"op":"unsubscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}',
      '{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}',
    ]);
    a.parse(bookFrame('update', { seqId: 16, prevSeqId: 15 }), 5, sink); // ignored while resyncing
    a.parse(bookFrame('snapshot', { asks: [['101', '1', '0', '1']], bids: [['99', '2', '0', '1']], seqId: 20, prevSeqId: -1 }), 6, sink);
    expect(a.health()[0]).toMatchObject({ state: 'live', gaps: 1, resyncs: 1 });
    expect(run.events.map((e) => (e.type === 'book' ? `${e.kind}:${e.seq}` : e.type))).toEqual(['snapshot:10', 'delta:12', 'delta:12', 'snapshot:20']);
  });

  it('a crossed book is never published and is resynced', () => {
    const a = new OkxAdapter(['BTC-USDT']);
    const run = newRun();
    a.parse(bookFrame('snapshot', { asks: [['101', '1', '0', '1']], bids: [['100', '2', '0', '1']] }), 1, sinkInto(run));
    a.parse(bookFrame('update', { bids: [['102', '1', '0', '1']] }), 2, sinkInto(run));
    expect(run.events).toHaveLength(1);
    expect(a.health()[0]).toMatchObject({ state: 'resyncing', reason: 'okx: crossed book 102 ≥ 101' });
  });

  it('normalizes funding, mark and liquidations in the documented v5 shapes', () => {
    const a = new OkxAdapter(['BTC-USDT-PERP']);
    const run = newRun();
    const s = sinkInto(run);
    a.parse('{"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"fundingRate":"0.0001","fundingTime":"1700000000000","instId":"BTC-USDT-SWAP","instType":"SWAP","nextFundingRate":"","ts":"1699990000000"}]}', 5, s);
    a.parse('{"arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","instType":"SWAP","markPx":"42310.6","ts":"1699990000001"}]}', 5, s);
    a.parse('{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"details":[{"bkLoss":"0","bkPx":"42000.1","ccy":"","posSide":"long","side":"sell","sz":"3","ts":"1699990000002"}],"instFamily":"BTC-USDT","instId":"BTC-USDT-SWAP","instType":"SWAP","uly":"BTC-USDT"},{"details":[{"bkPx":"1","side":"buy","sz":"1","ts":"1"}],"instId":"ETH-USDT-SWAP"}]}', 5, s);
    a.parse('pong', 5, s);
    expect(run.errors).toEqual([]);
    expect(run.events).toEqual([
      { type: 'funding', exchange: 'okx', symbol: 'BTC-USDT-PERP', rate: 0.0001, nextFundingTs: 1700000000000, ts: 1699990000000, recvTs: 5 },
      { type: 'mark', exchange: 'okx', symbol: 'BTC-USDT-PERP', markPrice: 42310.6, ts: 1699990000001, recvTs: 5 },
      { type: 'liquidation', exchange: 'okx', symbol: 'BTC-USDT-PERP', side: 'sell', price: 42000.1, amount: 3, ts: 1699990000002, recvTs: 5 },
    ]);
  });
});

describe.skipIf(!hasData())(`OkxAdapter on the real v5 recording ${hasData() ? '' : NO_DATA}`, () => {
  it('verifies all 290 book checksums (3 snapshots, 287 updates) with no error and no resync', () => {
    const frames = recording(WS);
    expect(frames.filter((r) => /"checksum":-?[1-9]/.test(r.frame))).toHaveLength(290);
    const a = new OkxAdapter(SYMBOLS);
    const run = feed(a, frames);
    expect(run.errors).toEqual([]);
    expect(run.sent).toEqual([]);
    expect(a.health().map((h) => [h.symbol, h.state, h.checksumOk, h.checksumFailed, h.resyncs])).toEqual([
      ['BTC-USDT', 'live', 98, 0, 0],
      ['UNI-USD-PERP', 'live', 93, 0, 0],
      ['BTC-USD-220527', 'live', 99, 0, 0],
    ]);
  });

  it('normalizes the first trade, quote and book top exactly', () => {
    const run = feed(new OkxAdapter(SYMBOLS), recording(WS));
    expect(run.events.find((e) => e.type === 'trade')).toEqual({
      type: 'trade', exchange: 'okx', symbol: 'BTC-USD-220527', id: '7849', price: 30218.8, amount: 1, side: 'buy', ts: 1652459199958, recvTs: 1652459225507.0758,
    });
    expect(run.events.find((e) => e.type === 'bbo')).toEqual({
      type: 'bbo', exchange: 'okx', symbol: 'BTC-USD-220527', bid: 30210.4, bidSize: 4, ask: 30220.1, askSize: 3, ts: 1652459223003, recvTs: 1652459225506.6084,
    });
    const snap = run.events.find((e) => e.type === 'book');
    if (snap?.type !== 'book') throw new Error('no book');
    expect(snap).toMatchObject({ kind: 'snapshot', symbol: 'BTC-USD-220527' });
    expect([snap.bids[0], snap.asks[0]]).toEqual([[30233.6, 3], [30238.8, 2]]);
    const counts: Record<string, number> = {};
    for (const e of run.events) counts[e.type] = (counts[e.type] ?? 0) + 1;
    expect(counts).toEqual({ bbo: 28, trade: 74, book: 290 });
  });

  it('parses the recorded instrument lists: spot, swap (contract value) and dated future (expiry)', () => {
    const bodies = restBodies('cryptofeed/OKX.0').slice(0, 3);
    const list = bodies.flatMap((b) => parseOkxInstruments(b.body));
    expect(list.find((i) => i.symbol === 'BTC-USDT')).toEqual({
      exchange: 'okx', symbol: 'BTC-USDT', venueSymbol: 'BTC-USDT', kind: 'spot', base: 'BTC', quote: 'USDT', tickSize: 0.1, lotSize: 1e-8, contractSize: 1,
    });
    expect(list.find((i) => i.symbol === 'BTC-USD-220527')).toEqual({
      exchange: 'okx', symbol: 'BTC-USD-220527', venueSymbol: 'BTC-USD-220527', kind: 'future', base: 'BTC', quote: 'USD', tickSize: 0.1, lotSize: 1,
      contractSize: 100, contractValue: 'inverse', expiry: 1653638400000,
    });
    expect(list.find((i) => i.symbol === 'UNI-USD-PERP')).toMatchObject({ kind: 'perpetual', venueSymbol: 'UNI-USD-SWAP', base: 'UNI', quote: 'USD' });
  });
});
