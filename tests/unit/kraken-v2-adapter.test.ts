import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../shared/market/book';
import { KrakenChecksum, krakenDigest } from '../../shared/market/checksums';
import { KrakenV2Adapter, krakenV2Ms } from '../../worker/ingest/kraken-v2';
import { feed, krakenV2, newRun, sinkInto } from './adapter-harness';
import { hasData, NO_DATA } from './recordings';

const PAIRS = ['BTC-CHF', 'XMR-USD', 'ETH-CHF', 'ADA-BTC', 'WAVES-EUR', 'KSM-BTC', 'GRT-ETH', 'SC-EUR', 'OMG-USD', 'OCEAN-BTC'];

describe('KrakenV2Adapter', () => {
  it('subscribes book, trade and ticker on /v2 with v2 symbols', () => {
    const a = new KrakenV2Adapter(['BTC-USD'], 10);
    expect(a.url('wss://ws.kraken.com')).toBe('wss://ws.kraken.com/v2');
    expect(a.subscribeMessages()).toEqual([
      '{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10,"snapshot":true}}',
      '{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"],"snapshot":false}}',
      '{"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USD"]}}',
    ]);
    expect(a.heartbeat.frame).toBe('{"method":"ping"}');
  });

  it('reads timestamps as Date.parse does, for the shape Kraken sends and any mutation of it', () => {
    expect(krakenV2Ms('2021-04-17T16:48:53.999999Z')).toBe(1618678133999);
    expect(krakenV2Ms('2021-04-17T24:00:00.000000Z')).toBe(Date.parse('2021-04-17T24:00:00.000000Z'));
    expect(krakenV2Ms('2021-04-17T16:60:53.162950Z')).toBeNaN();
    const base = '2021-04-17T16:48:53.162950Z';
    let fast = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.constantFrom(...'0123456789-:.TZ +/x')), { minLength: 1, maxLength: 3 }), (edits) => {
        const t = base.split('');
        for (const [at, c] of edits) t[at] = c;
        const s = t.join('');
        if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(s)) fast++;
        expect(krakenV2Ms(s)).toStrictEqual(Date.parse(s));
      }),
      { numRuns: 20_000, seed: 3 },
    );
    // A fifth of the mutations keep the shape (a digit for a digit): the fast path was compared, not only the fallback.
    expect(fast).toBeGreaterThan(2_000);
  });

  it('checksums the wire text of the numbers (trailing zeros kept), and a mismatch resubscribes', () => {
    const ref = new OrderBook(krakenDigest);
    ref.asks.set(101.5, 1.5, '101.50', '1.50000000');
    ref.bids.set(100, 2, '100.00', '2.00000000');
    const sum = new KrakenChecksum().of(ref);
    const a = new KrakenV2Adapter(['BTC-USD'], 10);
    const run = newRun();
    a.parse(`{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[{"price":100.00,"qty":2.00000000}],"asks":[{"price":101.50,"qty":1.50000000}],"checksum":${sum}}]}`, 1, sinkInto(run));
    expect(a.health()[0]).toMatchObject({ state: 'live', checksumOk: 1 });
    a.parse(`{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":100.50,"qty":1.00000000}],"asks":[],"checksum":${sum},"timestamp":"2023-10-06T17:35:55.440295Z"}]}`, 2, sinkInto(run));
    expect(a.health()[0]).toMatchObject({ state: 'resyncing', checksumFailed: 1, resyncs: 1 });
    expect(run.sent).toEqual([
      '{"method":"unsubscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10}}',
      '{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10,"snapshot":true}}',
    ]);
    expect(run.events).toHaveLength(1);
  });
});

describe.skipIf(!hasData())(`KrakenV2Adapter on the real recordings converted to v2 ${hasData() ? '' : NO_DATA}`, () => {
  it('verifies all 4,279 checksums (10 snapshots + 4,269 updates) with no error', () => {
    const a = new KrakenV2Adapter(PAIRS);
    const run = feed(a, krakenV2());
    expect(run.errors).toEqual([]);
    expect(run.sent).toEqual([]);
    expect(a.health().reduce((n, h) => n + h.checksumOk, 0)).toBe(4279);
    expect(a.health().every((h) => h.state === 'live' && h.resyncs === 0)).toBe(true);
    const trade = run.events.find((e) => e.type === 'trade');
    expect(trade).toEqual({
      type: 'trade', exchange: 'kraken', symbol: 'XMR-USD', id: '1', price: 354.11, amount: 0.89594024, side: 'sell', ts: 1618678142557, recvTs: 1618678142592.855,
    });
    const bbo = run.events.find((e) => e.type === 'bbo');
    expect(bbo).toMatchObject({ symbol: 'WAVES-EUR', bid: 13.2329, bidSize: 185.18432037, ask: 13.2539, askSize: 35.72892241 });
  });
});
