import { parseDecimal } from '../../shared/market/decimal';

/*
 * Primitives for the venues' strict-subset frame scanners: each reads at an index into the frame text and
 * returns the index after what it read, or -1 when the text is outside the subset (the caller then falls back
 * to JSON.parse, so a scanner never has to understand all of JSON, only never to accept what JSON.parse rejects).
 */

export const Q = 34; // "
export const BS = 92; // \
export const COMMA = 44;

/** End index (the closing quote) of a string starting at `i` with no escapes or control characters; -1 otherwise. */
export function plainString(s: string, i: number): number {
  for (let n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === Q) return i;
    if (c === BS || c < 32) return -1;
  }
  return -1;
}

/** Reads `["p","q"],…]` after the opening bracket; returns the index after the closing one, or -1. */
export function pairs(s: string, i: number, out: [number, number][]): number {
  if (s.charCodeAt(i) === 93) return i + 1;
  for (;;) {
    if (s.charCodeAt(i) !== 91 || s.charCodeAt(i + 1) !== Q) return -1;
    const pEnd = plainString(s, i + 2);
    if (pEnd < 0 || s.charCodeAt(pEnd + 1) !== COMMA || s.charCodeAt(pEnd + 2) !== Q) return -1;
    const qEnd = plainString(s, pEnd + 3);
    if (qEnd < 0 || s.charCodeAt(qEnd + 1) !== 93) return -1;
    out.push([parseDecimal(s, i + 2, pEnd), parseDecimal(s, pEnd + 3, qEnd)]);
    i = qEnd + 2;
    const c = s.charCodeAt(i);
    if (c === 93) return i + 1;
    if (c !== COMMA) return -1;
    i++;
  }
}

// kraken

/**
 * End index of a non-negative JSON number without exponent (`0`, `12`, `0.50`, `354.15000000`) starting at
 * `i`, or -1: the subset Kraken v2 prints prices, sizes and checksums in, whose text `parseDecimal` reads.
 */
export function plainNumber(s: string, i: number): number {
  const d0 = i;
  for (let c = s.charCodeAt(i); c >= 48 && c <= 57; c = s.charCodeAt(++i));
  if (i === d0 || (s.charCodeAt(d0) === 48 && i - d0 > 1)) return -1;
  if (s.charCodeAt(i) !== 46) return i;
  const f0 = ++i;
  for (let c = s.charCodeAt(i); c >= 48 && c <= 57; c = s.charCodeAt(++i));
  return i === f0 ? -1 : i;
}

/** Whether `s` holds `lit` at `i`: for the short literals of a scanner this loop is many times faster than `s.startsWith(lit, i)`. */
export function textAt(s: string, i: number, lit: string): boolean {
  const n = lit.length;
  if (i < 0 || i + n > s.length) return false;
  for (let k = 0; k < n; k++) if (s.charCodeAt(i + k) !== lit.charCodeAt(k)) return false;
  return true;
}
