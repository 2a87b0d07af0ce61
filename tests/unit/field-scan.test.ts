import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../shared/market/decimal';
import type { Venue } from '../../shared/market/types';
import type { RecordedFrame } from '../../tools/fake-exchange/recording';
import { loadTimeline } from '../../tools/normalize';
import { DATA_DIR } from '../../tools/paths';
import { currentProtocol, VENUE_RECORDINGS } from '../../tools/venue-recordings';
import type { Adapter } from '../../worker/ingest/adapter';
import { BITSTAMP_FIELDS, BitstampAdapter } from '../../worker/ingest/bitstamp';
import { BYBIT_FIELDS, BybitAdapter } from '../../worker/ingest/bybit';
import { COINBASE_FIELDS, CoinbaseAdapter } from '../../worker/ingest/coinbase';
import { FieldScanner, type FieldKind } from '../../worker/ingest/field-scan';
import { drive } from './drive';
import { hasData, NO_DATA } from './recordings';
import { mutatedFramesReadAsJsonParse } from './scanner-subset';

/** Marks a value the scanner must not have accepted: not of its field's kind. */
const OUTSIDE = Symbol('outside the subset');

/**
 * What an adapter makes of a frame the slow way: JSON.parse, then only the table's fields, converted as their
 * kinds say. OUTSIDE where a field's value is not of its kind.
 */
function slow(schema: Readonly<Record<string, FieldKind>>, v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return OUTSIDE;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!Object.hasOwn(schema, k)) continue;
    const y = convert(schema, schema[k]!, x);
    if (y === OUTSIDE) return OUTSIDE;
    out[k] = y;
  }
  return out;
}

function convert(schema: Readonly<Record<string, FieldKind>>, kind: FieldKind, x: unknown): unknown {
  switch (kind) {
    case 'sym':
    case 'str':
      return typeof x === 'string' ? x : OUTSIDE;
    case 'dec':
      return typeof x === 'string' ? parseDecimal(x) : OUTSIDE;
    case 'num':
      return typeof x === 'number' ? x : OUTSIDE;
    case 'bool':
      return typeof x === 'boolean' ? x : OUTSIDE;
    case 'levels':
      if (!Array.isArray(x)) return OUTSIDE;
      for (const l of x) if (!Array.isArray(l) || l.length > 4 || !l.every((e) => typeof e === 'string')) return OUTSIDE;
      return (x as string[][]).map((l) => l.map((e) => (e.charCodeAt(0) >= 48 && e.charCodeAt(0) <= 57 ? parseDecimal(e) : e)));
    case 'nested': {
      if (!Array.isArray(x)) return slow(schema, x);
      const list = x.map((o) => slow(schema, o));
      return list.includes(OUTSIDE) ? OUTSIDE : list;
    }
  }
}

/** Every frame (and REST snapshot body) of a venue's recordings, as its adapter gets them. */
const framesOf = (venue: Venue): RecordedFrame[] =>
  VENUE_RECORDINGS[venue]!.flatMap((s) => currentProtocol(venue, loadTimeline(s.map((f) => join(DATA_DIR, f)), () => {})));

const VENUES: { venue: Venue; fields: FieldScanner; adapter: () => Adapter; scanned: number; left: number }[] = [
  // Every recorded frame is in the subset (frames with escapes, exponents or deep nesting would be left).
  { venue: 'coinbase', fields: COINBASE_FIELDS, adapter: () => new CoinbaseAdapter([], { level2: 'level2' }), scanned: 9_946, left: 0 },
  { venue: 'bybit', fields: BYBIT_FIELDS, adapter: () => new BybitAdapter([], 'linear'), scanned: 4_420, left: 0 },
  { venue: 'bitstamp', fields: BITSTAMP_FIELDS, adapter: () => new BitstampAdapter([]), scanned: 757, left: 0 },
];

describe('FieldScanner', () => {
  const f = new FieldScanner({ t: 'sym', p: 'dec', n: 'num', l: 'levels', d: 'nested', s: 'str', b: 'bool' });

  it('reads each kind, and the same value twice as one string', () => {
    const a = f.scan('{"t":"x","p":"0.00001305","n":-12.5e1,"l":[["buy","1.5","2"],[]],"d":[{"p":"3","b":true},{}],"s":"2021-04-17T16:43:37Z","b":false,"z":[{"q":null}]}');
    expect(a).toEqual({ t: 'x', p: 0.00001305, n: -125, l: [['buy', 1.5, 2], []], d: [{ p: 3, b: true }, {}], s: '2021-04-17T16:43:37Z', b: false });
    const b = f.scan('{ "t" : "x" ,\n"l":[ [ "sell" , "7" ] ] }');
    expect(b).toEqual({ t: 'x', l: [['sell', 7]] });
    expect(b!.t).toBe(a!.t);
  });

  it('reads long decimal strings as parseDecimal does: integers below 2^53 in one pass, the rest by the general conversion', () => {
    for (const p of ['1641343691244908', '9007199254740991', '9007199254740993', '00000000000000000012', '0.1234567890123456789', '5.', '.5', '.', '', '1e5']) {
      expect(f.scan(`{"p":"${p}"}`)!.p, p).toBe(parseDecimal(p));
    }
  });

  it('leaves what it does not read the same way to JSON.parse', () => {
    for (const s of ['{"t":"a\\"b"}', '{"p":1}', '{"b":null}', '{"b":"true"}', '{"b":tru}', '{"n":"1"}', '{"t":"x"} x', '[1]', '{"l":[[1]]}', '{"l":[["1","2","3","4","5"]]}', '{"z":01}', '{"d":{"d":'.repeat(40) + '{}' + '}'.repeat(80)]) {
      expect(f.scan(s), s).toBeUndefined();
    }
  });
});

describe.skipIf(!hasData())(`the venues' field scanners on their recordings ${hasData() ? '' : NO_DATA}`, { timeout: 120_000 }, () => {
  for (const { venue, fields, adapter, scanned, left } of VENUES) {
    it(`${venue}: reads every recorded frame it accepts as JSON.parse and the field conversions do`, () => {
      let n = 0, rest = 0;
      for (const r of framesOf(venue)) {
        const s = fields.scan(r.frame);
        if (s === undefined) rest++;
        else {
          n++;
          expect(s, `${r.file}:${r.line}`).toStrictEqual(slow(fields.schema, JSON.parse(r.frame)));
        }
      }
      expect([n, rest]).toEqual([scanned, left]);
    });

    it(`${venue}: the adapter's events are the same when every frame goes through JSON.parse instead`, () => {
      const frames = framesOf(venue);
      // An escaped letter in the first string is outside the scanner's subset and means the same to JSON.parse.
      const escaped = frames.map((r) => ({ ...r, frame: r.frame.replace(/^(\s*\{\s*")(\w)/, (_, a: string, c: string) => `${a}\\u00${c.charCodeAt(0).toString(16)}`) }));
      expect(escaped.every((r) => fields.scan(r.frame) === undefined)).toBe(true);
      const fast = drive(adapter(), frames);
      const slowDriven = drive(adapter(), escaped);
      expect(fast.errors).toEqual([]);
      expect(fast.events.length).toBeGreaterThan(500);
      expect(fast.events).toStrictEqual(slowDriven.events);
      expect(fast.errors).toEqual(slowDriven.errors);
    });

    it(`${venue}: accepts a mutated frame only if JSON.parse accepts it, and reads it the same`, () => {
      const frames = framesOf(venue).slice(0, 400).map((r) => r.frame).filter((s) => s.length < 20_000);
      const accepted = mutatedFramesReadAsJsonParse(frames, (m) => fields.scan(m), (m) => slow(fields.schema, JSON.parse(m)), 3_000, 11);
      // Many mutations (a digit, a letter inside a string) stay valid: the comparison really ran.
      expect(accepted).toBeGreaterThan(300);
    });
  }
});
