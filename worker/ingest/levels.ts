import type { BookSide } from '../../shared/market/book';
import type { Level } from '../../shared/market/types';

/**
 * Applies a venue's `[price, size, …]` string levels to one side of a book, keeping the original strings
 * (checksums are defined over them). Returns the levels as numbers for the event, or undefined when a
 * level is malformed (the caller treats the frame as broken, never as a good book).
 */
export function applyLevels(side: BookSide, raw: unknown, out: Level[]): boolean {
  if (raw === undefined) return true;
  if (!Array.isArray(raw)) return false;
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i] as unknown[];
    if (!Array.isArray(l)) return false;
    const ps = l[0], ss = l[1];
    if (typeof ps !== 'string' || typeof ss !== 'string') return false;
    const p = +ps, s = +ss;
    if (!(p > 0) || !(s >= 0)) return false;
    side.set(p, s, ps, ss);
    out.push([p, s]);
  }
  return true;
}
