import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../shared/market/types';
import { BinanceAdapter } from '../../worker/ingest/binance';
import { BinanceUsdmAdapter } from '../../worker/ingest/binance-usdm';
import { hasData, NO_DATA, recording, SPOT_0808, SPOT_0809 } from './recordings';

const collect = (frames: string[]) => {
  const adapter = new BinanceAdapter(['BTC-USDT']);
  const events: MarketEvent[] = [];
  const errors: string[] = [];
  const snapshots: string[] = [];
  const sink = { event: (e: MarketEvent) => events.push(e), error: (m: string) => errors.push(m), send: () => {}, snapshot: (s: string, p: string) => snapshots.push(`${s} ${p}`) };
  for (const f of frames) adapter.parse(f, 1_000, sink);
  return { events, errors, snapshots, adapter };
};

describe('BinanceAdapter', () => {
  it('builds the combined-stream URL for canonical symbols', () => {
    expect(new BinanceAdapter(['BTC-USDT', 'ETH-USDT']).url('wss://stream.binance.com:9443/')).toBe(
      'wss://stream.binance.com:9443/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@depth@100ms/ethusdt@trade/ethusdt@bookTicker/ethusdt@depth@100ms',
    );
  });

  it('reports malformed frames as errors and never throws', () => {
    const { events, errors } = collect([
      '{"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":1,"p":"abc","q":"1","T":5,"m":true}}',
      '{"stream":"btcusdt@trade"',
      '{"stream":"btcusdt@trade","data":null}',
      '{"stream":"x@trade","data":{"e":"trade","s":42}}',
      '{"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"-1","B":"1","a":"2","A":"1"}}',
      '{"result":null,"id":1}',
    ]);
    expect(events).toEqual([]);
    expect(errors).toHaveLength(5);
    expect(errors[1]).toMatch(/not JSON/);
  });
});

describe.skipIf(!hasData())(`BinanceAdapter on the real spot recording ${hasData() ? '' : NO_DATA}`, () => {
  const frames = () => [...recording(SPOT_0808), ...recording(SPOT_0809)].filter((r) => r.frame.startsWith('{"stream"'));

  it('normalizes the first trade and first bookTicker exactly', () => {
    const first = recording(SPOT_0808).slice(0, 4).map((r) => r.frame);
    const { events, errors, snapshots, adapter } = collect(first);
    expect(errors).toEqual([]);
    // The first diff waits for the REST snapshot it asked for: no book is published before it is in sync.
    expect(snapshots).toEqual(['BTC-USDT /api/v3/depth?symbol=BTCUSDT&limit=1000']);
    expect(events.some((e) => e.type === 'book')).toBe(false);
    expect(adapter.health()).toMatchObject([{ symbol: 'BTC-USDT', state: 'syncing', reason: 'awaiting snapshot' }]);
    expect(events.find((e) => e.type === 'trade')).toEqual({
      type: 'trade', exchange: 'binance', symbol: 'BTC-USDT', id: '3735683259', price: 61837.63, amount: 0.02,
      side: 'sell', ts: 1723161255342, recvTs: 1_000,
    });
    expect(events.find((e) => e.type === 'bbo')).toEqual({
      type: 'bbo', exchange: 'binance', symbol: 'BTC-USDT', bid: 61837.63, bidSize: 3.78826, ask: 61837.64, askSize: 1.54698,
      seq: 50093239212, ts: 1_000, recvTs: 1_000,
    });
  });

  it('reads every frame of both files without an error, with the counts the recording has', () => {
    const { events, errors, snapshots } = collect(frames().map((r) => r.frame));
    expect(errors).toEqual([]);
    const count = (t: string) => events.filter((e) => e.type === t).length;
    expect(count('trade')).toBe(9_757 + 10_147);
    expect(count('bbo')).toBe(28_040 + 45_134);
    // Without its snapshot no diff becomes a book event, and the snapshot is asked for once, not per diff.
    expect(count('book')).toBe(0);
    expect(snapshots).toHaveLength(1);
    // Taker side follows `m` (buyer is maker → taker sold): the file has 5,654 such trades on 2024-08-08.
    const { events: day1 } = collect(recording(SPOT_0808).filter((r) => r.frame.includes('@trade')).map((r) => r.frame));
    expect(day1.filter((e) => e.type === 'trade' && e.side === 'sell')).toHaveLength(5_654);
  });
});

describe('BinanceUsdmAdapter streams the recordings lack (frames as Binance documents them)', () => {
  const run = (frames: string[]) => {
    const adapter = new BinanceUsdmAdapter(['BTC-USDT-PERP', 'BTC-USDT-250926']);
    const events: MarketEvent[] = [];
    const errors: string[] = [];
    for (const f of frames) adapter.parse(f, 7, { event: (e) => events.push(e), error: (m) => errors.push(m), send: () => {}, snapshot: () => {} });
    return { adapter, events, errors };
  };

  it('subscribes mark price and liquidations and maps dated contracts', () => {
    expect(run([]).adapter.url('wss://fstream.binance.com')).toBe(
      'wss://fstream.binance.com/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@depth@100ms/btcusdt@markPrice@1s/btcusdt@forceOrder/'
        + 'btcusdt_250926@trade/btcusdt_250926@bookTicker/btcusdt_250926@depth@100ms/btcusdt_250926@markPrice@1s/btcusdt_250926@forceOrder',
    );
  });

  it('markPriceUpdate → mark and funding; forceOrder → liquidation; dated futures have no funding', () => {
    const { events, errors } = run([
      '{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}}',
      '{"stream":"btcusdt_250926@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380001,"s":"BTCUSDT_250926","p":"11900.1","i":"11784.6","P":"11784.2","r":"","T":0}}',
      '{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.014","p":"9910","ap":"9910","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893}}}',
      '{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"SIDEWAYS","q":"1","p":"1","T":1}}}',
    ]);
    expect(errors).toEqual(['binance-usdm: malformed forceOrder']);
    expect(events).toEqual([
      { type: 'mark', exchange: 'binance-usdm', symbol: 'BTC-USDT-PERP', markPrice: 11794.15, indexPrice: 11784.62659091, ts: 1562305380000, recvTs: 7 },
      { type: 'funding', exchange: 'binance-usdm', symbol: 'BTC-USDT-PERP', rate: 0.00038167, nextFundingTs: 1562306400000, ts: 1562305380000, recvTs: 7 },
      { type: 'mark', exchange: 'binance-usdm', symbol: 'BTC-USDT-250926', markPrice: 11900.1, indexPrice: 11784.6, ts: 1562305380001, recvTs: 7 },
      { type: 'liquidation', exchange: 'binance-usdm', symbol: 'BTC-USDT-PERP', side: 'sell', price: 9910, amount: 0.014, ts: 1568014460893, recvTs: 7 },
    ]);
  });

  it('refuses instruments it was not asked for', () => {
    const { events, errors } = run(['{"stream":"ethusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"ETHUSDT","t":1,"p":"1","q":"1","m":true}}']);
    expect(events).toEqual([]);
    expect(errors).toEqual(['binance-usdm: unknown symbol ETHUSDT']);
  });
});
