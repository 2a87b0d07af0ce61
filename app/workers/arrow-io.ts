import { makeTable, Table, tableToIPC } from 'apache-arrow';
import type { ColumnChunks, Cols } from './tables';

/**
 * What needs the Arrow library in the data worker: writing IPC for the cache and wrapping tables. The worker
 * imports this lazily (first write, not first paint); reading our own float64 chunks needs no library
 * (arrow-f64.ts).
 */

/** Columns as an Arrow IPC stream whose buffer the caller can transfer or store. */
export const toIPC = <C extends string>(cols: Cols<C>): Uint8Array => tableToIPC(makeTable(cols), 'stream');

/** Zero-copy Arrow view of all rows of a table: one record batch per chunk. */
export function toArrow<C extends string>(t: ColumnChunks<C>): Table {
  const runs = t.runs();
  if (!runs.length) return makeTable(Object.fromEntries(t.columns.map((c) => [c, new Float64Array(0)])) as Cols<C>);
  return new Table(runs.flatMap((r) => makeTable(r).batches));
}
