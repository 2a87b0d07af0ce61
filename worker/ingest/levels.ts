import type { BookSide } from '../../shared/market/book';
import type { Level } from '../../shared/market/types';

/**
 * Applies a venue's string levels — `[price, size, …]` arrays, or `{price, qty}` objects (Kraken v2, with
 * the numbers quoted before parsing) — to one side of a book, keeping the original strings (checksums
 * are defined over them), and pushes them as numbers to `out` for the event. False when a level is
 * malformed: the caller treats the frame as broken, never as a good book.
 */
export function applyLevels(side: BookSide, raw: unknown, out: Level[]): boolean {
  if (raw === undefined) return true;
  if (!Array.isArray(raw)) return false;
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i] as unknown;
    if (!l || typeof l !== 'object') return false;
    const ps = Array.isArray(l) ? l[0] : (l as { price?: unknown }).price;
    const ss = Array.isArray(l) ? l[1] : (l as { qty?: unknown }).qty;
    if (typeof ps !== 'string' || typeof ss !== 'string') return false;
    const p = +ps, s = +ss;
    if (!(p > 0 && p < Infinity) || !(s >= 0 && s < Infinity)) return false;
    side.set(p, s, ps, ss);
    out.push([p, s]);
  }
  return true;
}
