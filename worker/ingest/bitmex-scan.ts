import { COMMA, numberInto, plainString, Q, skipValue } from './scan';

export const BUY = 1;
export const SELL = 2;

/**
 * orderBookL2 rows as columns, reused from frame to frame: the scanner fills them straight from the text, rows
 * JSON.parse made are copied in (`fromJson`), and the adapter reads one shape. A value that is not what the
 * venue sends reads as NaN (id, size), side 0 or, for a price given but not a number, -Infinity; a price not
 * given (2021 updates and deletes) reads as NaN.
 */
export class BookRows {
  length = 0;
  symbol: unknown[] = [];
  timestamp: unknown[] = [];
  id = new Float64Array(256);
  side = new Uint8Array(256);
  size = new Float64Array(256);
  price = new Float64Array(256);

  /** Makes room for row `k` and returns it with nothing given. */
  add(): number {
    const k = this.length++;
    if (k === this.id.length) {
      this.id = grown(this.id);
      this.size = grown(this.size);
      this.price = grown(this.price);
      const side = new Uint8Array(2 * k);
      side.set(this.side);
      this.side = side;
    }
    this.symbol[k] = undefined;
    this.timestamp[k] = undefined;
    this.id[k] = NaN;
    this.side[k] = 0;
    this.size[k] = NaN;
    this.price[k] = NaN;
    return k;
  }

  /** The rows of a JSON.parse'd `data` list. */
  fromJson(data: readonly unknown[]): this {
    this.length = 0;
    for (const r of data) {
      const k = this.add();
      if (r === null || typeof r !== 'object') continue;
      const { symbol, timestamp, id, side, size, price } = r as Record<string, unknown>;
      this.symbol[k] = symbol;
      this.timestamp[k] = timestamp;
      if (typeof id === 'number') this.id[k] = id;
      this.side[k] = side === 'Buy' ? BUY : side === 'Sell' ? SELL : 0;
      if (typeof size === 'number') this.size[k] = size;
      if (price !== undefined) this.price[k] = typeof price === 'number' ? price : -Infinity;
    }
    return this;
  }
}

function grown(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(2 * a.length);
  b.set(a);
  return b;
}

/** What the adapter reads of an orderBookL2 frame besides its rows. */
export interface BookHead {
  table: string;
  action: string;
  /** `filter.symbol` of a partial. */
  filter: string | undefined;
}

/**
 * A one-pass reader for BitMEX orderBookL2 frames (partials are most of a BitMEX stream's bytes) that skips
 * JSON.parse and allocates nothing per row. It accepts only a strict subset of JSON —
 * `{"table":"orderBookL2" or "orderBookL2_25","action":"…",…,"data":[{…},…]}` with no whitespace, whose rows hold only
 * `symbol`, `side`, `timestamp` (plain strings), `id`, `size` and `price` (numbers), whose `filter` is
 * `{"symbol":"…"}`, and whose other members (a partial's keys, types…) are skipped as values of the subset —
 * and returns undefined for anything else, which then goes through JSON.parse. Its rows are filled as
 * `rows.fromJson` fills them from JSON.parse's.
 */
export function scanBitmexBook(s: string, rows: BookRows): BookHead | undefined {
  if (!s.startsWith('{"table":"orderBookL2')) return undefined;
  const tableEnd = plainString(s, 10);
  if (tableEnd < 0 || !s.startsWith('","action":"', tableEnd)) return undefined;
  const table = s.slice(10, tableEnd);
  if (table !== 'orderBookL2' && table !== 'orderBookL2_25') return undefined;
  let i = tableEnd + 12;
  const actionEnd = plainString(s, i);
  if (actionEnd < 0) return undefined;
  const action = s.slice(i, actionEnd);
  i = actionEnd + 1;
  let filter: string | undefined;
  let data = false;
  rows.length = 0;
  while (s.charCodeAt(i) === COMMA) {
    if (s.charCodeAt(i + 1) !== Q) return undefined;
    const keyEnd = plainString(s, i + 2);
    if (keyEnd < 0 || s.charCodeAt(keyEnd + 1) !== 58) return undefined;
    const key = s.slice(i + 2, keyEnd);
    i = keyEnd + 2;
    if (key === 'data') {
      if (data || s.charCodeAt(i) !== 91) return undefined;
      data = true;
      i = scanRows(s, i + 1, rows);
    } else if (key === 'filter') {
      if (!s.startsWith('{"symbol":"', i)) return undefined;
      const e = plainString(s, i + 11);
      if (e < 0 || s.charCodeAt(e + 1) !== 125) return undefined;
      filter = s.slice(i + 11, e);
      i = e + 2;
    } else if (key === 'table' || key === 'action') return undefined;
    else i = skipValue(s, i);
    if (i < 0) return undefined;
  }
  return data && i === s.length - 1 && s.charCodeAt(i) === 125 ? { table, action, filter } : undefined;
}

/** Reads `{…},…]` after the data list's opening bracket into `rows`; the index after the closing bracket, or -1. */
function scanRows(s: string, i: number, rows: BookRows): number {
  if (s.charCodeAt(i) === 93) return i + 1;
  for (;;) {
    if (s.charCodeAt(i) !== 123) return -1;
    const k = rows.add();
    i++;
    if (s.charCodeAt(i) !== 125) {
      for (;;) {
        const key = rowKey(s, i);
        if (key < 0) return -1;
        i += ROW_KEYS[key]!.length + 3;
        if (key === ID || key === SIZE || key === PRICE) {
          i = numberInto(s, i, key === ID ? rows.id : key === SIZE ? rows.size : rows.price, k);
          if (i < 0) return -1;
        } else {
          if (s.charCodeAt(i) !== Q) return -1;
          const e = plainString(s, i + 1);
          if (e < 0) return -1;
          if (key === SYMBOL) rows.symbol[k] = same(s, i + 1, e, rows.symbol[k - 1]);
          else if (key === SIDE) rows.side[k] = e - i === 4 && s.startsWith('Buy', i + 1) ? BUY : e - i === 5 && s.startsWith('Sell', i + 1) ? SELL : 0;
          else rows.timestamp[k] = same(s, i + 1, e, rows.timestamp[k - 1]);
          i = e + 1;
        }
        const c = s.charCodeAt(i);
        if (c === 125) break;
        if (c !== COMMA) return -1;
        i++;
      }
    }
    const c = s.charCodeAt(++i);
    if (c === 93) return i + 1;
    if (c !== COMMA) return -1;
    i++;
  }
}

const SYMBOL = 0, SIDE = 1, TIMESTAMP = 2, ID = 3, SIZE = 4, PRICE = 5;
const ROW_KEYS = ['symbol', 'side', 'timestamp', 'id', 'size', 'price'];

/** Which row key `"key":` at `i` holds, told apart by its letters without slicing it; -1 for any other. */
function rowKey(s: string, i: number): number {
  if (s.charCodeAt(i) !== Q) return -1;
  const c = s.charCodeAt(i + 1);
  const k = c === 105 ? ID : c === 112 ? PRICE : c === 116 ? TIMESTAMP : c !== 115 ? -1 : s.charCodeAt(i + 2) === 121 ? SYMBOL : s.charCodeAt(i + 3) === 100 ? SIDE : SIZE;
  if (k < 0) return -1;
  const key = ROW_KEYS[k]!;
  for (let j = 1; j < key.length; j++) if (s.charCodeAt(i + 1 + j) !== key.charCodeAt(j)) return -1;
  const e = i + 1 + key.length;
  return s.charCodeAt(e) === Q && s.charCodeAt(e + 1) === 58 ? k : -1;
}

/** `s[from, to)`, as the previous row's string when it reads the same (rows of a frame share symbol and time). */
function same(s: string, from: number, to: number, prev: unknown): string {
  return typeof prev === 'string' && prev.length === to - from && s.startsWith(prev, from) ? prev : s.slice(from, to);
}
