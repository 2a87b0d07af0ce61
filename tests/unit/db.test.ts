import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { loadCandleChunks, openDb, putCandleChunk } from '../../app/db';

const chunk = (series: string, start: number, rows: number) => ({ series, start, end: start + (rows - 1) * 1000, rows, ipc: new Uint8Array([start % 256]) });

describe('IndexedDB candle cache', () => {
  it('returns the newest chunks of one series covering the rows asked for, oldest first', async () => {
    const db = await openDb('t1');
    for (const [s, start, rows] of [['a', 0, 10], ['a', 10_000, 10], ['a', 20_000, 5], ['b', 5_000, 99]] as const) {
      await putCandleChunk(db, chunk(s, start, rows));
    }
    expect((await loadCandleChunks(db, 'a', 12)).map((c) => c.start)).toEqual([10_000, 20_000]);
    expect((await loadCandleChunks(db, 'a', 1000)).map((c) => c.start)).toEqual([0, 10_000, 20_000]);
    expect(await loadCandleChunks(db, 'c', 10)).toEqual([]);
    db.close();
  });

  it('a newer connection asking to upgrade is not blocked by an open one', async () => {
    const first = await openDb('t2');
    await putCandleChunk(first, chunk('a', 0, 1));
    const { openDB } = await import('idb');
    // A later release opening version 2 must not wedge: the old connection closes itself on versionchange.
    const upgraded = await openDB('t2', 2);
    expect(upgraded.version).toBe(2);
    upgraded.close();
  });
});
