import { bucketStart, CANDLE_COLUMNS, type Candle, type CandleColumns } from '../../shared/market/candles';
import { tsKernels, type Kernels } from '../../wasm/kernels';
import { cachedRanges, loadChunks, loadNewest, putChunk, type Chunk, type Db } from '../db';
import { CandleTable } from './candle-table';
import { readF64IPC } from './arrow-f64';
import { chartColumns, type ChartColumns } from './chart-view';
import { fillGaps, INTERVAL_MS, type Fetch, type Interval } from './gap-fill';
import { ColumnChunks } from './tables';

/** Arrow itself loads only when something is written to the cache: never before the first paint. */
const arrowIO = () => import('./arrow-io');

export const TRADE_COLUMNS = ['time', 'price', 'amount', 'side'] as const;
export const BOOK_COLUMNS = ['time', 'bid', 'bidSize', 'ask', 'askSize'] as const;
/** One year of 1-minute candles. */
export const HISTORY_ROWS = 525_600;
const LIVE_1S = 3_600;
const MAX_TRADES = 1_000_000;
const MAX_BOOK = 100_000;
const MIN = INTERVAL_MS['1m'];

export interface InstrumentKey {
  exchange: string;
  symbol: string;
}

/** Rows of the newest cached minutes read first, ahead of the rest of the year (what a first paint needs). */
export const FIRST_ROWS = 1_500;

/** The cache's series name: `<exchange>:<symbol>:<interval>`, trades under `trades`. */
export const seriesOf = (key: InstrumentKey, interval: Interval | 'trades'): string => `${key.exchange}:${key.symbol}:${interval}`;

/** The newest cached 1-minute chunks of an instrument holding at least FIRST_ROWS rows (what `loadCache` reads first). */
export const newestMinutes = (db: Db, key: InstrumentKey): Promise<Chunk[]> => loadNewest(db, 'candleChunks', seriesOf(key, '1m'), FIRST_ROWS);

/**
 * Everything the browser holds for one instrument, in bounded columnar tables: trades, top-of-book snapshots,
 * this session's 1-second candles and up to a year of 1-minute history (IndexedDB + the history API + live).
 */
export class Instrument {
  readonly trades = new ColumnChunks(TRADE_COLUMNS, 65_536, MAX_TRADES);
  readonly book = new ColumnChunks(BOOK_COLUMNS, 16_384, MAX_BOOK);
  readonly live = new CandleTable(LIVE_1S);
  readonly history = new ColumnChunks(CANDLE_COLUMNS, 65_536, HISTORY_ROWS);
  /** 1-second rows that came from IndexedDB; 1-minute rows likewise. */
  cachedLive = 0;
  cachedHistory = 0;
  /** Bumped whenever history rows are inserted other than at the end: a chart must reload, not append. */
  historyEpoch = 0;
  /** First 1-second bucket this session saw live: minutes before it were not seen whole. */
  private liveSince = Infinity;
  private minutesFromLive: Candle[] = [];
  private unsavedMinutes: Candle[] = [];

  constructor(
    readonly key: InstrumentKey,
    public kernels: Kernels = tsKernels,
  ) {}

  series(interval: Interval | 'trades'): string {
    return seriesOf(this.key, interval);
  }

  addTrade(ts: number, price: number, amount: number, side: 'buy' | 'sell'): void {
    this.trades.append({ time: ts, price, amount, side: side === 'buy' ? 1 : -1 });
  }

  addQuote(time: number, bid: number, bidSize: number, ask: number, askSize: number): void {
    this.book.append({ time, bid, bidSize, ask, askSize });
  }

  /** A closed 1-second bar; a minute whose seconds were all seen live closes into history when the next begins. */
  addSecond(bar: Candle): void {
    this.live.append(bar);
    if (this.liveSince === Infinity) this.liveSince = bar.time;
    const m = bucketStart(bar.time, MIN);
    const open = this.minutesFromLive.at(-1);
    if (open && open.time === m) {
      open.high = Math.max(open.high, bar.high);
      open.low = Math.min(open.low, bar.low);
      open.close = bar.close;
      open.volume += bar.volume;
      open.quoteVolume += bar.quoteVolume;
      open.trades += bar.trades;
      return;
    }
    if (open && open.time > bucketStart(this.liveSince, MIN) && !(open.time <= this.history.last('time'))) {
      this.history.append(open);
      this.unsavedMinutes.push(open);
    }
    this.minutesFromLive = [{ ...bar, time: m }];
  }

  /** History plus the minute still forming, so a ≥ 1 m chart shows the live edge. */
  minuteBars(): CandleColumns {
    const h = this.history.slice();
    const open = this.minutesFromLive.at(-1);
    if (!open || open.time <= this.history.last('time')) return h;
    const out = {} as CandleColumns;
    for (const c of CANDLE_COLUMNS) {
      out[c] = new Float64Array(h[c].length + 1);
      out[c].set(h[c]);
      out[c][h[c].length] = open[c];
    }
    return out;
  }

  /**
   * Candles at `interval` with indicators, as fresh columns: all rows, the newest `last`, those at or after
   * time `since`, or the `count` just before time `before` or after time `after` (blocks for a chart that holds
   * a window of the history and moves it as the user scrolls). `lastTime` is the newest bar's time (the next update starts there: it may still be forming).
   */
  chart(interval: Interval, rows: { all: true } | { last: number } | { since: number } | { before: number; count: number } | { after: number; count: number }): { cols: ChartColumns; lastTime: number; rows: number } {
    let bars = interval === '1s' ? this.live.tail(LIVE_1S) : this.resample(this.minuteBars(), interval);
    // a block: indicators as if computed over everything up to its end, so they join the rows beside it
    const after = 'after' in rows ? lowerBound(bars.time, rows.after + 1) : NaN;
    const to = 'before' in rows ? lowerBound(bars.time, rows.before) : 'after' in rows ? Math.min(bars.time.length, after + rows.count) : bars.time.length;
    if (to < bars.time.length) bars = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, bars[c].subarray(0, to)])) as CandleColumns;
    const n = bars.time.length;
    const from = Math.max(0, 'all' in rows ? 0 : 'last' in rows ? n - rows.last : 'since' in rows ? lowerBound(bars.time, rows.since) : 'after' in rows ? after : n - rows.count);
    return { cols: chartColumns(this.kernels, bars, from), lastTime: n ? bars.time[n - 1]! : -Infinity, rows: n - from };
  }

  private resample(bars: CandleColumns, interval: Interval): CandleColumns {
    return interval === '1m' ? bars : this.kernels.resampleCandles(bars, INTERVAL_MS[interval]);
  }

  /** The last `count` top-of-book snapshots and their imbalance, as fresh columns. */
  bookView(count: number): Record<(typeof BOOK_COLUMNS)[number] | 'imbalance', Float64Array> {
    const b = this.book.slice(this.book.length - count);
    return { ...b, imbalance: this.kernels.bookImbalance(b.bidSize, b.askSize, 1, 1) };
  }

  /**
   * Cached 1-second and 1-minute candles, up to the bounds. The newest minutes come first and `onFirst` runs
   * as soon as they are in, so a chart paints before the rest of a year has been read; the older part is read
   * once what `onFirst` returns has settled (the chart has the first rows: the two do not compete for the CPU)
   * and merged in one step. `newest` is that first read when it was started earlier (`newestMinutes`).
   */
  async loadCache(db: Db, onFirst: () => unknown = () => {}, newest: Promise<Chunk[]> = newestMinutes(db, this.key)): Promise<void> {
    const live = await loadNewest(db, 'candleChunks', this.series('1s'), LIVE_1S);
    this.live.loadIPC(live.map((c) => c.ipc));
    this.cachedLive = this.live.length;
    const series = this.series('1m');
    const first = await newest;
    for (const c of first) this.mergeHistory(columnsOf(c.ipc));
    this.cachedHistory = this.history.length;
    await onFirst();
    if (!first.length) return;
    const older = await loadChunks(db, 'candleChunks', series, -Infinity, first[0]!.start - 1);
    const rows = older.reduce((n, c) => n + c.rows, 0);
    const skip = Math.max(0, rows - (HISTORY_ROWS - this.history.length));
    const all = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, new Float64Array(rows)])) as CandleColumns;
    let at = 0;
    for (const c of older) {
      const t = columnsOf(c.ipc);
      for (const col of CANDLE_COLUMNS) all[col].set(t[col], at);
      at += c.rows;
    }
    this.mergeHistory(Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, all[c].subarray(skip)])) as CandleColumns);
    this.cachedHistory = this.history.length;
  }

  /** Persists what is new since the last call: closed 1-second rows and minutes closed live. */
  async persist(db: Db): Promise<void> {
    const chunk = this.live.drain();
    const mins = this.unsavedMinutes.splice(0);
    if (!chunk && !mins.length) return;
    const { toIPC } = await arrowIO();
    if (chunk) await putChunk(db, 'candleChunks', { series: this.series('1s'), start: chunk.start, end: chunk.end, rows: chunk.rows, ipc: toIPC(chunk.cols) });
    if (!mins.length) return;
    const cols = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, Float64Array.from(mins, (b) => b[c])])) as CandleColumns;
    await putChunk(db, 'candleChunks', { series: this.series('1m'), start: mins[0]!.time, end: mins.at(-1)!.time, rows: mins.length, ipc: toIPC(cols) });
  }

  /**
   * Asks the history API for the 1-minute bars of [from, to) that neither IndexedDB nor this session has,
   * stores each reply and merges it; returns the ranges it asked for.
   */
  async fillHistory(db: Db | undefined, fetchFn: Fetch, base: string, from: number, to: number): Promise<[number, number][]> {
    const { toIPC } = await arrowIO();
    const have = db ? await cachedRanges(db, 'candleChunks', this.series('1m')) : [];
    if (this.history.length) have.push([this.history.get('time', 0), this.history.last('time')]);
    return fillGaps(fetchFn, base, { ...this.key, interval: '1m', from, to }, have, async (bars) => {
      if (db) await putChunk(db, 'candleChunks', { series: this.series('1m'), start: bars.time[0]!, end: bars.time.at(-1)!, rows: bars.time.length, ipc: toIPC(bars) });
      this.mergeHistory(bars);
    });
  }

  /**
   * Merges ascending 1-minute bars into history, keeping it sorted; a bar already held wins over a duplicate.
   * Bumps the epoch: a block of bars is a reload for the chart, not thousands of one-bar updates.
   */
  mergeHistory(bars: CandleColumns): void {
    const n = bars.time.length;
    if (!n) return;
    this.historyEpoch++;
    if (!this.history.length || bars.time[0]! > this.history.last('time')) {
      this.history.appendColumns(bars);
      return;
    }
    const old = this.history.slice();
    const m = old.time.length;
    const out = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, new Float64Array(m + n)])) as CandleColumns;
    let i = 0;
    let j = 0;
    let k = 0;
    const take = (src: CandleColumns, r: number) => {
      for (const c of CANDLE_COLUMNS) out[c][k] = src[c][r]!;
      k++;
    };
    while (i < m || j < n) {
      if (j >= n || (i < m && old.time[i]! <= bars.time[j]!)) {
        if (j < n && old.time[i] === bars.time[j]) j++;
        take(old, i++);
      } else take(bars, j++);
    }
    this.history.clear();
    this.history.appendColumns(out, 0, k);
  }
}

const lowerBound = (a: Float64Array, v: number): number => {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/** A cached chunk's candle columns; one missing (an older writer) reads as zeros rather than failing the cache. */
const columnsOf = (ipc: Uint8Array): CandleColumns => {
  const t = readF64IPC(ipc);
  const n = t.time?.length ?? 0;
  return Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, t[c] ?? new Float64Array(n)])) as CandleColumns;
};
