import { describe, expect, it } from 'vitest';
import { BitmexAdapter } from '../../worker/ingest/bitmex';
import { BookRows, scanBitmexBook } from '../../worker/ingest/bitmex-scan';
import { feed } from './adapter-harness';
import { hasData, NO_DATA, recording } from './recordings';
import { mutatedFramesReadAsJsonParse } from './scanner-subset';

const WS = 'cryptofeed/BITMEX.ws.1.0';

/** The rows' columns as plain lists, for comparison. */
const columns = (r: BookRows) => ({
  symbol: r.symbol.slice(0, r.length),
  timestamp: r.timestamp.slice(0, r.length),
  id: [...r.id.subarray(0, r.length)],
  side: [...r.side.subarray(0, r.length)],
  size: [...r.size.subarray(0, r.length)],
  price: [...r.price.subarray(0, r.length)],
});

/** What the adapter reads of a book frame the slow way: JSON.parse, then its rows copied into columns. */
function slow(frame: string) {
  const j = JSON.parse(frame) as { table: unknown; action: unknown; filter?: { symbol?: unknown }; data: unknown };
  if (!Array.isArray(j.data)) throw new Error('data is not a list');
  return { head: { table: j.table, action: j.action, filter: j.filter?.symbol }, rows: columns(new BookRows().fromJson(j.data)) };
}

function fast(frame: string) {
  const rows = new BookRows();
  const head = scanBitmexBook(frame, rows);
  return head && { head, rows: columns(rows) };
}

describe.skipIf(!hasData())(`scanBitmexBook ${hasData() ? '' : NO_DATA}`, () => {
  it('reads every recorded orderBookL2 frame exactly as JSON.parse and the adapter\'s row reading do, and leaves every other frame to JSON.parse', () => {
    let scanned = 0;
    let left = 0;
    let rows = 0;
    for (const r of recording(WS)) {
      if (r.kind !== 'ws') continue;
      const s = fast(r.frame);
      if (s === undefined) {
        left++;
        if (r.frame.includes('"table":"orderBookL2"')) expect.fail(`${WS}:${r.line}: a book frame left to JSON.parse`);
      } else {
        scanned++;
        rows += s.rows.id.length;
        expect(s, `${WS}:${r.line}`).toStrictEqual(slow(r.frame));
      }
    }
    // 10 partials + 445 inserts + 1,090 updates + 434 deletes; the rest are quotes, trades and acknowledgements.
    expect(scanned).toBe(1_979);
    expect(left).toBe(141);
    expect(rows).toBeGreaterThan(10_000);
  });

  it('accepts a mutated frame only if JSON.parse accepts it and reads the same', () => {
    // Short frames (not the 100 kB partials), so that a mutation hits the rows often.
    const frames = recording(WS).filter((r) => r.kind === 'ws' && r.frame.length < 2_000 && fast(r.frame) !== undefined).map((r) => r.frame);
    const accepted = mutatedFramesReadAsJsonParse(frames, fast, slow, 5_000, 7);
    expect(accepted).toBeGreaterThan(500);
  });

  it('reads a partial\'s header members as values it skips, and refuses what JSON.parse would not take', () => {
    const row = '{"symbol":"XBTUSD","id":8799967950,"side":"Sell","size":100,"price":32050,"timestamp":"2023-07-01T00:00:00.000Z"}';
    const partial = `{"table":"orderBookL2","action":"partial","keys":["symbol","id","side"],"types":{"id":"long","x":[1,-2.5e3,true,false,null,{}]},"filter":{"symbol":"XBTUSD"},"data":[${row}]}`;
    expect(fast(partial)).toStrictEqual(slow(partial));
    expect(fast(partial)!.rows.price).toEqual([32050]);
    // Another table: the adapter's own table switch decides, after JSON.parse.
    expect(fast(partial.replace('"orderBookL2"', '"orderBookL2x"'))).toBeUndefined();
    expect(fast(partial.replace('"orderBookL2"', '"orderBookL2_25"'))).toStrictEqual(slow(partial.replace('"orderBookL2"', '"orderBookL2_25"')));
    // Not JSON: refused.
    for (const bad of [partial.replace('-2.5e3', '-2.5e'), partial.replace('32050', '032050'), partial.replace('"Sell"', 'Sell'), partial.slice(0, -1)]) {
      expect(() => JSON.parse(bad) as unknown).toThrow();
      expect(fast(bad), bad).toBeUndefined();
    }
    // JSON outside the subset (whitespace, an escape): left to JSON.parse, which reads the same rows.
    for (const other of [partial.replace('"keys":', '"keys": '), partial.replace('"id":"long"', '"id":"lo\\ng"'), `${partial} `]) {
      expect(fast(other), other).toBeUndefined();
      expect(slow(other).rows).toStrictEqual(slow(partial).rows);
    }
    // Nesting beyond what the scanner follows goes to JSON.parse instead of exhausting the stack.
    const deep = partial.replace('"keys":', `"deep":${'['.repeat(10_000)}${']'.repeat(10_000)},"keys":`);
    expect(fast(deep)).toBeUndefined();
    expect(slow(deep).rows.id).toEqual([8799967950]);
  });
});

describe.skipIf(!hasData())(`BitmexAdapter, scanned or parsed ${hasData() ? '' : NO_DATA}`, () => {
  it('emits the same events for the recording whether its book frames take the scanner or JSON.parse', () => {
    const frames = recording(WS);
    // A space after the first colon is still JSON but outside the scanner's subset.
    const parsed = frames.map((r) => ({ ...r, frame: r.frame.replace('":', '": ') }));
    expect(parsed.filter((r) => r.kind === 'ws' && fast(r.frame) !== undefined)).toEqual([]);
    const a = feed(new BitmexAdapter([]), frames);
    const b = feed(new BitmexAdapter([]), parsed);
    expect(a.errors).toEqual([]);
    expect(a.events.length).toBe(2_432);
    expect(b).toStrictEqual(a);
  });
});
