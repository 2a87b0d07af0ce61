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

/** Index of the first non-whitespace character (JSON's space, tab, LF, CR) at or after `i`. */
export function ws(s: string, i: number): number {
  for (let c = s.charCodeAt(i); c === 32 || c === 10 || c === 13 || c === 9; c = s.charCodeAt(++i));
  return i;
}

const digit = (c: number): boolean => c >= 48 && c <= 57;

/** End index of a JSON number at `i` (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`); -1 when there is none. */
export function numberEnd(s: string, i: number): number {
  if (s.charCodeAt(i) === 45) i++;
  const c0 = s.charCodeAt(i);
  if (c0 === 48) i++;
  else if (c0 > 48 && c0 <= 57) while (digit(s.charCodeAt(++i)));
  else return -1;
  if (s.charCodeAt(i) === 46) {
    if (!digit(s.charCodeAt(++i))) return -1;
    while (digit(s.charCodeAt(++i)));
  }
  const e = s.charCodeAt(i);
  if (e === 101 || e === 69) {
    const sign = s.charCodeAt(++i);
    if (sign === 43 || sign === 45) i++;
    if (!digit(s.charCodeAt(i))) return -1;
    while (digit(s.charCodeAt(++i)));
  }
  return i;
}

/** Deepest nesting `skipValue` follows; deeper text is left to JSON.parse (and no recursion can overflow the stack). */
export const MAX_DEPTH = 32;

/**
 * Index after the JSON value at `i` (plain strings, numbers, literals, and arrays and objects of them, with
 * whitespace), without building it: for the fields a scanner does not read but must still prove valid. -1
 * for anything outside that subset.
 */
export function skipValue(s: string, i: number, depth = 0): number {
  const c = s.charCodeAt(i);
  if (c === Q) {
    const e = plainString(s, i + 1);
    return e < 0 ? -1 : e + 1;
  }
  if (c === 123 || c === 91) {
    if (depth >= MAX_DEPTH) return -1;
    const close = c + 2; // } or ]
    i = ws(s, i + 1);
    if (s.charCodeAt(i) === close) return i + 1;
    for (;;) {
      if (c === 123) {
        if (s.charCodeAt(i) !== Q) return -1;
        const k = plainString(s, i + 1);
        if (k < 0) return -1;
        i = ws(s, k + 1);
        if (s.charCodeAt(i) !== 58) return -1;
        i = ws(s, i + 1);
      }
      i = skipValue(s, i, depth + 1);
      if (i < 0) return -1;
      i = ws(s, i);
      const d = s.charCodeAt(i);
      if (d === close) return i + 1;
      if (d !== COMMA) return -1;
      i = ws(s, i + 1);
    }
  }
  if (c === 116) return s.startsWith('true', i) ? i + 4 : -1;
  if (c === 102) return s.startsWith('false', i) ? i + 5 : -1;
  if (c === 110) return s.startsWith('null', i) ? i + 4 : -1;
  return numberEnd(s, i);
}

/**
 * End index of a JSON integer at `i` (-?(0|[1-9][0-9]*)) of at most 15 digits, which `parseDecimal` of
 * its text then reads exactly as JSON.parse; -1 otherwise.
 */
export function integer(s: string, i: number): number {
  if (s.charCodeAt(i) === 45) i++;
  const d0 = i;
  for (let c = s.charCodeAt(i); c >= 48 && c <= 57; c = s.charCodeAt(++i));
  return i === d0 || i - d0 > 15 || (s.charCodeAt(d0) === 48 && i - d0 > 1) ? -1 : i;
}

/**
 * Reads `["p","q",…],…]` after the opening bracket — levels of two or more plain strings, as OKX's
 * `[price, size, liquidated orders, orders]` — pushing each level's first two strings as a pair (the
 * strings a checksum reads stay intact); returns the index after the closing bracket, or -1.
 */
export function stringPairs(s: string, i: number, out: [string, string][]): number {
  if (s.charCodeAt(i) === 93) return i + 1;
  for (;;) {
    if (s.charCodeAt(i) !== 91 || s.charCodeAt(i + 1) !== Q) return -1;
    const pEnd = plainString(s, i + 2);
    if (pEnd < 0 || s.charCodeAt(pEnd + 1) !== COMMA || s.charCodeAt(pEnd + 2) !== Q) return -1;
    const qEnd = plainString(s, pEnd + 3);
    if (qEnd < 0) return -1;
    out.push([s.slice(i + 2, pEnd), s.slice(pEnd + 3, qEnd)]);
    i = qEnd + 1;
    // Further strings of the level are checked, not kept.
    while (s.charCodeAt(i) === COMMA) {
      if (s.charCodeAt(i + 1) !== Q) return -1;
      const e = plainString(s, i + 2);
      if (e < 0) return -1;
      i = e + 1;
    }
    if (s.charCodeAt(i) !== 93) return -1;
    const c = s.charCodeAt(++i);
    if (c === 93) return i + 1;
    if (c !== COMMA) return -1;
    i++;
  }
}

/** Index in `keys` of the key at `s[from, to)`, compared without slicing it; -1 for any other. */
export function keyIndex(s: string, from: number, to: number, keys: readonly string[]): number {
  for (let k = 0; k < keys.length; k++) if (keys[k]!.length === to - from && textAt(s, from, keys[k]!)) return k;
  return -1;
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * Reads a JSON number at `i` into `out[k]` in one pass, as JSON.parse reads it (up to 15 digits without an
 * exponent: one correctly rounded division, as `parseDecimal`; others through `+text`); returns the index
 * after it, or -1 when the text is not a JSON number.
 */
export function numberInto(s: string, i: number, out: Float64Array, k: number): number {
  const start = i;
  let c = s.charCodeAt(i);
  const neg = c === 45;
  if (neg) c = s.charCodeAt(++i);
  const d0 = i;
  let m = 0;
  for (; c >= 48 && c <= 57; c = s.charCodeAt(++i)) m = m * 10 + (c - 48);
  let digits = i - d0;
  if (digits === 0 || (digits > 1 && s.charCodeAt(d0) === 48)) return -1;
  let scale = 0;
  if (c === 46) {
    const f0 = ++i;
    for (c = s.charCodeAt(i); c >= 48 && c <= 57; c = s.charCodeAt(++i)) m = m * 10 + (c - 48);
    scale = i - f0;
    if (scale === 0) return -1;
    digits += scale;
  }
  if (c === 101 || c === 69 || digits > 15) {
    const e = numberEnd(s, start);
    if (e >= 0) out[k] = +s.slice(start, e);
    return e;
  }
  const v = scale > 0 ? m / POW10[scale]! : m;
  out[k] = neg ? -v : v;
  return i;
}

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
