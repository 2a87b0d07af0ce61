import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../shared/market/crc32';
import { DATA_DIR } from '../../tools/paths';
import { KrakenAdapter } from '../../worker/ingest/kraken';
import { krakenCanonical, krakenV1Pair, parseKrakenInstruments } from '../../shared/market/kraken-symbols';
import { feed, merged, restBodies } from './adapter-harness';
import { hasData, NO_DATA, recording } from './recordings';

const PAIRS = ['BTC-CHF', 'XMR-USD', 'ETH-CHF', 'ADA-BTC', 'WAVES-EUR', 'KSM-BTC', 'GRT-ETH', 'SC-EUR', 'OMG-USD', 'OCEAN-BTC'];
const BOOK = 'cryptofeed/KRAKEN.ws.50.0';

describe('KrakenAdapter', () => {
  it('CRC-32 is the zlib one', () => {
    expect(crc32('123456789') >>> 0).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
  });

  it('maps Kraken pair names both ways and subscribes book, trade and ticker in one message each', () => {
    expect(krakenCanonical('XBT/CHF')).toBe('BTC-CHF');
    expect(krakenCanonical('XDG/USD')).toBe('DOGE-USD');
    expect(krakenV1Pair('BTC-CHF')).toBe('XBT/CHF');
    const a = new KrakenAdapter(['BTC-USD', 'ETH-EUR'], 100);
    expect(a.url('wss://ws.kraken.com/')).toBe('wss://ws.kraken.com');
    expect(a.subscribeMessages()).toEqual([
      '{"event":"subscribe","pair":["XBT/USD","ETH/EUR"],"subscription":{"name":"book","depth":100}}',
      '{"event":"subscribe","pair":["XBT/USD","ETH/EUR"],"subscription":{"name":"trade"}}',
      '{"event":"subscribe","pair":["XBT/USD","ETH/EUR"],"subscription":{"name":"ticker"}}',
    ]);
    expect(a.heartbeat.frame).toBe('{"event":"ping"}');
    expect(() => new KrakenAdapter(['BTC-USD'], 7)).toThrow(/depth 7/);
  });

  it('reports malformed frames and never throws', () => {
    const errors: string[] = [];
    const a = new KrakenAdapter(['BTC-USD']);
    for (const f of ['[1,{"a":[["x","1","1"]]},"book-10","XBT/USD"]', '{"event":"error","errorMessage":"nope"}', '[1,[["1","2","3","q"]],"trade","XBT/USD"]', 'oops', '[]', 'null']) {
      a.parse(f, 1, { event: () => {}, error: (m) => errors.push(m), send: () => {}, snapshot: () => {} });
    }
    expect(errors).toHaveLength(5); // the book update before any snapshot is ignored, not an error
    expect(errors[0]).toBe('kraken: nope');
  });
});

describe.skipIf(!hasData())(`KrakenAdapter on the real v1 recordings ${hasData() ? '' : NO_DATA}`, () => {
  it('verifies the checksum of every one of the 4,269 book updates in KRAKEN.ws.50.0, with no error and no resync', () => {
    const frames = recording(BOOK);
    const withChecksum = frames.filter((r) => r.frame.includes('"c":"')).length;
    expect(withChecksum).toBe(4269);
    const a = new KrakenAdapter(PAIRS);
    const run = feed(a, frames);
    expect(run.errors).toEqual([]);
    expect(run.sent).toEqual([]);
    const h = a.health();
    expect(h.reduce((n, x) => n + x.checksumOk, 0)).toBe(4269);
    expect(h.every((x) => x.state === 'live' && x.checksumFailed === 0 && x.resyncs === 0)).toBe(true);
    expect(Object.fromEntries(h.map((x) => [x.symbol, x.checksumOk]))).toEqual({
      'BTC-CHF': 289, 'XMR-USD': 846, 'ETH-CHF': 317, 'ADA-BTC': 347, 'WAVES-EUR': 576,
      'KSM-BTC': 335, 'GRT-ETH': 20, 'SC-EUR': 818, 'OMG-USD': 573, 'OCEAN-BTC': 148,
    });
    expect(run.events.filter((e) => e.type === 'book' && e.kind === 'snapshot')).toHaveLength(10);
    expect(run.events.filter((e) => e.type === 'book')).toHaveLength(10 + 4269);
  });

  it('normalizes the three sockets together: first trade, first quote, first book top exactly', () => {
    const run = feed(new KrakenAdapter(PAIRS), merged('cryptofeed/KRAKEN.ws.48.0', 'cryptofeed/KRAKEN.ws.49.0', BOOK));
    expect(run.errors).toEqual([]);
    expect(run.events.find((e) => e.type === 'trade')).toEqual({
      type: 'trade', exchange: 'kraken', symbol: 'XMR-USD', id: '1618678142.557535-0', price: 354.11, amount: 0.89594024,
      side: 'sell', ts: 1618678142558, recvTs: 1618678142592.855,
    });
    expect(run.events.find((e) => e.type === 'bbo')).toEqual({
      type: 'bbo', exchange: 'kraken', symbol: 'WAVES-EUR', bid: 13.2329, bidSize: 185.18432037, ask: 13.2539, askSize: 35.72892241,
      ts: 1618678132949.65, recvTs: 1618678132949.65,
    });
    const snap = run.events.find((e) => e.type === 'book');
    expect(snap).toMatchObject({ kind: 'snapshot', symbol: 'ADA-BTC' });
    if (snap?.type !== 'book') throw new Error('no book');
    expect([snap.bids[0], snap.asks[0]]).toEqual([[0.00002289, 31.75709827], [0.0000229, 13355.87450757]]);
    const counts = { trade: 0, bbo: 0, book: 0 } as Record<string, number>;
    for (const e of run.events) counts[e.type]!++;
    // 10 trades in 8 trade frames, 18 ticker frames, 10 snapshots + 4,269 updates.
    expect(counts).toEqual({ trade: 10, bbo: 18, book: 4279 });
  });

  it('parses the recorded AssetPairs response into instruments with tick and lot sizes', () => {
    const [res] = restBodies('cryptofeed/KRAKEN.0');
    const list = parseKrakenInstruments(res!.body);
    const btcChf = list.find((i) => i.symbol === 'BTC-CHF');
    expect(btcChf).toEqual({
      exchange: 'kraken', symbol: 'BTC-CHF', venueSymbol: 'XBT/CHF', kind: 'spot', base: 'BTC', quote: 'CHF',
      tickSize: btcChf!.tickSize, lotSize: 1e-8, contractSize: 1,
    });
    expect(list.every((i) => i.tickSize > 0 && i.lotSize > 0)).toBe(true);
    expect(PAIRS.every((p) => list.some((i) => i.symbol === p))).toBe(true);
    expect(readFileSync(join(DATA_DIR, 'cryptofeed/KRAKEN.0'), 'utf8')).toContain('"XBTCHF"');
  });
});
