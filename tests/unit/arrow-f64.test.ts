import { makeTable, RecordBatchStreamWriter, tableFromArrays, tableToIPC, vectorFromArray, Float32, Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readF64IPC } from '../../app/workers/arrow-f64';
import { CANDLE_COLUMNS } from '../../shared/market/candles';
import { FTX_1M, readOhlcv } from '../../tools/ohlcv';
import { hasData, NO_DATA } from './recordings';

describe('float64 Arrow IPC reader', () => {
  it.skipIf(!hasData())(`reads what apache-arrow writes, column for column, bit for bit ${hasData() ? '' : NO_DATA}`, () => {
    const b = readOhlcv(FTX_1M);
    const ipc = tableToIPC(makeTable(b), 'stream');
    const cols = readF64IPC(ipc);
    expect(Object.keys(cols)).toEqual([...CANDLE_COLUMNS]);
    for (const c of CANDLE_COLUMNS) expect(cols[c], c).toEqual(b[c]);
    // at an unaligned offset inside a larger buffer (as a stored chunk may come back)
    const shifted = new Uint8Array(ipc.byteLength + 3);
    shifted.set(ipc, 3);
    expect(readF64IPC(shifted.subarray(3)).close).toEqual(b.close);
  });

  it.skipIf(!hasData())(`joins several record batches in order ${hasData() ? '' : NO_DATA}`, () => {
    const b = readOhlcv(FTX_1M);
    const part = (from: number, to: number) => makeTable({ time: b.time.slice(from, to), close: b.close.slice(from, to) });
    const ipc = RecordBatchStreamWriter.writeAll(new Table([...part(0, 1000).batches, ...part(1000, 2500).batches, ...part(2500, 2600).batches])).toUint8Array(true);
    const cols = readF64IPC(ipc);
    expect(cols.time).toEqual(b.time.slice(0, 2600));
    expect(cols.close).toEqual(b.close.slice(0, 2600));
  });

  it('reads an empty table and rejects what it does not read', () => {
    expect(readF64IPC(tableToIPC(makeTable({ a: new Float64Array(0) }), 'stream'))).toEqual({ a: new Float64Array(0) });
    expect(() => readF64IPC(tableToIPC(makeTable({ a: new Float32Array([1, 2]) }), 'stream'))).toThrow(/not float64/);
    expect(() => readF64IPC(tableToIPC(new Table({ a: vectorFromArray([1, null, 3], new Float32()) }), 'stream'))).toThrow(/not float64/);
    expect(() => readF64IPC(tableToIPC(tableFromArrays({ a: [1.5, null, 3] as unknown as Float64Array }), 'stream'))).toThrow(/nulls|float64/);
    const ipc = tableToIPC(makeTable({ a: Float64Array.from([1, 2, 3, 4]) }), 'stream');
    expect(() => readF64IPC(ipc.subarray(0, ipc.byteLength - 40))).toThrow(/truncated|no schema|bad/);
    expect(() => readF64IPC(new Uint8Array(0))).toThrow(/no schema/);
  });
});
