/** One OHLCV bar in a UTC bucket that starts at `time` (Unix ms). */
export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Σ price·amount, so VWAP = quoteVolume / volume survives merging bars. */
  quoteVolume: number;
  trades: number;
}

export const CANDLE_COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades'] as const;
export type CandleColumn = (typeof CANDLE_COLUMNS)[number];
/** Candles as columns: what kernels take and return, what crosses threads by transfer and what Arrow stores. */
export type CandleColumns = Record<CandleColumn, Float64Array>;

/** Start of the UTC bucket of `intervalMs` that holds `ts`. */
export const bucketStart = (ts: number, intervalMs: number): number => ts - (((ts % intervalMs) + intervalMs) % intervalMs);

/**
 * Folds trades into bars of one interval by exchange time. A trade older than the open bar
 * (late or out of order) is folded into the open bar rather than reopening a closed one:
 * closed bars are immutable once handed out.
 */
export class CandleBuilder {
  private bar: Candle | undefined;

  constructor(
    readonly intervalMs: number,
    private readonly onClose: (bar: Candle) => void,
  ) {}

  get open(): Readonly<Candle> | undefined {
    return this.bar;
  }

  /** Reopens a bar persisted before a restart, so its trades are not lost from the bar. */
  restore(bar: Candle): void {
    this.bar = { ...bar };
  }

  add(ts: number, price: number, amount: number): void {
    const start = bucketStart(ts, this.intervalMs);
    let bar = this.bar;
    if (bar && start > bar.time) {
      this.onClose(bar);
      bar = undefined;
    }
    if (!bar) {
      this.bar = { time: start, open: price, high: price, low: price, close: price, volume: amount, quoteVolume: price * amount, trades: 1 };
      return;
    }
    if (price > bar.high) bar.high = price;
    if (price < bar.low) bar.low = price;
    bar.close = price;
    bar.volume += amount;
    bar.quoteVolume += price * amount;
    bar.trades++;
  }

  /** Closes the open bar if its bucket ended before `now` (exchange clock), e.g. when trades pause. */
  closeBefore(now: number): void {
    if (this.bar && bucketStart(now, this.intervalMs) > this.bar.time) {
      this.onClose(this.bar);
      this.bar = undefined;
    }
  }
}
