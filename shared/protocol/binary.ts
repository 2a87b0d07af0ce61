import type { Level, Venue } from '../market/types';
import { VENUES } from '../market/types';
import type { BookMsg, ConsolidatedLevel, ServerMsg, TradesMsg, WireTrade } from './messages';

/**
 * The compact encoding of the hot frames (book deltas and trades). Streams are named by a 32-bit hash
 * the client maps back from its own subscriptions; numbers are scaled to integers by the smallest
 * power of ten that makes them exact, prices delta-encoded along each side, all as LEB128 varints.
 * Every other frame is its JSON, tagged, so both subprotocols carry the one message union.
 */
const TAG_JSON = 0;
const TAG_BOOK = 1;
const TAG_TRADES = 2;
/** Scale byte meaning "no decimal scale fits": raw float64. */
const RAW = 255;
const MAX_SCALE = 12;
// Every runtime here has the WHATWG text codecs; shared/ compiles without DOM types, so name them once.
const codecs = globalThis as unknown as {
  TextEncoder: new () => { encode(s: string): Uint8Array };
  TextDecoder: new () => { decode(b: Uint8Array): string };
};
const enc = new codecs.TextEncoder();
const dec = new codecs.TextDecoder();

/** FNV-1a: the stream's id on the binary wire. */
export function streamHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

class Writer {
  buf = new Uint8Array(256);
  n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.n++] = v;
  }
  u32(v: number): void {
    this.room(4);
    new DataView(this.buf.buffer).setUint32(this.n, v, true);
    this.n += 4;
  }
  f64(v: number): void {
    this.room(8);
    new DataView(this.buf.buffer).setFloat64(this.n, v, true);
    this.n += 8;
  }
  /** Unsigned varint up to 2^53. */
  uv(v: number): void {
    this.room(8);
    while (v >= 128) {
      this.buf[this.n++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.n++] = v;
  }
  sv(v: number): void {
    this.uv(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  bytes(b: Uint8Array): void {
    this.uv(b.length);
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

class Reader {
  i = 0;
  private readonly dv: DataView;
  constructor(readonly buf: Uint8Array) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  u8(): number {
    if (this.i >= this.buf.length) throw new RangeError('binary frame truncated');
    return this.buf[this.i++]!;
  }
  u32(): number {
    const v = this.dv.getUint32(this.i, true);
    this.i += 4;
    return v;
  }
  f64(): number {
    const v = this.dv.getFloat64(this.i, true);
    this.i += 8;
    return v;
  }
  uv(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      v += (b & 127) * mul;
      if (b < 128) return v;
      mul *= 128;
      if (mul > 2 ** 56) throw new RangeError('varint too long');
    }
  }
  sv(): number {
    const z = this.uv();
    return z % 2 ? -(z + 1) / 2 : z / 2;
  }
  bytes(): Uint8Array {
    const n = this.uv();
    if (this.i + n > this.buf.length) throw new RangeError('binary frame truncated');
    const b = this.buf.subarray(this.i, this.i + n);
    this.i += n;
    return b;
  }
}

/** Smallest power of ten making every value an exact safe integer, or RAW. */
function scaleOf(values: readonly number[]): number {
  outer: for (let k = 0; k <= MAX_SCALE; k++) {
    const m = 10 ** k;
    for (const v of values) {
      const s = Math.round(v * m);
      if (!Number.isSafeInteger(s) || s / m !== v) continue outer;
    }
    return k;
  }
  return RAW;
}

/** Writes a number list: scale byte, then (delta-encoded when `delta`) scaled varints. */
function writeNums(w: Writer, values: readonly number[], delta: boolean): void {
  const k = scaleOf(values);
  w.u8(k);
  if (k === RAW) {
    for (const v of values) w.f64(v);
    return;
  }
  const m = 10 ** k;
  let prev = 0;
  for (const v of values) {
    const s = Math.round(v * m);
    if (delta) {
      w.sv(s - prev);
      prev = s;
    } else w.sv(s);
  }
}

function readNums(r: Reader, n: number, delta: boolean): number[] {
  const k = r.u8();
  const out = new Array<number>(n);
  if (k === RAW) {
    for (let i = 0; i < n; i++) out[i] = r.f64();
    return out;
  }
  if (k > MAX_SCALE) throw new RangeError(`bad scale ${k}`);
  const m = 10 ** k;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const s = r.sv();
    prev = delta ? prev + s : s;
    out[i] = prev / m;
  }
  return out;
}

const VENUE_INDEX = new Map<string, number>(VENUES.map((v, i) => [v, i]));

function writeBook(w: Writer, m: BookMsg): void {
  const consolidated = m.bids.concat(m.asks).some((l) => l.length === 3);
  w.u8(TAG_BOOK);
  w.u32(streamHash(m.stream));
  w.uv(m.seq);
  w.uv(m.from === undefined ? 0 : m.seq - m.from + 1);
  w.uv(m.ts);
  w.uv(m.bids.length);
  w.uv(m.asks.length);
  w.u8(consolidated ? 1 : 0);
  for (const side of [m.bids, m.asks]) writeNums(w, side.map((l) => l[0]), true);
  const all = m.bids.concat(m.asks);
  writeNums(w, all.map((l) => l[1]), false);
  if (!consolidated) return;
  const shares: number[] = [];
  for (const l of all) {
    const by = (l as ConsolidatedLevel)[2];
    let mask = 0;
    for (const [v, s] of Object.entries(by)) {
      mask |= 1 << VENUE_INDEX.get(v)!;
      shares.push(s);
    }
    w.u8(mask);
  }
  writeNums(w, shares, false);
}

function readBook(r: Reader, streams: ReadonlyMap<number, string>): BookMsg {
  const stream = streamOf(r.u32(), streams);
  const seq = r.uv();
  const span = r.uv();
  const ts = r.uv();
  const nb = r.uv();
  const na = r.uv();
  const consolidated = r.u8() === 1;
  const bp = readNums(r, nb, true);
  const ap = readNums(r, na, true);
  const sizes = readNums(r, nb + na, false);
  const levels: (Level | ConsolidatedLevel)[] = [];
  for (let i = 0; i < nb + na; i++) levels.push([i < nb ? bp[i]! : ap[i - nb]!, sizes[i]!]);
  if (consolidated) {
    const masks = levels.map(() => r.u8());
    const count = masks.reduce((a, m) => a + popcount(m), 0);
    const shares = readNums(r, count, false);
    let j = 0;
    masks.forEach((mask, i) => {
      const by: Partial<Record<Venue, number>> = {};
      for (let v = 0; v < VENUES.length; v++) if (mask & (1 << v)) by[VENUES[v]!] = shares[j++]!;
      (levels[i] as unknown as ConsolidatedLevel)[2] = by;
    });
  }
  const msg: BookMsg = { t: 'book', stream, seq, ts, bids: levels.slice(0, nb), asks: levels.slice(nb) };
  if (span) msg.from = seq - span + 1;
  return msg;
}

function writeTrades(w: Writer, m: TradesMsg): void {
  const ts = m.trades;
  w.u8(TAG_TRADES);
  w.u32(streamHash(m.stream));
  w.uv(m.seq);
  w.uv(m.from === undefined ? 0 : m.seq - m.from + 1);
  w.uv(ts.length);
  let prevId = 0;
  let prevTs = 0;
  for (const t of ts) {
    const numeric = /^\d{1,15}$/.test(t.id);
    w.u8(VENUE_INDEX.get(t.venue)! | (t.side === 'buy' ? 16 : 0) | (numeric ? 32 : 0));
    if (numeric) {
      w.sv(+t.id - prevId);
      prevId = +t.id;
    } else w.bytes(enc.encode(t.id));
    w.sv(t.ts - prevTs);
    prevTs = t.ts;
  }
  writeNums(w, ts.map((t) => t.price), true);
  writeNums(w, ts.map((t) => t.amount), false);
}

function readTrades(r: Reader, streams: ReadonlyMap<number, string>): TradesMsg {
  const stream = streamOf(r.u32(), streams);
  const seq = r.uv();
  const span = r.uv();
  const n = r.uv();
  if (n > r.buf.length) throw new RangeError('trade count exceeds frame');
  const trades: WireTrade[] = [];
  let prevId = 0;
  let prevTs = 0;
  for (let i = 0; i < n; i++) {
    const b = r.u8();
    const venue = VENUES[b & 15];
    if (!venue) throw new RangeError(`bad venue index ${b & 15}`);
    let id: string;
    if (b & 32) {
      prevId += r.sv();
      id = String(prevId);
    } else id = dec.decode(r.bytes());
    prevTs += r.sv();
    trades.push({ id, ts: prevTs, price: 0, amount: 0, side: b & 16 ? 'buy' : 'sell', venue });
  }
  const prices = readNums(r, n, true);
  const amounts = readNums(r, n, false);
  trades.forEach((t, i) => {
    t.price = prices[i]!;
    t.amount = amounts[i]!;
  });
  const msg: TradesMsg = { t: 'trades', stream, seq, trades };
  if (span) msg.from = seq - span + 1;
  return msg;
}

function popcount(m: number): number {
  let c = 0;
  for (; m; m &= m - 1) c++;
  return c;
}

function streamOf(h: number, streams: ReadonlyMap<number, string>): string {
  const s = streams.get(h);
  if (s === undefined) throw new RangeError(`frame for a stream this client did not subscribe (#${h.toString(16)})`);
  return s;
}

export function encodeBinary(msg: ServerMsg): Uint8Array {
  const w = new Writer();
  if (msg.t === 'book') writeBook(w, msg);
  else if (msg.t === 'trades') writeTrades(w, msg);
  else {
    w.u8(TAG_JSON);
    const json = enc.encode(JSON.stringify(msg));
    return concat(w.done(), json);
  }
  return w.done();
}

/** `streams` maps streamHash → name for the client's subscriptions. Throws on a frame it cannot read. */
export function decodeBinary(data: Uint8Array, streams: ReadonlyMap<number, string>): unknown {
  const r = new Reader(data);
  const tag = r.u8();
  if (tag === TAG_JSON) return JSON.parse(dec.decode(data.subarray(1)));
  if (tag === TAG_BOOK) return readBook(r, streams);
  if (tag === TAG_TRADES) return readTrades(r, streams);
  throw new RangeError(`unknown binary tag ${tag}`);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
