import type { BookSide } from '../../shared/market/book';
import { parseDecimal } from '../../shared/market/decimal';
import type { Level } from '../../shared/market/types';

/** A venue decimal string, or a number a frame scanner already converted. */
export const num = (v: unknown): number => (typeof v === 'string' ? parseDecimal(v) : typeof v === 'number' ? v : NaN);

/**
 * Applies a venue's levels (absolute sizes, 0 removes) to one side of a book: `[price, size, …]` arrays of
 * decimal strings (or of numbers the Binance scanner already converted), or `{price, qty}` objects (Kraken
 * v2, its numbers quoted before parsing). The original strings go to the side, which keeps them where a
 * checksum is defined over them. The levels go to the event as numbers: pushed to `out` when given;
 * without it the frame's own arrays are rewritten to `[price, size]` in place and become the event's
 * levels, with no allocation per level. A side the frame leaves out is no change, or with
 * `missing: 'error'` a malformed frame. False on a malformed level: other levels of the frame are applied
 * already, so the caller must treat the book as invalid.
 */
export function applyLevels(side: BookSide, raw: unknown, out: Level[] | undefined, missing: 'empty' | 'error'): boolean {
  if (raw === undefined) return missing === 'empty';
  if (!Array.isArray(raw)) return false;
  // Onto an empty side (a snapshot), levels go in from the frame's end: venues send them best first and the
  // side stores worst first, so each one then lands at the end instead of moving all the others.
  const n = raw.length;
  const fromEnd = side.length === 0;
  const start = out?.length ?? 0;
  for (let k = 0; k < n; k++) {
    const l = raw[fromEnd ? n - 1 - k : k] as unknown;
    let ps: unknown, ss: unknown;
    if (Array.isArray(l)) {
      ps = l[0];
      ss = l[1];
    } else if (l !== null && typeof l === 'object' && out) {
      ps = (l as { price?: unknown }).price;
      ss = (l as { qty?: unknown }).qty;
    } else return false;
    const p = num(ps), s = num(ss);
    if (!(p > 0 && p < Infinity) || !(s >= 0 && s < Infinity)) return false;
    side.set(p, s, typeof ps === 'string' ? ps : undefined, typeof ss === 'string' ? ss : undefined);
    if (out) out.push([p, s]);
    else {
      const a = l as unknown[];
      a[0] = p;
      a[1] = s;
      if (a.length !== 2) a.length = 2;
    }
  }
  // The event lists them in the frame's order.
  if (out && fromEnd) {
    for (let i = start, j = out.length - 1; i < j; i++, j--) {
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
  }
  return true;
}
