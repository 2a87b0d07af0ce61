import type { Level } from '../../shared/market/types';
import type { OrderBook } from '../../shared/market/book';

/** A whole book as a snapshot event's two level lists. */
export const bookLevels = (book: OrderBook): { bids: Level[]; asks: Level[] } => ({ bids: book.bids.top(), asks: book.asks.top() });

let dayKey = '';
let dayMs = 0;

/**
 * ISO-8601 UTC time (`2021-07-22T22:36:10.014Z`, any number of fraction digits) to Unix ms, or
 * `fallback` when absent or unreadable. Venues stamp every row, so the common shape is read digit by
 * digit with the date part cached; anything else goes to Date.parse.
 */
export function isoMs(v: unknown, fallback: number): number {
  if (typeof v !== 'string') return fallback;
  const n = v.length;
  if (n >= 20 && v.charCodeAt(10) === 84 /* T */ && v.charCodeAt(19) === 46 /* . */ && v.charCodeAt(n - 1) === 90 /* Z */) {
    if (dayKey === '' || !v.startsWith(dayKey)) {
      const key = v.slice(0, 10);
      const t = Date.parse(key);
      if (!Number.isFinite(t)) return fallback;
      dayKey = key;
      dayMs = t;
    }
    const h = digits(v, 11, 13), m = digits(v, 14, 16), sec = digits(v, 17, 19);
    let frac = 0;
    let scale = 1;
    for (let i = 20; i < n - 1 && i < 23; i++) {
      const d = v.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return fallback;
      frac = frac * 10 + d;
      scale *= 10;
    }
    // Digits below the millisecond are kept as a fraction, as Coinbase gives microseconds.
    let sub = 0;
    let subScale = 1;
    for (let i = 23; i < n - 1; i++) {
      const d = v.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return fallback;
      sub = sub * 10 + d;
      subScale *= 10;
    }
    if (h < 0 || m < 0 || sec < 0) return fallback;
    return dayMs + h * 3_600_000 + m * 60_000 + sec * 1000 + (frac * 1000) / scale + sub / subScale;
  }
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : fallback;
}

/** The two-digit number at [from, to), or -1 when it is not one. */
function digits(v: string, from: number, to: number): number {
  let x = 0;
  for (let i = from; i < to; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    x = x * 10 + d;
  }
  return x;
}
