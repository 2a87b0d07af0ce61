import { COMMA, pairs, plainString, Q } from './scan';

const LETTERS = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));

/**
 * A one-pass reader for Binance's combined-stream frames that skips JSON.parse on the hot path. It accepts
 * only a strict subset of JSON — `{"stream":"…","data":{…}}` with no whitespace, whose data object holds
 * strings without escapes, integers, booleans and lists of `["price","qty"]` pairs — and returns undefined
 * for anything else, which then goes through JSON.parse. Every frame it accepts is valid JSON and yields what
 * JSON.parse plus the adapter's conversion would, except that price/qty pairs arrive as numbers (decimal
 * strings converted exactly as `+s`, without allocating the strings).
 */
export function scanCombined(s: string): { stream: string; data: Record<string, unknown> } | undefined {
  const n = s.length;
  if (!s.startsWith('{"stream":"') || s.charCodeAt(n - 1) !== 125 || s.charCodeAt(n - 2) !== 125) return undefined;
  let i = 11;
  const streamEnd = plainString(s, i);
  if (streamEnd < 0 || !s.startsWith('","data":{', streamEnd)) return undefined;
  const stream = s.slice(i, streamEnd);
  i = streamEnd + 10;
  const data: Record<string, unknown> = {};
  const end = n - 2; // the data object's closing brace
  if (i === end) return { stream, data };
  for (;;) {
    if (s.charCodeAt(i) !== Q) return undefined;
    const keyEnd = plainString(s, i + 1);
    if (keyEnd < 0 || s.charCodeAt(keyEnd + 1) !== 58) return undefined;
    // Binance's keys are mostly one letter: reuse one string per letter instead of slicing a new one each time.
    const k0 = s.charCodeAt(i + 1);
    const key = keyEnd === i + 2 && k0 < 128 ? LETTERS[k0]! : s.slice(i + 1, keyEnd);
    i = keyEnd + 2;
    const c = s.charCodeAt(i);
    if (c === Q) {
      const e = plainString(s, i + 1);
      if (e < 0) return undefined;
      data[key] = s.slice(i + 1, e);
      i = e + 1;
    } else if (c === 91) {
      const levels: [number, number][] = [];
      i = pairs(s, i + 1, levels);
      if (i < 0) return undefined;
      data[key] = levels;
    } else if (s.startsWith('true', i)) {
      data[key] = true;
      i += 4;
    } else if (s.startsWith('false', i)) {
      data[key] = false;
      i += 5;
    } else {
      // JSON integer: -?(0|[1-9][0-9]*), and exact (below 2^53) so that it equals JSON.parse's number.
      const start = i;
      if (s.charCodeAt(i) === 45) i++;
      const d0 = i;
      let v = 0;
      for (let ch = s.charCodeAt(i); ch >= 48 && ch <= 57; ch = s.charCodeAt(++i)) v = v * 10 + (ch - 48);
      if (i === d0 || (s.charCodeAt(d0) === 48 && i - d0 > 1) || i - d0 > 15) return undefined;
      data[key] = s.charCodeAt(start) === 45 ? -v : v;
    }
    if (i === end) return { stream, data };
    if (s.charCodeAt(i) !== COMMA) return undefined;
    i++;
  }
}
