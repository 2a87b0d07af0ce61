import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/** A run of closed candles or trades of one series, stored as an Arrow IPC stream. Closed data never changes. */
export interface Chunk {
  /** `<exchange>:<symbol>:<interval>`, e.g. `binance:BTC-USDT:1m`; trades use `<exchange>:<symbol>:trades`. */
  series: string;
  /** First and last row time in the chunk, Unix ms (inclusive). */
  start: number;
  end: number;
  rows: number;
  ipc: Uint8Array;
  /** Wall-clock ms of the last read or write: the least recently used ranges are evicted first. */
  usedAt: number;
}
/** What callers hand in: `usedAt` is the cache's business. Version 1 stored exactly this. */
export type NewChunk = Omit<Chunk, 'usedAt'>;

export type ChunkStore = 'candleChunks' | 'tradeChunks';

interface ChunkSchema {
  key: [string, number];
  value: Chunk;
  indexes: { bySeries: string; byUsed: number };
}
interface EdgetapeDB extends DBSchema {
  candleChunks: ChunkSchema;
  tradeChunks: ChunkSchema;
}

export const DB_NAME = 'edgetape';
/**
 * Schema history (every step below must stay, so any earlier version upgrades with its data kept):
 * 1. candleChunks keyed [series, start].
 * 2. `usedAt` on every chunk (existing ones get the upgrade time) with index byUsed for LRU eviction; tradeChunks.
 */
export const DB_VERSION = 2;

export type Db = IDBPDatabase<EdgetapeDB>;

export interface OpenHooks {
  /** Another tab holds an older version open and has not closed yet: this open waits for it. */
  onBlocked?: () => void;
  /** This connection was closed so another tab could upgrade (or the browser dropped it); reopen on next use. */
  onClosed?: () => void;
}

/**
 * The one owner of the IndexedDB schema. Upgrades run step by step from whatever version the browser has;
 * a newer tab asking to upgrade makes this one close its connection instead of wedging it.
 */
export function openDb(name = DB_NAME, hooks: OpenHooks = {}, version = DB_VERSION): Promise<Db> {
  return openDB<EdgetapeDB>(name, version, {
    async upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        const chunks = db.createObjectStore('candleChunks', { keyPath: ['series', 'start'] });
        chunks.createIndex('bySeries', 'series');
      }
      if (oldVersion < 2 && version >= 2) {
        const candles = tx.objectStore('candleChunks');
        candles.createIndex('byUsed', 'usedAt');
        const now = Date.now();
        for (let cur = await candles.openCursor(); cur; cur = await cur.continue()) await cur.update({ ...cur.value, usedAt: now });
        const trades = db.createObjectStore('tradeChunks', { keyPath: ['series', 'start'] });
        trades.createIndex('bySeries', 'series');
        trades.createIndex('byUsed', 'usedAt');
      }
    },
    blocked: () => hooks.onBlocked?.(),
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
      hooks.onClosed?.();
    },
    terminated: () => hooks.onClosed?.(),
  });
}

const isQuota = (err: unknown): boolean =>
  err instanceof DOMException ? err.name === 'QuotaExceededError' : (err as { name?: string } | null)?.name === 'QuotaExceededError';

/**
 * Stores a chunk. When the origin is over quota, evicts least-recently-used chunks (from both stores)
 * and retries; if nothing is left to evict the chunk is dropped and false returned: the cache is a
 * cache, never a reason to crash.
 */
export async function putChunk(db: Db, store: ChunkStore, chunk: NewChunk, now = Date.now()): Promise<boolean> {
  for (;;) {
    try {
      await db.put(store, { ...chunk, usedAt: now });
      return true;
    } catch (err) {
      if (!isQuota(err)) throw err;
      if ((await evictLru(db, Math.max(chunk.ipc.byteLength * 2, 1 << 20))) === 0) return false;
    }
  }
}

/** Deletes the least recently used chunks, oldest first, until at least `bytes` are freed; returns bytes freed. */
export async function evictLru(db: Db, bytes: number): Promise<number> {
  const victims: { store: ChunkStore; key: [string, number]; usedAt: number; size: number }[] = [];
  for (const store of ['candleChunks', 'tradeChunks'] as const) {
    for (let cur = await db.transaction(store).store.index('byUsed').openCursor(); cur; cur = await cur.continue()) {
      victims.push({ store, key: [cur.value.series, cur.value.start], usedAt: cur.value.usedAt, size: cur.value.ipc.byteLength });
      if (victims.length > 10_000) break;
    }
  }
  victims.sort((a, b) => a.usedAt - b.usedAt);
  let freed = 0;
  for (const v of victims) {
    if (freed >= bytes) break;
    await db.delete(v.store, v.key);
    freed += v.size || 1;
  }
  return freed;
}

/**
 * A read refreshes a chunk's `usedAt` only when it is older than this: rewriting a year of chunks on every
 * reload would cost more than the read, and LRU needs no finer clock than this.
 */
export const TOUCH_MS = 3_600_000;

/**
 * Chunks of a series overlapping [from, to], oldest first; marks them used (at most once per TOUCH_MS). One
 * `getAll` over the key range, not a cursor step (a round trip each) per chunk: a year is read in one request.
 * Touching, when due, is a separate write after the read.
 */
export async function loadChunks(db: Db, store: ChunkStore, series: string, from = -Infinity, to = Infinity, now = Date.now()): Promise<Chunk[]> {
  // Keys are [series, start]: start ≤ to bounds the range; chunks ending before `from` are dropped.
  const out = (await db.getAll(store, IDBKeyRange.bound([series, -Infinity], [series, to]))).filter((c) => c.end >= from);
  const due = out.filter((c) => now - c.usedAt >= TOUCH_MS);
  if (due.length) {
    const tx = db.transaction(store, 'readwrite');
    for (const c of due) void tx.store.put({ ...c, usedAt: now });
    await tx.done;
  }
  return out;
}

/** The newest chunks of a series holding at least `minRows` rows, oldest first. */
export async function loadNewest(db: Db, store: ChunkStore, series: string, minRows: number): Promise<Chunk[]> {
  const range = IDBKeyRange.bound([series, -Infinity], [series, Infinity]);
  const out: Chunk[] = [];
  let rows = 0;
  for (let cur = await db.transaction(store).store.openCursor(range, 'prev'); cur && rows < minRows; cur = await cur.continue()) {
    out.push(cur.value);
    rows += cur.value.rows;
  }
  return out.reverse();
}

/** The time ranges a series has cached, [start, end] each, ascending; the gap filler asks only for the rest. */
export async function cachedRanges(db: Db, store: ChunkStore, series: string): Promise<[number, number][]> {
  const range = IDBKeyRange.bound([series, -Infinity], [series, Infinity]);
  const out: [number, number][] = [];
  for (let cur = await db.transaction(store).store.openCursor(range); cur; cur = await cur.continue()) out.push([cur.value.start, cur.value.end]);
  return out;
}

export interface StorageStatus {
  usage: number | null;
  quota: number | null;
  /** True once the browser agreed not to evict this origin's data under storage pressure. */
  persisted: boolean;
}

/** Asks for persistent storage (the browser may say no) and reports usage against quota. */
export async function storageStatus(storage: StorageManager | undefined = globalThis.navigator?.storage): Promise<StorageStatus> {
  if (!storage) return { usage: null, quota: null, persisted: false };
  const persisted = (await storage.persisted?.()) || ((await storage.persist?.().catch(() => false)) ?? false);
  const est = await storage.estimate?.().catch(() => undefined);
  return { usage: est?.usage ?? null, quota: est?.quota ?? null, persisted };
}

/**
 * A connection that survives another tab's upgrade: when ours is closed for a versionchange the next `get`
 * opens again. If the other tab moved to a newer schema than this code knows, `get` rejects and the caller
 * runs without a cache.
 */
export class DbHandle {
  private db: Promise<Db> | undefined;

  constructor(
    private readonly name = DB_NAME,
    private readonly hooks: OpenHooks = {},
  ) {}

  get(): Promise<Db> {
    this.db ??= openDb(this.name, {
      onBlocked: this.hooks.onBlocked,
      onClosed: () => {
        this.db = undefined;
        this.hooks.onClosed?.();
      },
    }).catch((err: unknown) => {
      this.db = undefined;
      throw err;
    });
    return this.db;
  }

  close(): void {
    void this.db?.then((d) => d.close()).catch(() => {});
    this.db = undefined;
  }
}
