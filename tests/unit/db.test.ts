import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { cachedRanges, DB_VERSION, TOUCH_MS, DbHandle, evictLru, loadChunks, loadNewest, openDb, putChunk, storageStatus, type Db } from '../../app/db';

const chunk = (series: string, start: number, rows: number, bytes = 1) => ({
  series, start, end: start + (rows - 1) * 1000, rows, ipc: new Uint8Array(bytes).fill(start % 256),
});
let seq = 0;
const fresh = () => `db-${++seq}`;

describe('IndexedDB candle cache', () => {
  it('returns the newest chunks of one series covering the rows asked for, oldest first', async () => {
    const db = await openDb(fresh());
    for (const [s, start, rows] of [['a', 0, 10], ['a', 10_000, 10], ['a', 20_000, 5], ['b', 5_000, 99]] as const) {
      await putChunk(db, 'candleChunks', chunk(s, start, rows));
    }
    expect((await loadNewest(db, 'candleChunks', 'a', 12)).map((c) => c.start)).toEqual([10_000, 20_000]);
    expect((await loadNewest(db, 'candleChunks', 'a', 1000)).map((c) => c.start)).toEqual([0, 10_000, 20_000]);
    expect(await loadNewest(db, 'candleChunks', 'c', 10)).toEqual([]);
    expect(await cachedRanges(db, 'candleChunks', 'a')).toEqual([[0, 9_000], [10_000, 19_000], [20_000, 24_000]]);
    db.close();
  });

  it('loads the chunks overlapping a time range and marks them used', async () => {
    const db = await openDb(fresh());
    for (const s of [0, 10_000, 20_000, 30_000]) await putChunk(db, 'tradeChunks', chunk('t', s, 10), 1);
    const later = 1 + TOUCH_MS;
    const got = await loadChunks(db, 'tradeChunks', 't', 12_000, 25_000, later);
    expect(got.map((c) => c.start)).toEqual([10_000, 20_000]);
    expect((await db.getAll('tradeChunks')).map((c) => c.usedAt)).toEqual([1, later, later, 1]);
    await loadChunks(db, 'tradeChunks', 't', 0, 25_000, later + 1); // the two just used are not rewritten
    expect((await db.getAll('tradeChunks')).map((c) => c.usedAt)).toEqual([later + 1, later, later, 1]);
    db.close();
  });
});

describe('schema upgrades keep the data', () => {
  it(`from version 1 to ${DB_VERSION}: candles kept, stamped as used now, trade store added`, async () => {
    const name = fresh();
    const v1 = await openDb(name, {}, 1);
    expect(v1.objectStoreNames.contains('tradeChunks')).toBe(false);
    // exactly what version-1 code wrote: no usedAt
    await (v1 as unknown as { put(s: string, v: object): Promise<unknown> }).put('candleChunks', chunk('binance:BTC-USDT:1s', 5_000, 3, 7));
    v1.close();
    const before = Date.now();
    const db = await openDb(name);
    expect(db.version).toBe(DB_VERSION);
    const [kept] = await db.getAll('candleChunks');
    expect(kept).toMatchObject({ series: 'binance:BTC-USDT:1s', start: 5_000, end: 7_000, rows: 3 });
    expect(Array.from(kept!.ipc)).toEqual(new Array(7).fill(5_000 % 256));
    expect(kept!.usedAt).toBeGreaterThanOrEqual(before);
    expect((await loadNewest(db, 'candleChunks', 'binance:BTC-USDT:1s', 1)).length).toBe(1);
    expect(await putChunk(db, 'tradeChunks', chunk('x', 0, 1))).toBe(true);
    db.close();
  });

  it('an empty browser gets the latest schema directly', async () => {
    const db = await openDb(fresh());
    expect([...db.objectStoreNames].sort()).toEqual(['candleChunks', 'tradeChunks']);
    expect([...db.transaction('candleChunks').store.indexNames].sort()).toEqual(['bySeries', 'byUsed']);
    db.close();
  });
});

describe('two tabs', () => {
  it('a tab on the old version closes for the upgrading tab instead of wedging it, and says so', async () => {
    const name = fresh();
    const events: string[] = [];
    const old = await openDb(name, { onClosed: () => events.push('old closed') }, 1);
    const upgraded = await openDb(name, { onBlocked: () => events.push('blocked') });
    expect(upgraded.version).toBe(DB_VERSION);
    expect(events).toEqual(['old closed']);
    expect(() => old.transaction('candleChunks')).toThrow();
    upgraded.close();
  });

  it('a handle reopens after being closed for another tab, and fails cleanly when the schema moved past it', async () => {
    const name = fresh();
    const closes: number[] = [];
    const handle = new DbHandle(name, { onClosed: () => closes.push(1) });
    const first = await handle.get();
    await putChunk(first, 'candleChunks', chunk('a', 0, 1));
    // a same-version tab does not disturb it
    const peer = await openDb(name);
    expect(await handle.get()).toBe(first);
    peer.close();
    // a newer release in another tab upgrades: ours closes, the upgrade is not blocked
    const newer = await openDB(name, DB_VERSION + 1);
    expect(newer.version).toBe(DB_VERSION + 1);
    expect(closes).toEqual([1]);
    newer.close();
    await expect(handle.get()).rejects.toMatchObject({ name: 'VersionError' });
    await expect(handle.get()).rejects.toMatchObject({ name: 'VersionError' });
  });
});

/** A database whose puts fail with QuotaExceededError once the stored bytes would pass `limit`. */
function withQuota(db: Db, limit: number): Db {
  const size = async () => {
    let n = 0;
    for (const s of ['candleChunks', 'tradeChunks'] as const) for (const c of await db.getAll(s)) n += c.ipc.byteLength;
    return n;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop !== 'put') {
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
      return async (store: 'candleChunks', value: { ipc: Uint8Array }) => {
        if ((await size()) + value.ipc.byteLength > limit) throw new DOMException('over quota', 'QuotaExceededError');
        return target.put(store, value as never);
      };
    },
  });
}

describe('quota exhaustion', () => {
  it('evicts the least recently used ranges, across stores, and keeps the ones just read', async () => {
    const raw = await openDb(fresh());
    const db = withQuota(raw, 4 << 20);
    const MB = 1 << 20;
    expect(await putChunk(db, 'candleChunks', chunk('a', 0, 1, MB), 10)).toBe(true);
    expect(await putChunk(db, 'tradeChunks', chunk('t', 0, 1, MB), 20)).toBe(true);
    expect(await putChunk(db, 'candleChunks', chunk('a', 1_000, 1, MB), 30)).toBe(true);
    expect(await putChunk(db, 'candleChunks', chunk('a', 2_000, 1, MB), 40)).toBe(true);
    await loadChunks(raw, 'candleChunks', 'a', 0, 0, 10 + TOUCH_MS); // the oldest write was just read: now the newest use
    expect(await putChunk(db, 'candleChunks', chunk('b', 0, 1, MB), 20 + TOUCH_MS)).toBe(true);
    // freeing ≥ 2 MB took the two least recently used: the trade chunk (20) and a@1000 (30)
    expect((await raw.getAll('candleChunks')).map((c) => `${c.series}@${c.start}`).sort()).toEqual(['a@0', 'a@2000', 'b@0']);
    expect(await raw.getAll('tradeChunks')).toEqual([]);
    raw.close();
  });

  it('drops a chunk larger than the whole quota instead of throwing', async () => {
    const raw = await openDb(fresh());
    const db = withQuota(raw, 1 << 20);
    expect(await putChunk(db, 'candleChunks', chunk('a', 0, 1, 2 << 20))).toBe(false);
    expect(await raw.count('candleChunks')).toBe(0);
    expect(await evictLru(raw, 1)).toBe(0);
    raw.close();
  });

  it('other errors are not mistaken for quota', async () => {
    const raw = await openDb(fresh());
    await expect(putChunk(raw, 'candleChunks', { series: 'a' } as never)).rejects.toThrow();
    raw.close();
  });
});

describe('storage status', () => {
  it('asks for persistence once and reports the estimate', async () => {
    const calls: string[] = [];
    const storage = {
      persisted: async () => (calls.push('persisted'), false),
      persist: async () => (calls.push('persist'), true),
      estimate: async () => ({ usage: 1234, quota: 10_000 }),
    } as unknown as StorageManager;
    expect(await storageStatus(storage)).toEqual({ usage: 1234, quota: 10_000, persisted: true });
    expect(calls).toEqual(['persisted', 'persist']);
    expect(await storageStatus(undefined)).toEqual({ usage: null, quota: null, persisted: false });
  });
});
