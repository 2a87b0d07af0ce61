import { CANDLE_COLUMNS, type Candle, type CandleColumn, type CandleColumns } from '../../shared/market/candles';
import { readF64IPC } from './arrow-f64';

type RowSource = Record<CandleColumn, ArrayLike<number>>;

/**
 * Closed candles of one series in columnar typed arrays, bounded to `capacity` rows (oldest dropped).
 * Arrow is the exchange format with IndexedDB; the hot path appends into plain typed arrays.
 */
export class CandleTable {
  private readonly cols: CandleColumns;
  private n = 0;
  /** Rows appended since the last `drain`: the part not yet persisted. */
  private unsaved = 0;

  constructor(private readonly capacity: number) {
    this.cols = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, new Float64Array(capacity)])) as CandleColumns;
  }

  get length(): number {
    return this.n;
  }

  get firstTime(): number {
    return this.n ? this.cols.time[0]! : NaN;
  }

  get lastTime(): number {
    return this.n ? this.cols.time[this.n - 1]! : -Infinity;
  }

  append(bar: Candle): void {
    this.appendRow(bar as unknown as Record<CandleColumn, number>, -1);
  }

  /** Loads persisted Arrow IPC chunks (oldest first) without marking them unsaved. */
  loadIPC(chunks: Uint8Array[]): void {
    for (const ipc of chunks) {
      const t = readF64IPC(ipc);
      const src = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, t[c] ?? []])) as unknown as RowSource;
      for (let r = 0; r < (t.time?.length ?? 0); r++) this.appendRow(src, r);
    }
    this.unsaved = 0;
  }

  /** Fresh copies of the rows not yet persisted (the caller stores them as a chunk), or undefined when there are none. */
  drain(): { cols: CandleColumns; start: number; end: number; rows: number } | undefined {
    if (this.unsaved === 0) return undefined;
    const from = this.n - this.unsaved;
    this.unsaved = 0;
    return { cols: this.slice(from, this.n), start: this.cols.time[from]!, end: this.cols.time[this.n - 1]!, rows: this.n - from };
  }

  /** Fresh copies of the last `count` rows, owned by the caller and safe to transfer. */
  tail(count: number): CandleColumns {
    return this.slice(Math.max(0, this.n - count), this.n);
  }

  private slice(from: number, to: number): CandleColumns {
    return Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, this.cols[c].slice(from, to)])) as CandleColumns;
  }

  /** `r < 0` reads a single row object; otherwise row `r` of column arrays. */
  private appendRow(src: RowSource | Record<CandleColumn, number>, r: number): void {
    const get = (c: CandleColumn): number => (r < 0 ? (src as Record<CandleColumn, number>)[c] : (src as RowSource)[c][r]!);
    if (get('time') <= this.lastTime) return; // closed candles are immutable; one seen again is already here
    if (this.n === this.capacity) {
      for (const c of CANDLE_COLUMNS) this.cols[c].copyWithin(0, 1);
      this.n--;
      this.unsaved = Math.max(0, this.unsaved - 1);
    }
    const i = this.n++;
    for (const c of CANDLE_COLUMNS) this.cols[c][i] = get(c);
    this.unsaved++;
  }
}
