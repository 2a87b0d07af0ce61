import { describe, expect, it } from 'vitest';
import { toKrakenV2 } from '../../tools/kraken-v2';
import { KrakenAdapter } from '../../worker/ingest/kraken';
import { KrakenBookMsg, type KrakenLevels, krakenV1FromJson, krakenV2FromJson, quoteV2Numbers, scanKrakenV1Book, scanKrakenV2Book } from '../../worker/ingest/kraken-scan';
import { newRun, sinkInto } from './adapter-harness';
import { hasData, NO_DATA, recording } from './recordings';
import { mutatedFramesReadAsJsonParse } from './scanner-subset';

type Run = [number, number, string, string][];

/** A side's runs as [price, size, price text, size text] per level. */
function runs(lv: KrakenLevels, text: string): Run[] {
  const out: Run[] = [];
  let from = 0;
  for (let r = 0; r < lv.runs; r++) {
    const to = lv.ends[r]!;
    const run: Run = [];
    for (let i = from; i < to; i++) run.push([lv.px[i]!, lv.qty[i]!, text.slice(lv.at[4 * i], lv.at[4 * i + 1]), text.slice(lv.at[4 * i + 2], lv.at[4 * i + 3])]);
    out.push(run);
    from = to;
  }
  return out;
}

/** What the adapters read of a message: its levels, checksum and time only when it is well formed. */
function plain(m: KrakenBookMsg): unknown {
  const head = { symbol: m.symbol, depth: m.depth, snapshot: m.snapshot, ok: m.ok };
  return m.ok ? { ...head, checksum: m.checksum, tsMs: m.tsMs, timestamp: m.timestamp, asks: runs(m.asks, m.text), bids: runs(m.bids, m.text) } : head;
}

/** The v1 JSON path: JSON.parse, the adapter's checks, then its reader. Throws where the adapter would not reach the reader. */
function slowV1(frame: string): unknown {
  const a = JSON.parse(frame) as unknown[];
  const pair = a[a.length - 1], name = a[a.length - 2], first = a[1];
  if (!Array.isArray(a) || a.length < 4 || typeof pair !== 'string' || typeof name !== 'string' || !name.startsWith('book-')) throw new Error('not a book message');
  const depth = +name.slice(5);
  if (!first || typeof first !== 'object' || !(depth > 0)) throw new Error('malformed book message');
  const m = new KrakenBookMsg();
  krakenV1FromJson(a, pair, depth, m);
  return plain(m);
}

/** The v2 JSON path: numbers quoted, JSON.parse, one book entry with a symbol, its reader. */
function slowV2(frame: string): unknown {
  const j = JSON.parse(quoteV2Numbers(frame)) as { channel?: unknown; type?: unknown; data?: Record<string, unknown>[] };
  if (j.channel !== 'book' || !Array.isArray(j.data) || j.data.length !== 1 || typeof j.data[0]?.symbol !== 'string') throw new Error('not one book entry');
  const m = new KrakenBookMsg();
  krakenV2FromJson(j.data[0], j.type === 'snapshot', m);
  return plain(m);
}

const SCANNERS = {
  v1: { scan: scanKrakenV1Book, slow: slowV1 },
  v2: { scan: scanKrakenV2Book, slow: slowV2 },
};

/**
 * The scanner's reading, through one message per version that has seen the frames before (as an adapter's
 * has): its cache of message tails is then exercised too.
 */
const warm = { v1: new KrakenBookMsg(), v2: new KrakenBookMsg() };
const fast = (v: keyof typeof SCANNERS, frame: string): unknown => (SCANNERS[v].scan(frame, warm[v]) ? plain(warm[v]) : undefined);

describe('Kraken book scanners', () => {
  it('read two-part updates, republish flags, empty lists and both snapshot sides; the latest level time counts', () => {
    expect(fast('v1', '[7,{"a":[["1.50","2.0","1600000000.000001","r"]]},{"b":[],"c":"12"},"book-10","XBT/USD"]')).toEqual({
      symbol: 'XBT/USD', depth: 10, snapshot: false, ok: true, checksum: '12', tsMs: 1600000000000, timestamp: undefined,
      asks: [[[1.5, 2, '1.50', '2.0']]], bids: [[]],
    });
    expect(fast('v1', '[0,{"bs":[["2","1","1600000000.400000"],["1","3","1600000000.600000"]],"as":[]},"book-25","XBT/USD"]')).toMatchObject({
      snapshot: true, ok: true, tsMs: 1600000000600, asks: [[]], bids: [[[2, 1, '2', '1'], [1, 3, '1', '3']]],
    });
    // Times compare as strings, the longer later, whatever their shape: as the adapter always compared them.
    const mixed = '[7,{"a":[["1","1","1600000000.9"],["2","1","1600000000.400000"]]},{"b":[["0.5","1","1600000000.300000"]],"c":"1"},"book-10","XBT/USD"]';
    expect(fast('v1', mixed)).toMatchObject({ tsMs: 1600000000400 });
    expect(slowV1(mixed)).toMatchObject({ tsMs: 1600000000400 });
    expect(fast('v2', '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":0.10,"qty":0}],"asks":[],"checksum":7,"timestamp":"t"}]}')).toEqual({
      symbol: 'BTC/USD', depth: 0, snapshot: false, ok: true, checksum: 7, tsMs: 0, timestamp: 't', asks: [[]], bids: [[[0.1, 0, '0.10', '0']]],
    });
  });

  it('leave to JSON.parse what is outside the subset: whitespace, escapes, repeated or unknown keys, exponents, other channels', () => {
    for (const f of [
      '[7, {"a":[["1","2","3"]]},"book-10","XBT/USD"]',
      '[7,{"a":[["1","2","3"]],"a":[]},"book-10","XBT/USD"]',
      '[7,{"a":[["1","2","3"]],"as":[]},"book-10","XBT/USD"]',
      '[7,{"as":[["1","2","3"]]},{"b":[]},"book-10","XBT/USD"]',
      '[7,{"a":[["1","2"]]},"book-10","XBT/USD"]',
      '[7,{"a":[["1","2","3"]]},"book-10","XBT\\/USD"]',
      '[07,{"a":[["1","2","3"]]},"book-10","XBT/USD"]',
      '[7,{"a":[["1","2","3"]]},"book-x","XBT/USD"]',
      '[7,[["1","2","3","b","l",""]],"trade","XBT/USD"]',
      '{"event":"heartbeat"}',
    ]) expect(fast('v1', f), f).toBeUndefined();
    for (const f of [
      '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":1e2,"qty":1}],"asks":[],"checksum":7}]}',
      '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":-1,"qty":1}],"asks":[],"checksum":7}]}',
      '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":01,"qty":1}],"asks":[],"checksum":7}]}',
      '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"bids":[],"checksum":7}]}',
      '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"asks":[],"checksum":7,"x":1}]}',
      '{"channel":"book","type":"update","data":[{"bids":[],"asks":[],"checksum":7}]}',
      '{"channel":"book","type":"update","data":[{"symbol":"A"},{"symbol":"B"}]}',
      '{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","price":1,"qty":1}]}',
    ]) expect(fast('v2', f), f).toBeUndefined();
  });

  it('a level that is no book level makes the message malformed, and the adapter says so as before', () => {
    expect(fast('v1', '[7,{"a":[["0","2","3"]]},"book-10","XBT/USD"]')).toMatchObject({ ok: false });
    expect(fast('v1', '[7,{"b":[["1","abc","3"]]},"book-10","XBT/USD"]')).toMatchObject({ ok: false });
    const a = new KrakenAdapter(['BTC-USD'], 10);
    const run = newRun();
    a.parse('[7,{"as":[["2","1","1600000000.000000"]],"bs":[["1","1","1600000000.000000"]]},"book-10","XBT/USD"]', 1, sinkInto(run));
    a.parse('[7,{"b":[["1","-1","1600000000.000000"]],"c":"1"},"book-10","XBT/USD"]', 2, sinkInto(run));
    expect(run.errors.map((e) => e.message)).toEqual(['kraken: malformed book update']);
    expect(a.health()[0]).toMatchObject({ state: 'resyncing', resyncs: 1 });
  });
});

describe.skipIf(!hasData())(`Kraken book scanners on the real recordings ${hasData() ? '' : NO_DATA}`, { timeout: 120_000 }, () => {
  // The book, trade and ticker sockets, and the same frames converted to v2.
  const v1 = () => ['cryptofeed/KRAKEN.ws.50.0', 'cryptofeed/KRAKEN.ws.48.0', 'cryptofeed/KRAKEN.ws.49.0'].flatMap((f) => recording(f)).filter((r) => r.kind !== 'rest');
  const frames = { v1: () => v1().map((r) => r.frame), v2: () => toKrakenV2(v1().sort((a, b) => a.t - b.t)).map((r) => r.frame) };

  for (const v of ['v1', 'v2'] as const) {
    it(`${v}: reads every recorded book frame exactly as JSON.parse and the adapter's reader do, and leaves the rest to them`, () => {
      let scanned = 0, left = 0, levels = 0;
      for (const f of frames[v]()) {
        const m = warm[v];
        if (!SCANNERS[v].scan(f, m)) {
          left++;
          continue;
        }
        scanned++;
        levels += m.asks.n + m.bids.n;
        expect(m.ok).toBe(true);
        const got = plain(m);
        if (JSON.stringify(got) !== JSON.stringify(SCANNERS[v].slow(f))) expect(got).toStrictEqual(SCANNERS[v].slow(f));
      }
      // 10 snapshots and 4,269 updates (11,745 levels) take the fast path; subscription replies, trades, tickers and heartbeats do not.
      expect(scanned).toBe(4_279);
      expect(left).toBe(151);
      expect(levels).toBe(11_745);
    });

    it(`${v}: accepts a mutated frame only if JSON.parse accepts it, and then reads the same`, () => {
      const all = frames[v]();
      // Updates (most frames) and one snapshot, whose mutations land mostly in its levels.
      const pool = all.filter((f) => SCANNERS[v].scan(f, warm[v])).slice(0, 300);
      pool.push(all.find((f) => f.length > 20_000)!);
      const accepted = mutatedFramesReadAsJsonParse(pool, (m) => fast(v, m), (m) => SCANNERS[v].slow(m), 5_000, 7);
      expect(accepted).toBeGreaterThan(500);
    });
  }
});
