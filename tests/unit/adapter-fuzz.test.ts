import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Venue } from '../../shared/market/types';
import type { RecordedFrame } from '../../tools/fake-exchange/recording';
import { loadTimeline, replay } from '../../tools/normalize';
import { DATA_DIR } from '../../tools/paths';
import { currentProtocol, VENUE_RECORDINGS } from '../../tools/venue-recordings';
import { ADAPTERS } from '../../worker/ingest/registry';
import { hasData, NO_DATA } from './recordings';

/** Records of the venue's first session that the property mutates, from its start. */
const WINDOW = 1_500;
/** Real frames after the mutated one, so a lost book frame shows up as the gap it is. */
const TAIL = 200;

interface Run {
  /** Errors raised while the adapter handled each record (by index). */
  errorsAt: number[];
  /** Records that produced a book event. */
  bookAt: Set<number>;
  /** Before each record: every instrument the adapter knows is live. */
  allLiveBefore: boolean[];
  resyncs: number;
}

function run(venue: Venue, window: readonly RecordedFrame[]): Run {
  const adapter = ADAPTERS[venue]!([]);
  const index = new Map(window.map((r, i) => [r, i]));
  const errorsAt = window.map(() => 0);
  const bookAt = new Set<number>();
  const allLiveBefore: boolean[] = [];
  let at = 0;
  allLiveBefore.push(false);
  replay(adapter, window, {
    event: (e) => {
      if (e.type === 'book') bookAt.add(at);
    },
    error: (_m, _s, rec) => {
      if (rec) errorsAt[index.get(rec) ?? at]!++;
    },
  }, () => {
    at++;
    const h = adapter.health();
    allLiveBefore.push(h.length > 0 && h.every((x) => x.state === 'live'));
  });
  return { errorsAt, bookAt, allLiveBefore, resyncs: adapter.health().reduce((n, h) => n + h.resyncs, 0) };
}

const mutation = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), len: fc.constant(0), s: fc.constant('') }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }), s: fc.string({ maxLength: 8 }) }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 3 }), s: fc.constantFrom('-1', 'null', '"x"', '[]', '{}', '1e999', '"', ',', '9') }),
);

describe.skipIf(!hasData())(`every registered adapter under mutated real frames ${hasData() ? '' : NO_DATA}`, () => {
  it.each(Object.keys(ADAPTERS) as Venue[])('%s: never throws; a broken frame or snapshot is an error, a broken book frame a resync', (venue) => {
    const sessions = VENUE_RECORDINGS[venue];
    expect(sessions, `add ${venue} to tools/venue-recordings.ts`).toBeDefined();
    const window = currentProtocol(venue, loadTimeline(sessions![0]!.map((f) => join(DATA_DIR, f)), () => {})).slice(0, WINDOW);
    const clean = run(venue, window);
    expect(clean.errorsAt.every((n) => n === 0)).toBe(true);
    // Frames and REST snapshot bodies alike.
    const targets = window.map((r, i) => i).filter((i) => i < window.length - TAIL);
    const liveBookFrames = targets.filter((i) => clean.bookAt.has(i) && clean.allLiveBefore[i]);
    expect(liveBookFrames.length, 'the window must hold book frames of a live book').toBeGreaterThan(10);
    let resyncChecked = 0;
    fc.assert(
      fc.property(fc.constantFrom(...targets), mutation, (i, m) => {
        const frame = window[i]!.frame;
        const at = m.at % frame.length;
        const mutated = m.op === 'truncate' ? frame.slice(0, at) : frame.slice(0, at) + m.s + frame.slice(at + m.len);
        if (mutated === frame) return;
        const r = run(venue, window.map((rec, j) => (j === i ? { ...rec, frame: mutated } : rec)));
        if (m.op === 'truncate') expect(r.errorsAt[i]).toBeGreaterThan(0);
        if (r.errorsAt[i]! > 0 && clean.bookAt.has(i) && clean.allLiveBefore[i]) {
          resyncChecked++;
          expect(r.resyncs).toBeGreaterThan(clean.resyncs);
        }
      }),
      { numRuns: 300, seed: 4 },
    );
    // The resync rule was exercised, not vacuously true.
    expect(resyncChecked).toBeGreaterThan(10);
  }, 120_000);
});
