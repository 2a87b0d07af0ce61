import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * The property every frame scanner must hold: recorded frames with a few characters replaced, inserted or
 * cut are either left to JSON.parse (`scan` gives undefined) or read exactly as `slow` (JSON.parse plus the
 * adapter's conversion) reads them, and `slow` accepts them. Returns how many mutated frames the scanner
 * took, so a caller can check the comparison really ran.
 */
export function mutatedFramesReadAsJsonParse(frames: string[], scan: (frame: string) => unknown, slow: (frame: string) => unknown, numRuns: number, seed: number): number {
  let accepted = 0;
  fc.assert(
    fc.property(fc.constantFrom(...frames), fc.nat(), fc.integer({ min: 0, max: 4 }), fc.string({ maxLength: 4 }), (frame, at, len, ins) => {
      const p = at % frame.length;
      const m = frame.slice(0, p) + ins + frame.slice(p + len);
      const s = scan(m);
      if (s === undefined) return;
      accepted++;
      let parsed: unknown;
      expect(() => (parsed = slow(m))).not.toThrow();
      expect(s).toStrictEqual(parsed);
    }),
    { numRuns, seed },
  );
  return accepted;
}
