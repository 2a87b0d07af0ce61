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

// coinbase, bybit, bitstamp

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
export function skipValue(s: string, i: number, depth: number): number {
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
