import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LevelIds } from '../../worker/ingest/level-ids';

describe('LevelIds', () => {
  it('answers as a Map does under random sets, deletes and clears, through growth and colliding probe runs', () => {
    // Few distinct ids (BitMEX-sized, past 2^32) so that sets, deletes and lookups keep hitting the same ones.
    const id = fc.integer({ min: 0, max: 3_000 }).map((k) => 57_199_960_000 + k * 4_294_967_296 * (k % 3) + k);
    const op = fc.oneof(
      { arbitrary: fc.tuple(fc.constant('set' as const), id, fc.double({ min: 1e-8, max: 1e6, noNaN: true })), weight: 60 },
      { arbitrary: fc.tuple(fc.constant('delete' as const), id, fc.constant(0)), weight: 39 },
      { arbitrary: fc.tuple(fc.constant('clear' as const), fc.constant(0), fc.constant(0)), weight: 1 },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 500, maxLength: 4_000 }), fc.array(id, { maxLength: 50 }), (ops, probes) => {
        const ids = new LevelIds();
        const model = new Map<number, number>();
        for (const [kind, k, price] of ops) {
          if (kind === 'set') {
            ids.set(k, price);
            model.set(k, price);
          } else if (kind === 'delete') expect(ids.delete(k)).toBe(model.delete(k));
          else {
            ids.clear();
            model.clear();
          }
        }
        expect(ids.size).toBe(model.size);
        for (const [k, price] of model) expect(ids.get(k)).toBe(price);
        for (const k of probes) {
          expect(ids.has(k)).toBe(model.has(k));
          expect(ids.get(k)).toBe(model.get(k) ?? NaN);
        }
      }),
      { numRuns: 100, seed: 3 },
    );
  });
});
