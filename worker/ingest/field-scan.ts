import { parseDecimal } from '../../shared/market/decimal';
import { COMMA, MAX_DEPTH, numberEnd, plainString, Q, skipValue, ws } from './scan';

/**
 * How a scanner reads a field's value:
 * - `sym`: a string from a small set (a message type, a product id, a side), one string kept per value;
 * - `str`: any other string;
 * - `dec`: a decimal string ("61837.63"), read straight to the number `parseDecimal` gives for it;
 * - `num`: a JSON number;
 * - `bool`: true or false;
 * - `levels`: a list of lists of strings (`[["price","size"],…]`, `[["buy","price","size"],…]`): strings that
 *   start with a digit become numbers as `dec`, the others stay strings as `sym`;
 * - `nested`: an object read with the same fields, or a list of such objects.
 */
export type FieldKind = 'sym' | 'str' | 'dec' | 'num' | 'bool' | 'levels' | 'nested';

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);
const SYM = 0, STR = 1, DEC = 2, NUM = 3, BOOL = 4, LEVELS = 5, NESTED = 6;
const KINDS: Record<FieldKind, number> = { sym: SYM, str: STR, dec: DEC, num: NUM, bool: BOOL, levels: LEVELS, nested: NESTED };
/** Slots of the field and string tables (powers of two, indexed by hash). */
const FIELD_SLOTS = 128;
const SYM_SLOTS = 256;

interface Field {
  key: string;
  kind: number;
  /** The field that followed this one last time: frames of a kind list their fields in one order. */
  next: Field | undefined;
  /** This field's last `sym` value: a message type or a topic mostly repeats. */
  last: string;
}

type Obj = Record<string, unknown>;

/**
 * A strict-subset frame scanner for venues that send JSON objects: it reads the fields a venue's adapter
 * uses, by a table of their names and kinds, proves every other field valid JSON without building it, and
 * returns what `JSON.parse` followed by the kinds' conversions would (fields not in the table left out), or
 * undefined for anything outside the subset — a string with escapes, a field whose value is not of its kind,
 * a level of more than four strings, deep nesting, a top level that is not an object — which the adapter
 * then reads with JSON.parse. Accepting only valid JSON, it never has to understand all of it. Decimal strings
 * are never allocated, and repeated field names and `sym` values cost one string each, once. One scanner (per
 * venue, module-wide) is shared by all of that venue's adapters: what it keeps between frames only speeds it up.
 */
export class FieldScanner {
  private readonly fields: (Field | undefined)[] = new Array<Field | undefined>(FIELD_SLOTS).fill(undefined);
  private readonly syms: string[] = new Array<string>(SYM_SLOTS).fill('');
  /** Per depth, the field that came first in the last object there. */
  private readonly head: (Field | undefined)[] = new Array<Field | undefined>(MAX_DEPTH + 2).fill(undefined);
  /** The hash of the string `hashed` read last. */
  private h = 0;
  /** The value a reader read last. */
  private v: unknown = undefined;

  constructor(readonly schema: Readonly<Record<string, FieldKind>>) {
    for (const [key, kind] of Object.entries(schema)) {
      let slot = hashOf(key) & (FIELD_SLOTS - 1);
      while (this.fields[slot]) slot = (slot + 1) & (FIELD_SLOTS - 1);
      if (plainString(`${key}"`, 0) !== key.length) throw new Error(`field name ${key} is not a plain string`);
      this.fields[slot] = { key, kind: KINDS[kind], next: undefined, last: '' };
    }
  }

  /** The frame's fields, or undefined when the frame is outside the subset. */
  scan(s: string): Obj | undefined {
    const i = sp(s, 0);
    if (s.charCodeAt(i) !== 123) return undefined;
    const out: Obj = {};
    const e = this.object(s, i + 1, out, 1);
    return e < 0 || sp(s, e) !== s.length ? undefined : out;
  }

  /** Reads an object's members after its opening brace into `out`; the index after its closing brace, or -1. */
  private object(s: string, i: number, out: Obj, depth: number): number {
    i = sp(s, i);
    if (s.charCodeAt(i) === 125) return i + 1;
    let prev: Field | undefined;
    for (;;) {
      if (s.charCodeAt(i) !== Q) return -1;
      // The field that followed the previous one last time is checked first, without hashing the name.
      const g = prev === undefined ? this.head[depth] : prev.next;
      let f: Field | undefined, ke: number;
      if (g !== undefined && s.charCodeAt((ke = i + 1 + g.key.length)) === Q && same(s, i + 1, g.key)) f = g;
      else {
        ke = this.hashed(s, i + 1);
        if (ke < 0) return -1;
        f = this.field(s, i + 1, ke);
        if (f !== undefined) {
          if (prev === undefined) this.head[depth] = f;
          else prev.next = f;
        }
      }
      if (f !== undefined) prev = f;
      i = sp(s, ke + 1);
      if (s.charCodeAt(i) !== 58) return -1;
      i = sp(s, i + 1);
      if (f === undefined) i = skipValue(s, i, depth);
      else {
        i = this.value(s, i, f, depth);
        if (i >= 0) out[f.key] = this.v;
      }
      if (i < 0) return -1;
      i = sp(s, i);
      const c = s.charCodeAt(i);
      if (c === 125) return i + 1;
      if (c !== COMMA) return -1;
      i = sp(s, i + 1);
    }
  }

  /** Reads a value of `kind` at `i` into `this.v`; the index after it, or -1. */
  private value(s: string, i: number, f: Field, depth: number): number {
    const c = s.charCodeAt(i);
    const kind = f.kind;
    if (kind === NUM) {
      const e = numberEnd(s, i);
      if (e >= 0) this.v = parseDecimal(s, i, e);
      return e;
    }
    if (kind === BOOL) {
      const e = c === 116 && s.startsWith('true', i) ? i + 4 : c === 102 && s.startsWith('false', i) ? i + 5 : -1;
      this.v = c === 116;
      return e;
    }
    if (kind === LEVELS) return c === 91 ? this.levels(s, i + 1) : -1;
    if (kind === NESTED) {
      if (depth >= MAX_DEPTH) return -1;
      if (c === 123) {
        const o: Obj = {};
        const e = this.object(s, i + 1, o, depth + 1);
        this.v = o;
        return e;
      }
      return c === 91 ? this.list(s, i + 1, depth + 1) : -1;
    }
    if (c !== Q) return -1;
    if (kind === SYM) {
      const last = f.last;
      let e = i + 1 + last.length;
      if (s.charCodeAt(e) === Q && same(s, i + 1, last)) this.v = last;
      else {
        e = this.hashed(s, i + 1);
        if (e < 0) return -1;
        this.v = f.last = this.sym(s, i + 1, e);
      }
      return e + 1;
    }
    const e = kind === DEC ? this.decimal(s, i + 1) : plainString(s, i + 1);
    if (e < 0) return -1;
    if (kind === STR) this.v = s.slice(i + 1, e);
    return e + 1;
  }

  /** A list of objects after its opening bracket. */
  private list(s: string, i: number, depth: number): number {
    const out: Obj[] = [];
    i = sp(s, i);
    if (s.charCodeAt(i) !== 93) {
      for (;;) {
        if (s.charCodeAt(i) !== 123) return -1;
        const o: Obj = {};
        i = this.object(s, i + 1, o, depth + 1);
        if (i < 0) return -1;
        out.push(o);
        i = sp(s, i);
        const c = s.charCodeAt(i);
        if (c === 93) break;
        if (c !== COMMA) return -1;
        i = sp(s, i + 1);
      }
    }
    this.v = out;
    return i + 1;
  }

  /** `[[…],…]` after the opening bracket: each level a list of up to four strings. */
  private levels(s: string, i: number): number {
    const out: unknown[][] = [];
    i = sp(s, i);
    if (s.charCodeAt(i) !== 93) {
      for (;;) {
        if (s.charCodeAt(i) !== 91) return -1;
        i = sp(s, i + 1);
        let n = 0;
        let a: unknown, b: unknown, c: unknown, d: unknown;
        if (s.charCodeAt(i) !== 93) {
          for (;;) {
            if (s.charCodeAt(i) !== Q || n === 4) return -1;
            const c0 = s.charCodeAt(i + 1);
            const e = c0 >= 48 && c0 <= 57 ? this.decimal(s, i + 1) : this.hashed(s, i + 1);
            if (e < 0) return -1;
            const x = c0 >= 48 && c0 <= 57 ? this.v : this.sym(s, i + 1, e);
            if (n === 0) a = x;
            else if (n === 1) b = x;
            else if (n === 2) c = x;
            else d = x;
            n++;
            i = sp(s, e + 1);
            const ch = s.charCodeAt(i);
            if (ch === 93) break;
            if (ch !== COMMA) return -1;
            i = sp(s, i + 1);
          }
        }
        out.push(n === 2 ? [a, b] : n === 3 ? [a, b, c] : n === 4 ? [a, b, c, d] : n === 1 ? [a] : []);
        i = sp(s, i + 1);
        const ch = s.charCodeAt(i);
        if (ch === 93) break;
        if (ch !== COMMA) return -1;
        i = sp(s, i + 1);
      }
    }
    this.v = out;
    return i + 1;
  }

  /**
   * Like `plainString`, and leaves `parseDecimal` of the string in `this.v`: the common short plain decimal is
   * converted in the same pass (as `parseDecimal` does it), anything else by `parseDecimal` itself.
   */
  private decimal(s: string, i: number): number {
    let m = 0, digits = 0, scale = -1;
    let j = i;
    let c = s.charCodeAt(j);
    for (;; c = s.charCodeAt(++j)) {
      if (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        digits++;
        if (scale >= 0) scale++;
      } else if (c === 46 && scale < 0) scale = 0;
      else break;
    }
    if (c === Q && digits > 0 && digits <= 15) {
      this.v = scale > 0 ? m / POW10[scale]! : m;
      return j;
    }
    // A longer integer (a microsecond timestamp) is exact while below 2^53: every prefix summed on the way is too.
    if (c === Q && digits > 0 && scale < 0 && m <= Number.MAX_SAFE_INTEGER) {
      this.v = m;
      return j;
    }
    const e = plainString(s, j);
    if (e >= 0) this.v = parseDecimal(s, i, e);
    return e;
  }

  /** Like `plainString`, and leaves the string's hash in `this.h`. */
  private hashed(s: string, i: number): number {
    let h = 0;
    for (let n = s.length; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === Q) {
        this.h = h;
        return i;
      }
      if (c === 92 || c < 32) return -1;
      h = (Math.imul(h, 31) + c) | 0;
    }
    return -1;
  }

  /** The table's field named `s[from, to)` (hash in `this.h`), if any. */
  private field(s: string, from: number, to: number): Field | undefined {
    for (let slot = this.h & (FIELD_SLOTS - 1); ; slot = (slot + 1) & (FIELD_SLOTS - 1)) {
      const f = this.fields[slot];
      if (f === undefined) return undefined;
      if (f.key.length === to - from && same(s, from, f.key)) return f;
    }
  }

  /** `s[from, to)` (hash in `this.h`) as the string kept for it: one per value while they fit the table. */
  private sym(s: string, from: number, to: number): string {
    const slot = this.h & (SYM_SLOTS - 1);
    const t = this.syms[slot]!;
    if (t.length === to - from && same(s, from, t)) return t;
    return (this.syms[slot] = s.slice(from, to));
  }
}

/** `ws` behind an inline test: frames mostly have no whitespace at all. */
const sp = (s: string, i: number): number => (s.charCodeAt(i) > 32 ? i : ws(s, i));

/** Whether `s` holds `t` at `from` (short strings: a loop the compiler inlines beats a builtin call). */
function same(s: string, from: number, t: string): boolean {
  for (let k = 0; k < t.length; k++) if (s.charCodeAt(from + k) !== t.charCodeAt(k)) return false;
  return true;
}

function hashOf(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return h;
}
