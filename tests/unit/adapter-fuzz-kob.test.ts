import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordedFrame } from '../../tools/fake-exchange/recording';
import type { Adapter } from '../../worker/ingest/adapter';
import { BybitAdapter } from '../../worker/ingest/bybit';
import { KrakenAdapter } from '../../worker/ingest/kraken';
import { KrakenV2Adapter } from '../../worker/ingest/kraken-v2';
import { OkxAdapter } from '../../worker/ingest/okx';
import { BYBIT_PERPS, bybitV5, feed, KRAKEN_V1, krakenV2, merged, newRun, sinkInto } from './adapter-harness';
import { hasData, NO_DATA, recording } from './recordings';

const CASES: { name: string; frames: () => RecordedFrame[]; adapter: () => Adapter; book: (f: string) => boolean }[] = [
  {
    name: 'kraken', frames: () => merged(...KRAKEN_V1),
    adapter: () => new KrakenAdapter(['BTC-CHF', 'XMR-USD', 'ETH-CHF', 'ADA-BTC', 'WAVES-EUR', 'KSM-BTC', 'GRT-ETH', 'SC-EUR', 'OMG-USD', 'OCEAN-BTC']),
    book: (f) => f.includes('"c":"'),
  },
  {
    name: 'kraken v2', frames: krakenV2,
    adapter: () => new KrakenV2Adapter(['BTC-CHF', 'XMR-USD', 'ETH-CHF', 'ADA-BTC', 'WAVES-EUR', 'KSM-BTC', 'GRT-ETH', 'SC-EUR', 'OMG-USD', 'OCEAN-BTC']),
    book: (f) => f.includes('"type":"update"') && f.startsWith('{"channel":"book"'),
  },
  { name: 'okx', frames: () => recording('cryptofeed/OKX.ws.1.0'), adapter: () => new OkxAdapter(['BTC-USDT', 'UNI-USD-PERP', 'BTC-USD-220527']), book: (f) => f.includes('"action":"update"') },
  { name: 'bybit', frames: bybitV5, adapter: () => new BybitAdapter(BYBIT_PERPS), book: (f) => f.includes('"type":"delta"') },
];

/** Things that go wrong with a frame on the way: cut short, a byte flipped, a number made nonsense. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), ch: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }) }),
  fc.record({ kind: fc.constant('value' as const), nth: fc.nat({ max: 40 }), to: fc.constantFrom('"x"', '"-1"', '""', '"1e999"', 'null', '[]', '{}', '-0', '"NaN"', '1') }),
);

type Mutation = { kind: 'truncate'; at: number } | { kind: 'flip'; at: number; ch: string } | { kind: 'value'; nth: number; to: string };

function mutate(frame: string, m: Mutation): string {
  if (m.kind === 'truncate') return frame.slice(0, m.at % frame.length);
  if (m.kind === 'flip') {
    const i = m.at % frame.length;
    return frame.slice(0, i) + m.ch + frame.slice(i + 1);
  }
  let n = 0;
  return frame.replace(/"-?\d[\d.]*"|-?\d[\d.]*/g, (v) => (n++ === m.nth ? m.to : v));
}

describe.skipIf(!hasData())(`fuzz: mutated and truncated real frames never throw out of the Kraken, OKX and Bybit adapters ${hasData() ? '' : NO_DATA}`, () => {
  for (const c of CASES) {
    it(`${c.name}: any mutation of any frame is parsed or reported, never thrown`, () => {
      const frames = c.frames();
      const adapter = c.adapter();
      feed(adapter, frames.slice(0, 100));
      fc.assert(
        fc.property(fc.nat({ max: frames.length - 1 }), mutation, (i, m) => {
          const run = newRun();
          const bad = mutate(frames[i]!.frame, m);
          expect(() => adapter.parse(bad, 1, sinkInto(run))).not.toThrow();
          if (m.kind === 'truncate' && m.at % frames[i]!.frame.length > 0) {
            // A frame cut short is not JSON: always reported.
            expect(run.errors.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: 400, seed: 42 },
      );
    });

    it(`${c.name}: a book update with a broken level is an error and a resync, never a good book`, () => {
      const frames = c.frames();
      const adapter = c.adapter();
      const at = frames.findIndex((r, i) => i > 50 && c.book(r.frame));
      feed(adapter, frames.slice(0, at));
      const run = newRun();
      // The first price in the update becomes a word.
      adapter.parse(frames[at]!.frame.replace(/\[\["[\d.]+"/, '[["abc"').replace(/"price":[\d.]+/, '"price":"abc"'), 1, sinkInto(run));
      expect(run.events).toEqual([]);
      expect(run.errors).toHaveLength(1);
      const verb = (s: string) => {
        const m = JSON.parse(s) as { op?: string; event?: string; method?: string };
        return m.op ?? m.event ?? m.method;
      };
      expect(run.sent.map(verb)).toEqual(['unsubscribe', 'subscribe']);
      expect(adapter.health().find((h) => h.symbol === run.errors[0]!.symbol)).toMatchObject({ state: 'resyncing', resyncs: 1 });
    });
  }
});
