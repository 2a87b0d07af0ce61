import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/** A run of closed candles of one series, stored as an Arrow IPC stream. Closed candles never change. */
export interface CandleChunk {
  /** `<exchange>:<symbol>:<interval>`, e.g. `binance:BTC-USDT:1s`. */
  series: string;
  /** First and last candle open time in the chunk, Unix ms. */
  start: number;
  end: number;
  rows: number;
  ipc: Uint8Array;
}

interface EdgetapeDB extends DBSchema {
  candleChunks: { key: [string, number]; value: CandleChunk; indexes: { bySeries: string } };
}

export const DB_NAME = 'edgetape';
export const DB_VERSION = 1;

/**
 * The one owner of the IndexedDB schema. Upgrades run step by step from whatever version the browser
 * has; a newer tab asking to upgrade makes this one close its connection instead of wedging it.
 */
export function openDb(name = DB_NAME): Promise<IDBPDatabase<EdgetapeDB>> {
  return openDB<EdgetapeDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const chunks = db.createObjectStore('candleChunks', { keyPath: ['series', 'start'] });
        chunks.createIndex('bySeries', 'series');
      }
    },
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
    },
  });
}

export type Db = IDBPDatabase<EdgetapeDB>;

export async function putCandleChunk(db: Db, chunk: CandleChunk): Promise<void> {
  await db.put('candleChunks', chunk);
}

/** The newest chunks of a series holding at least `minRows` candles, oldest first. */
export async function loadCandleChunks(db: Db, series: string, minRows: number): Promise<CandleChunk[]> {
  const range = IDBKeyRange.bound([series, -Infinity], [series, Infinity]);
  const out: CandleChunk[] = [];
  let rows = 0;
  for (let cur = await db.transaction('candleChunks').store.openCursor(range, 'prev'); cur && rows < minRows; cur = await cur.continue()) {
    out.push(cur.value);
    rows += cur.value.rows;
  }
  return out.reverse();
}
