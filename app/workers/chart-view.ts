import { CANDLE_COLUMNS, type CandleColumns } from '../../shared/market/candles';
import type { Kernels } from '../../wasm/kernels';

/** Indicator columns added to every chart view, next to the candle columns. */
export const INDICATOR_COLUMNS = ['ema20', 'ema50', 'bbUpper', 'bbMiddle', 'bbLower', 'rsi14', 'macd', 'macdSignal', 'macdHist'] as const;
export type IndicatorColumn = (typeof INDICATOR_COLUMNS)[number];
export type ChartColumns = CandleColumns & Record<IndicatorColumn, Float64Array>;
/**
 * Indicators are drawn for the newest this-many bars only (NaN before): a year of 1-minute bars is 525,600
 * candles, and nine full-length indicator lines would multiply the chart's work by five for lines nobody
 * reads zoomed that far out. They are still computed over everything before, so values are exact.
 */
export const INDICATOR_ROWS = 50_000;

/**
 * Bars plus their indicators for the rows [from, n) of `bars`: fresh columns the caller transfers to the chart. Indicators are computed
 * over `warmup` earlier bars too, so a tail update equals the same rows of a full recomputation (EMA and Wilder
 * averages forget a 2,000-bar-old seed to far below double precision).
 */
export function chartColumns(k: Kernels, bars: CandleColumns, from: number, warmup = 2_000): ChartColumns {
  const n = bars.time.length;
  const w0 = Math.max(0, Math.min(from, n) - warmup);
  const c = w0 ? bars.close.subarray(w0) : bars.close;
  const bb = k.bollinger(c, 20, 2);
  const m = k.macd(c, 12, 26, 9);
  const ind: Record<IndicatorColumn, Float64Array> = {
    ema20: k.ema(c, 20),
    ema50: k.ema(c, 50),
    bbUpper: bb.upper,
    bbMiddle: bb.middle,
    bbLower: bb.lower,
    rsi14: k.rsi(c, 14),
    macd: m.macd,
    macdSignal: m.signal,
    macdHist: m.hist,
  };
  const s = Math.min(from, n) - w0;
  const out = {} as ChartColumns;
  for (const col of CANDLE_COLUMNS) out[col] = bars[col].slice(w0 + s);
  const hide = n - INDICATOR_ROWS - (w0 + s);
  for (const col of INDICATOR_COLUMNS) {
    out[col] = ind[col].slice(s);
    if (hide > 0) out[col].fill(NaN, 0, hide);
  }
  return out;
}

/** The buffers of a view's columns: what goes to the main thread by transfer, never cloned. */
export const buffersOf = (cols: Record<string, Float64Array>): ArrayBuffer[] => Object.values(cols).map((c) => c.buffer as ArrayBuffer);
