import type { BookSide } from '../../shared/market/book';
import { parseDecimal } from '../../shared/market/decimal';
import type { Level } from '../../shared/market/types';
import { COMMA, plainNumber, plainString, Q, textAt } from './scan';

/*
 * Kraken book messages (v1 and v2) read into one shape, `KrakenBookMsg`, either by a one-pass scanner that
 * skips JSON.parse or from what JSON.parse gave; the adapters' book code takes only this shape. The scanners
 * accept a strict subset of JSON (no whitespace, strings without escapes, the venue's keys each at most once)
 * and return false for anything else, which then goes through JSON.parse: a frame they accept is valid JSON
 * and reads exactly as JSON.parse plus the JSON readers below would read it.
 */

/**
 * One side's levels of a message in frame order, in typed arrays reused from message to message: the numbers,
 * and where their text is in the message's `text` (Kraken's checksum is over that text). In runs, one per
 * level list of the message (v1 updates may carry two), each applied as one list.
 */
export class KrakenLevels {
  n = 0;
  px = new Float64Array(1024);
  qty = new Float64Array(1024);
  /** Level i's price text is text[at[4i], at[4i+1]), its size text text[at[4i+2], at[4i+3]). */
  at = new Int32Array(4096);
  /** Run k < runs holds the levels from the end of run k-1 (0 for the first) to ends[k]; a v1 message has at most 2 a side. */
  readonly ends = new Int32Array(2);
  runs = 0;

  clear(): void {
    this.n = 0;
    this.runs = 0;
  }

  /** Adds a level; false when it is not a book level (price > 0, size ≥ 0, both finite). */
  push(p: number, q: number, p0: number, p1: number, q0: number, q1: number): boolean {
    const i = this.n++;
    if (i === this.px.length) {
      this.px = grown(this.px);
      this.qty = grown(this.qty);
      this.at = grown(this.at);
    }
    this.px[i] = p;
    this.qty[i] = q;
    const a = this.at;
    a[4 * i] = p0;
    a[4 * i + 1] = p1;
    a[4 * i + 2] = q0;
    a[4 * i + 3] = q1;
    return p > 0 && p < Infinity && q >= 0 && q < Infinity;
  }

  endRun(): void {
    this.ends[this.runs++] = this.n;
  }
}

function grown<T extends Float64Array | Int32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/** A Kraken book message (v1: one `book-N` channel message; v2: one entry of a `book` channel message). */
export class KrakenBookMsg {
  /** The text the levels' positions point into: the frame, or the JSON reader's strings joined. */
  text = '';
  /** The pair (v1) or symbol (v2) as the venue wrote it. */
  symbol = '';
  /** v1: the depth in the channel name. */
  depth = 0;
  snapshot = false;
  /** False when a level list is not a list of levels, or a level is not a book level. */
  ok = true;
  /** As JSON.parse reads it — v1: `c` of the message's last part (a string when sent); v2: `checksum` (a number). */
  checksum: unknown = undefined;
  /** v1: the latest level time in Unix ms, 0 when none. */
  tsMs = 0;
  /** v1 scanner: the latest level time's text so far, text[timeFrom, timeTo) (empty: none), in µs when of Kraken's shape (else -1). */
  timeFrom = 0;
  timeTo = 0;
  timeUs = -1;
  /** v2: `timestamp` as JSON.parse reads it. */
  timestamp: unknown = undefined;
  readonly asks = new KrakenLevels();
  readonly bids = new KrakenLevels();
  /**
   * v1 scanner: per channel id, the tail `"book-N","pair"]` its last message ended with, read: a message
   * ending in the same text has the same depth and pair (the id only says which text to compare with).
   */
  readonly tails = new Map<number, { codes: Uint16Array; depth: number; pair: string }>();

  reset(text: string): void {
    this.text = text;
    this.symbol = '';
    this.depth = 0;
    this.snapshot = false;
    this.ok = true;
    this.checksum = undefined;
    this.tsMs = this.timeFrom = this.timeTo = 0;
    this.timeUs = -1;
    this.timestamp = undefined;
    this.asks.clear();
    this.bids.clear();
  }
}

/**
 * Applies one side's runs to a book side as `applyLevels` applies a list — onto an empty side from the list's
 * end, so that a snapshot appends — handing the side the levels' original text, and returns the levels as
 * [price, size] in frame order for the event. Call only for a message that is `ok`.
 */
export function applyKrakenLevels(side: BookSide, lv: KrakenLevels, text: string): Level[] {
  const { px, qty, at, ends } = lv;
  const out: Level[] = new Array<Level>(lv.n);
  let from = 0;
  for (let r = 0; r < lv.runs; r++) {
    const to = ends[r]!;
    const fromEnd = side.length === 0;
    for (let k = from; k < to; k++) {
      const i = fromEnd ? to - 1 - (k - from) : k;
      const q = qty[i]!;
      // A removal needs no text.
      if (q === 0) side.set(px[i]!, q);
      else side.set(px[i]!, q, text.slice(at[4 * i]!, at[4 * i + 1]!), text.slice(at[4 * i + 2]!, at[4 * i + 3]!));
    }
    for (let i = from; i < to; i++) out[i] = [px[i]!, qty[i]!];
    from = to;
  }
  return out;
}

// ---- v1: [channelID, {as, bs} | {a?, b?, c?} (, {a?, b?, c?})?, "book-N", "pair"] ----

const SNAPSHOT_KEYS = 8 | 16;

/** Reads a v1 book message into `m`; false (m then undefined) when the frame is outside the subset. */
export function scanKrakenV1Book(s: string, m: KrakenBookMsg): boolean {
  const n = s.length;
  if (s.charCodeAt(0) !== 91 || s.charCodeAt(n - 1) !== 93) return false;
  // The channel id, a JSON integer: the key of the message tails read before.
  let i = 1;
  let id = 0;
  for (let c = s.charCodeAt(i); c >= 48 && c <= 57; c = s.charCodeAt(++i)) id = id * 10 + (c - 48);
  if (i === 1 || (s.charCodeAt(1) === 48 && i > 2) || s.charCodeAt(i) !== COMMA) return false;
  m.reset(s);
  i = v1Part(s, i + 1, m, true);
  if (i < 0 || s.charCodeAt(i) !== COMMA) return false;
  i++;
  if (s.charCodeAt(i) === 123) {
    if (m.snapshot) return false;
    i = v1Part(s, i, m, false);
    if (i < 0 || s.charCodeAt(i) !== COMMA) return false;
    i++;
  }
  const tail = m.tails.get(id);
  if (tail !== undefined && n - i === tail.codes.length && codesAt(s, i, tail.codes)) {
    m.depth = tail.depth;
    m.symbol = tail.pair;
  } else {
    if (!textAt(s, i, '"book-')) return false;
    const nameEnd = plainString(s, i + 1);
    if (nameEnd < 0 || s.charCodeAt(nameEnd + 1) !== COMMA || s.charCodeAt(nameEnd + 2) !== Q) return false;
    const depth = parseDecimal(s, i + 6, nameEnd);
    // A depth the adapter cannot use is reported by the JSON path.
    if (!(depth > 0)) return false;
    const pairEnd = plainString(s, nameEnd + 3);
    if (pairEnd !== n - 2) return false;
    m.depth = depth;
    m.symbol = s.slice(nameEnd + 3, pairEnd);
    // Channel ids are per subscription: a long session's resubscribes must not grow this without end.
    if (m.tails.size >= 256) m.tails.clear();
    // Kept as codes: a slice of the frame would be a view into it, much slower to read character by character.
    const codes = new Uint16Array(n - i);
    for (let k = 0; k < codes.length; k++) codes[k] = s.charCodeAt(i + k);
    m.tails.set(id, { codes, depth, pair: m.symbol });
  }
  m.tsMs = m.timeUs >= 0 ? Math.round((m.timeUs / 1e6) * 1000) : m.timeTo > m.timeFrom ? Math.round(seconds(s, m.timeFrom, m.timeTo) * 1000) : 0;
  return true;
}

/** Whether `s` holds the character codes `codes` at `i` (to its end). */
function codesAt(s: string, i: number, codes: Uint16Array): boolean {
  for (let k = 0; k < codes.length; k++) if (s.charCodeAt(i + k) !== codes[k]) return false;
  return true;
}

/** One `{…}` part at `i`; the index after it or -1. Snapshot keys (`as`, `bs`) only in the first part. */
function v1Part(s: string, i: number, m: KrakenBookMsg, first: boolean): number {
  if (s.charCodeAt(i) !== 123) return -1;
  i++;
  let seen = 0;
  m.checksum = undefined; // the last part's `c` is the message's
  for (;;) {
    // One of "a" "b" "c" (1, 2, 4), or in a first part "as" "bs" (8, 16), then a colon.
    if (s.charCodeAt(i) !== Q) return -1;
    let bit = s.charCodeAt(i + 1) - 96;
    i += 2;
    if (first && s.charCodeAt(i) === 115 && bit < 3) {
      bit <<= 3;
      i++;
    }
    if (!(bit === 1 || bit === 2 || bit === 3 || bit === 8 || bit === 16) || s.charCodeAt(i) !== Q || s.charCodeAt(i + 1) !== 58) return -1;
    if (bit === 3) bit = 4;
    if (seen & bit || (seen !== 0 && (seen & SNAPSHOT_KEYS ? 1 : 0) !== (bit & SNAPSHOT_KEYS ? 1 : 0))) return -1;
    seen |= bit;
    i += 2;
    if (bit === 4) {
      if (s.charCodeAt(i) !== Q) return -1;
      const e = plainString(s, i + 1);
      if (e < 0) return -1;
      m.checksum = s.slice(i + 1, e);
      i = e + 1;
    } else {
      if (s.charCodeAt(i) !== 91) return -1;
      i = v1Levels(s, i + 1, m, bit & 1 || bit & 8 ? m.asks : m.bids);
      if (i < 0) return -1;
    }
    const c = s.charCodeAt(i);
    if (c === 125) break;
    if (c !== COMMA) return -1;
    i++;
  }
  if (seen & SNAPSHOT_KEYS) m.snapshot = true;
  return i + 1;
}

/**
 * `["price","size","time"(,"flag")?],…]` after the opening bracket, as one run; the index after the closing
 * bracket or -1. Keeps the latest time's text range in m.timeFrom/timeTo.
 */
function v1Levels(s: string, i: number, m: KrakenBookMsg, lv: KrakenLevels): number {
  if (s.charCodeAt(i) === 93) {
    lv.endRun();
    return i + 1;
  }
  let t0 = m.timeFrom, t1 = m.timeTo, maxUs = m.timeUs;
  for (;;) {
    if (s.charCodeAt(i) !== 91 || s.charCodeAt(i + 1) !== Q) return -1;
    const p0 = i + 2, p1 = quotedDecimal(s, p0), p = value;
    if (p1 < 0 || s.charCodeAt(p1 + 1) !== COMMA || s.charCodeAt(p1 + 2) !== Q) return -1;
    const q0 = p1 + 3, q1 = quotedDecimal(s, q0), q = value;
    if (q1 < 0 || s.charCodeAt(q1 + 1) !== COMMA || s.charCodeAt(q1 + 2) !== Q) return -1;
    const u0 = q1 + 3, us = micros(s, u0), u1 = us >= 0 ? u0 + 17 : plainString(s, u0);
    if (u1 < 0) return -1;
    i = u1 + 1;
    if (s.charCodeAt(i) === COMMA) {
      // Kraken's republish flag "r", or any string there: unused.
      if (s.charCodeAt(i + 1) !== Q) return -1;
      const e = plainString(s, i + 2);
      if (e < 0) return -1;
      i = e + 1;
    }
    if (s.charCodeAt(i) !== 93) return -1;
    // Two times of Kraken's shape compare as their µs; otherwise as the strings.
    if (us >= 0 && maxUs >= 0 ? us > maxUs : later(s, u0, u1, t0, t1)) {
      t0 = u0;
      t1 = u1;
      maxUs = us;
    }
    if (!lv.push(p, q, p0, p1, q0, q1)) m.ok = false;
    const c = s.charCodeAt(++i);
    if (c === 93) break;
    if (c !== COMMA) return -1;
    i++;
  }
  lv.endRun();
  m.timeFrom = t0;
  m.timeTo = t1;
  m.timeUs = maxUs;
  return i + 1;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** The value `numberAt` or `quotedDecimal` read last. */
let value = 0;

/**
 * The end (closing quote) of a string without escapes or control characters starting at `i`, or -1, with
 * its value as `parseDecimal` gives it in `value`: read in the same pass when it is a plain decimal (the
 * levels' prices and sizes), by `plainString` and `parseDecimal` otherwise.
 */
function quotedDecimal(s: string, i: number): number {
  const e = numberAt(s, i);
  if (e >= 0 && s.charCodeAt(e) === Q) return e;
  // Not a JSON number's text (empty, a leading zero, a bare dot…): the general path reads it as `+text` does.
  const end = plainString(s, i);
  if (end >= 0) value = parseDecimal(s, i, end);
  return end;
}

/**
 * The number s[from, to) denotes, as `+s.slice(from, to)` gives it: Kraken's times (`1618678133.365913`)
 * have 16 digits, one more than `parseDecimal`'s fast path takes, but their digits still form an integer
 * below 2^53, and then one division by an exact power of ten is correctly rounded too.
 */
function seconds(s: string, from: number, to: number): number {
  let m = 0;
  let scale = -1;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0) scale = 0;
    else return parseDecimal(s, from, to);
  }
  if (to === from || scale === 0 || m >= 2 ** 53 || scale > 22) return parseDecimal(s, from, to);
  return scale > 0 ? m / POW10[scale]! : m;
}

/**
 * A level time of Kraken's shape at `i` (`1618678133.365913"`: 10 digits, a dot, 6 digits, the closing quote)
 * as an integer count of µs (below 2^53, so exact: divided by 1e6 it is the number the text denotes), or -1.
 */
function micros(s: string, i: number): number {
  let v = 0;
  for (let k = 0; k < 17; k++) {
    const c = s.charCodeAt(i + k);
    if (k === 10) {
      if (c !== 46) return -1;
      continue;
    }
    const d = c - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return s.charCodeAt(i + 17) === Q && v < 2 ** 53 ? v : -1;
}

/**
 * Whether time text s[a0, a1) is later than s[b0, b1): seconds with a fixed 6 decimals, so the longer is
 * later, else the greater by character (as `latest` compares strings).
 */
function later(s: string, a0: number, a1: number, b0: number, b1: number): boolean {
  const n = a1 - a0;
  if (n !== b1 - b0) return n > b1 - b0;
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(a0 + k) - s.charCodeAt(b0 + k);
    if (d !== 0) return d > 0;
  }
  return false;
}

/**
 * `plainNumber` and `parseDecimal` of its text in one pass: the end of the number at `i` or -1, its value
 * in `value`.
 */
function numberAt(s: string, i: number): number {
  const from = i;
  let m = 0;
  let digits = 0;
  let scale = -1;
  for (;; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0 && digits > 0) scale = 0;
    else break;
  }
  // JSON: a digit before and after the dot, no leading zero before another digit.
  if (digits === 0 || scale === 0 || (s.charCodeAt(from) === 48 && i > from + 1 && s.charCodeAt(from + 1) !== 46)) return -1;
  value = digits > 15 ? parseDecimal(s, from, i) : scale > 0 ? m / POW10[scale]! : m;
  return i;
}

// ---- v2: {"channel":"book","type":"snapshot"|"update","data":[{symbol, bids, asks, checksum, timestamp?}]} ----

const V2_HEAD = '{"channel":"book","type":"';

/** Reads a v2 book message with one data entry into `m`; false (m then undefined) when outside the subset. */
export function scanKrakenV2Book(s: string, m: KrakenBookMsg): boolean {
  if (!textAt(s, 0, V2_HEAD)) return false;
  const n = s.length;
  const typeEnd = plainString(s, V2_HEAD.length);
  if (typeEnd < 0 || !textAt(s, typeEnd, '","data":[{') || !textAt(s, s.length - 3, '}]}')) return false;
  m.reset(s);
  m.snapshot = typeEnd - V2_HEAD.length === 8 && textAt(s, V2_HEAD.length, 'snapshot');
  let i = typeEnd + 11;
  let seen = 0;
  for (;;) {
    let bit: number;
    // Told apart by their first letter, then compared whole.
    const k = s.charCodeAt(i + 1);
    if (k === 115 && textAt(s, i, '"symbol":"')) {
      bit = 1;
      const e = plainString(s, i + 10);
      if (e < 0) return false;
      m.symbol = s.slice(i + 10, e);
      i = e + 1;
    } else if (k === 98 && textAt(s, i, '"bids":[')) {
      bit = 2;
      i = v2Levels(s, i + 8, m, m.bids);
    } else if (k === 97 && textAt(s, i, '"asks":[')) {
      bit = 4;
      i = v2Levels(s, i + 8, m, m.asks);
    } else if (k === 99 && textAt(s, i, '"checksum":')) {
      bit = 8;
      const e = plainNumber(s, i + 11);
      if (e < 0) return false;
      m.checksum = parseDecimal(s, i + 11, e);
      i = e;
    } else if (k === 116 && textAt(s, i, '"timestamp":"')) {
      bit = 16;
      const e = plainString(s, i + 13);
      if (e < 0) return false;
      m.timestamp = s.slice(i + 13, e);
      i = e + 1;
    } else return false;
    if (i < 0 || seen & bit) return false;
    seen |= bit;
    const c = s.charCodeAt(i);
    if (c === 125) break;
    if (c !== COMMA) return false;
    i++;
  }
  // Without a symbol the JSON path reports the entry.
  return i === n - 3 && (seen & 1) === 1;
}

/** `{"price":N,"qty":N},…]` after the opening bracket, as one run; the index after the closing bracket or -1. */
function v2Levels(s: string, i: number, m: KrakenBookMsg, lv: KrakenLevels): number {
  if (s.charCodeAt(i) !== 93) {
    for (;;) {
      if (!textAt(s, i, '{"price":')) return -1;
      const p0 = i + 9, p1 = numberAt(s, p0), p = value;
      if (p1 < 0 || !textAt(s, p1, ',"qty":')) return -1;
      const q0 = p1 + 7, q1 = numberAt(s, q0), q = value;
      if (q1 < 0 || s.charCodeAt(q1) !== 125) return -1;
      if (!lv.push(p, q, p0, p1, q0, q1)) m.ok = false;
      i = q1 + 1;
      const c = s.charCodeAt(i);
      if (c === 93) break;
      if (c !== COMMA) return -1;
      i++;
    }
  }
  lv.endRun();
  return i + 1;
}

// ---- the same from JSON.parse's output (frames outside the subsets) ----

type Obj = Record<string, unknown>;

/**
 * A level list as JSON.parse gave it, as one run: `[price, size, …]` arrays, or with `objects` also
 * `{price, qty}` objects (v2), of decimal strings or numbers — the number's own text then, as the book would
 * keep it. Absent, no run; not a list or not levels, not `ok`.
 */
function jsonLevels(m: KrakenBookMsg, lv: KrakenLevels, raw: unknown, objects: boolean): void {
  if (raw === undefined) return;
  if (!Array.isArray(raw)) {
    m.ok = false;
    return;
  }
  for (const l of raw as unknown[]) {
    let ps: unknown, ss: unknown;
    if (Array.isArray(l)) {
      ps = l[0];
      ss = l[1];
    } else if (objects && l !== null && typeof l === 'object') {
      ps = (l as Obj).price;
      ss = (l as Obj).qty;
    } else {
      m.ok = false;
      return;
    }
    if ((typeof ps !== 'string' && typeof ps !== 'number') || (typeof ss !== 'string' && typeof ss !== 'number')) {
      m.ok = false;
      return;
    }
    const p0 = m.text.length;
    m.text += String(ps);
    const q0 = m.text.length;
    m.text += String(ss);
    const p = typeof ps === 'number' ? ps : parseDecimal(ps), q = typeof ss === 'number' ? ss : parseDecimal(ss);
    if (!lv.push(p, q, p0, q0, q0, m.text.length)) {
      m.ok = false;
      return;
    }
  }
  lv.endRun();
}

/**
 * A parsed v1 book message `a` (its first part an object, `depth` from its channel name) into `m`. A snapshot
 * is a first part with `as` or `bs`; an update has one or two parts of `a`/`b` lists, the checksum in the last.
 */
export function krakenV1FromJson(a: unknown[], pair: string, depth: number, m: KrakenBookMsg): void {
  m.reset('');
  m.symbol = pair;
  m.depth = depth;
  const first = a[1] as Obj;
  if ('as' in first || 'bs' in first) {
    m.snapshot = true;
    m.tsMs = toMs(latest(first.as, latest(first.bs, '')));
    jsonLevels(m, m.asks, first.as, false);
    jsonLevels(m, m.bids, first.bs, false);
    return;
  }
  const second = a.length === 5 ? (a[2] as Obj | null) : undefined;
  m.tsMs = toMs(latest(first.a, latest(first.b, latest(second?.a, latest(second?.b, '')))));
  for (const part of second === undefined ? [first] : [first, second]) {
    if (!part || typeof part !== 'object') {
      m.ok = false;
      return;
    }
    jsonLevels(m, m.asks, part.a, false);
    jsonLevels(m, m.bids, part.b, false);
  }
  m.checksum = second ? second.c : first.c;
}

/**
 * v2 sends prices and quantities as JSON numbers printed at the pair's full precision, and the checksum is
 * over that text: quoting them in a book frame before JSON.parse keeps it ("45285.20" would otherwise become
 * 45285.2). The scanner needs none of this: it reads the text where it is.
 */
export const quoteV2Numbers = (frame: string): string => (frame.startsWith('{"channel":"book"') ? frame.replace(NUMBER_FIELDS, '"$1":"$2"') : frame);
const NUMBER_FIELDS = /"(price|qty)":(-?[0-9][0-9.eE+-]*)/g;

/** A parsed v2 book data entry `d` (its symbol a string) into `m`. */
export function krakenV2FromJson(d: Obj, snapshot: boolean, m: KrakenBookMsg): void {
  m.reset('');
  m.symbol = d.symbol as string;
  m.snapshot = snapshot;
  jsonLevels(m, m.asks, d.asks, true);
  jsonLevels(m, m.bids, d.bids, true);
  m.checksum = d.checksum;
  m.timestamp = d.timestamp;
}

/**
 * The latest level timestamp (3rd element: seconds with a fixed 6 decimals) in a list of levels, or `max`
 * when none is later. Compared as strings (same width until 2286), converted once by `toMs`.
 */
function latest(levels: unknown, max: string): string {
  if (!Array.isArray(levels)) return max;
  for (const l of levels as unknown[][]) {
    const t = l?.[2];
    if (typeof t === 'string' && (t.length > max.length || (t.length === max.length && t > max))) max = t;
  }
  return max;
}

const toMs = (sec: string): number => (sec ? Math.round(+sec * 1000) : 0);
