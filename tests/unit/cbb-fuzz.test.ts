import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Adapter } from '../../worker/ingest/adapter';
import { BitmexAdapter } from '../../worker/ingest/bitmex';
import { BitstampAdapter } from '../../worker/ingest/bitstamp';
import { CoinbaseAdapter } from '../../worker/ingest/coinbase';
import { driven, replaySink, sinkOf } from './drive';
import { configuredSymbols, hasData, NO_DATA, recording } from './recordings';

const VENUES: { name: string; files: string[]; make: () => Adapter }[] = [
  { name: 'coinbase', files: ['cryptofeed/COINBASE.ws.28.0'], make: () => new CoinbaseAdapter(configuredSymbols('cryptofeed/COINBASE.0'), { level2: 'level2' }) },
  { name: 'bitstamp', files: ['cryptofeed/BITSTAMP.ws.1.0', 'cryptofeed/BITSTAMP.http.0.0'], make: () => new BitstampAdapter(configuredSymbols('cryptofeed/BITSTAMP.0')) },
  {
    name: 'bitmex', files: ['cryptofeed/BITMEX.ws.1.0'],
    make: () => new BitmexAdapter(configuredSymbols('cryptofeed/BITMEX.0').map((s) => s.replace('-21U24', '-210924'))),
  },
];

interface Mutation {
  kind: 'truncate' | 'value' | 'char';
  pos: number;
  with: string;
}

function mutate(f: string, m: Mutation): string {
  const at = m.pos % f.length;
  if (m.kind === 'truncate') return f.slice(0, at);
  if (m.kind === 'char') return f.slice(0, at) + m.with + f.slice(at + 1);
  // Replace the n-th scalar value (after `":` or `[`) with a hostile one.
  const cuts = [...f.matchAll(/(?:":|\[)(-?[\d."][^,\]}]*)/g)];
  const c = cuts[m.pos % Math.max(1, cuts.length)];
  return c ? f.slice(0, c.index! + c[0].length - c[1]!.length) + m.with + f.slice(c.index! + c[0].length) : f;
}

/** A strict prefix of its original frame (never valid JSON, so it must be reported). */
const isTruncation = (frame: string, original: string): boolean => frame.length < original.length && original.startsWith(frame);

/** Values that break parsers: wrong types, non-finite and negative numbers, absurd sizes. */
const HOSTILE = ['null', '-1', '0', '"NaN"', '"1e400"', '1e400', '"abc"', '[]', '{}', 'true', '"-0.5"', '99999999999999999999'];

describe.skipIf(!hasData())(`Coinbase, Bitstamp, BitMEX adapters under mutated real frames ${hasData() ? '' : NO_DATA}`, () => {
  for (const v of VENUES) {
    it(`${v.name}: truncated or mutated frames never throw, truncation is reported, no crossed book is ever emitted`, () => {
      const records = v.files.flatMap((f) => recording(f));
      const socket = records.filter((r) => r.kind !== 'rest');
      const mutation = fc.record({
        at: fc.integer({ min: 0, max: socket.length - 1 }),
        kind: fc.constantFrom('truncate' as const, 'value' as const, 'char' as const),
        pos: fc.nat(),
        with: fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ minLength: 1, maxLength: 3 })),
      });
      let truncations = 0;
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 40 }), (mutations) => {
          // Each mutated frame goes in just before its original, into an adapter warm from the real recording.
          const before = new Map<number, string[]>();
          for (const m of mutations) before.set(m.at, [...(before.get(m.at) ?? []), mutate(socket[m.at]!.frame, m)]);
          const adapter = v.make();
          const d = driven();
          let truncated = 0;
          let errorsAtTruncated = 0;
          const sink = replaySink(adapter, records, d);
          expect(() => {
            socket.forEach((r, i) => {
              for (const frame of before.get(i) ?? []) {
                const e = d.errors.length;
                adapter.parse(frame, r.t, sink);
                if (isTruncation(frame, r.frame)) {
                  truncated++;
                  if (d.errors.length > e) errorsAtTruncated++;
                }
              }
              adapter.parse(r.frame, r.t, sink);
            });
          }).not.toThrow();
          expect(errorsAtTruncated).toBe(truncated);
          truncations += truncated;
          expect(d.crossed).toBe(0);
          for (const h of adapter.health()) expect(['connecting', 'syncing', 'live', 'resyncing']).toContain(h.state);
        }),
        { numRuns: 12, seed: 4 },
      );
      expect(truncations).toBeGreaterThan(0);
    }, 60_000);
  }

  it('a frame that is valid JSON but not an object is an error, not a crash', () => {
    for (const v of VENUES) {
      const adapter = v.make();
      const d = driven();
      for (const f of ['null', '42', '"x"', '[]', '[1,2]', '{"data":null}', '{"table":"orderBookL2","action":"update","data":[null,1]}']) {
        expect(() => adapter.parse(f, 0, sinkOf(d))).not.toThrow();
      }
      expect(d.errors.length).toBeGreaterThanOrEqual(5);
    }
  });
});
