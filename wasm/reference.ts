import { bucketStart, CANDLE_COLUMNS, type CandleColumns } from '../shared/market/candles';

/**
 * The plain TypeScript kernels: the test oracle for wasm/assembly/index.ts and the fallback where wasm is
 * unavailable. Each one follows its AssemblyScript twin operation for operation. Warm-up slots are NaN.
 */
export interface Macd {
  macd: Float64Array;
  signal: Float64Array;
  hist: Float64Array;
}
export interface Bands {
  middle: Float64Array;
  upper: Float64Array;
  lower: Float64Array;
}
export interface SpreadStats {
  /** (a − b)/b in basis points per row, NaN where either side is missing. */
  series: Float64Array;
  count: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  last: number;
  /** How many standard deviations the last spread sits from the mean. */
  z: number;
}

export interface Kernels {
  readonly kind: 'wasm' | 'ts';
  /** Time-ordered trades to OHLCV bars (+ quoteVolume for VWAP, trade count) in UTC buckets of `intervalMs`. */
  resampleTrades(ts: Float64Array, price: Float64Array, amount: Float64Array, intervalMs: number): CandleColumns;
  resampleCandles(bars: CandleColumns, intervalMs: number): CandleColumns;
  sma(x: Float64Array, period: number): Float64Array;
  ema(x: Float64Array, period: number): Float64Array;
  rsi(x: Float64Array, period: number): Float64Array;
  macd(x: Float64Array, fast: number, slow: number, signal: number): Macd;
  bollinger(x: Float64Array, period: number, k: number): Bands;
  atr(high: Float64Array, low: Float64Array, close: Float64Array, period: number): Float64Array;
  realizedVol(x: Float64Array, window: number): Float64Array;
  rollingCorr(a: Float64Array, b: Float64Array, window: number): Float64Array;
  /** Row-major sizes, `levels` per snapshot; imbalance over the best `depth` levels. */
  bookImbalance(bidSizes: Float64Array, askSizes: Float64Array, levels: number, depth: number): Float64Array;
  spreadStats(a: Float64Array, b: Float64Array): SpreadStats;
}

export const vwap = (bars: CandleColumns): Float64Array => bars.quoteVolume.map((q, i) => q / bars.volume[i]!);

const columns = (n: number): CandleColumns =>
  Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, new Float64Array(n)])) as CandleColumns;
const trim = (o: CandleColumns, m: number): CandleColumns =>
  Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, o[c].slice(0, m)])) as CandleColumns;

/**
 * Most bars `time` can make at `iv`: buckets only ever advance, so at most one bar per bucket between the
 * smallest and largest time (and never more than one per row). Sizing outputs by it instead of by row count
 * keeps 10 M trades → 1-minute bars from allocating 10 M-row outputs.
 */
export function barBound(time: Float64Array, iv: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < time.length; i++) {
    const t = time[i]!;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return time.length ? Math.min(time.length, (bucketStart(hi, iv) - bucketStart(lo, iv)) / iv + 1) : 0;
}

function resampleTrades(ts: Float64Array, px: Float64Array, qty: Float64Array, iv: number): CandleColumns {
  const out = columns(barBound(ts, iv));
  let m = -1;
  let t0 = -Infinity;
  let end = -Infinity;
  let o = 0, h = 0, l = 0, c = 0, v = 0, qv = 0, k = 0;
  const flush = () => {
    out.time[m] = t0;
    out.open[m] = o;
    out.high[m] = h;
    out.low[m] = l;
    out.close[m] = c;
    out.volume[m] = v;
    out.quoteVolume[m] = qv;
    out.trades[m] = k;
  };
  for (let i = 0; i < ts.length; i++) {
    const p = px[i]!;
    const q = qty[i]!;
    const t = ts[i]!;
    if (t >= end) {
      if (m >= 0) flush();
      m++;
      t0 = bucketStart(t, iv);
      end = t0 + iv;
      o = h = l = c = p;
      v = q;
      qv = p * q;
      k = 1;
    } else {
      if (p > h) h = p;
      if (p < l) l = p;
      c = p;
      v += q;
      qv += p * q;
      k++;
    }
  }
  if (m >= 0) flush();
  return trim(out, m + 1);
}

function resampleCandles(src: CandleColumns, iv: number): CandleColumns {
  const n = src.time.length;
  const o = columns(barBound(src.time, iv));
  let m = -1;
  let t0 = -Infinity;
  for (let i = 0; i < n; i++) {
    const b = bucketStart(src.time[i]!, iv);
    if (b > t0) {
      m++;
      t0 = b;
      for (const c of CANDLE_COLUMNS) o[c][m] = src[c][i]!;
      o.time[m] = b;
    } else {
      if (src.high[i]! > o.high[m]!) o.high[m] = src.high[i]!;
      if (src.low[i]! < o.low[m]!) o.low[m] = src.low[i]!;
      o.close[m] = src.close[i]!;
      o.volume[m]! += src.volume[i]!;
      o.quoteVolume[m]! += src.quoteVolume[i]!;
      o.trades[m]! += src.trades[i]!;
    }
  }
  return trim(o, m + 1);
}

function sma(x: Float64Array, p: number): Float64Array {
  const out = new Float64Array(x.length);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    sum += x[i]!;
    if (i >= p) sum -= x[i - p]!;
    out[i] = i >= p - 1 ? sum / p : NaN;
  }
  return out;
}

function ema(x: Float64Array, p: number): Float64Array {
  const out = new Float64Array(x.length);
  const k = 2 / (p + 1);
  let e = 0;
  for (let i = 0; i < x.length; i++) {
    if (i < p) {
      e += x[i]!;
      if (i === p - 1) e /= p;
      out[i] = i === p - 1 ? e : NaN;
    } else out[i] = e = (x[i]! - e) * k + e;
  }
  return out;
}

function rsi(x: Float64Array, p: number): Float64Array {
  const out = new Float64Array(x.length);
  let g = 0;
  let l = 0;
  if (x.length) out[0] = NaN;
  for (let i = 1; i < x.length; i++) {
    const d = x[i]! - x[i - 1]!;
    const up = d > 0 ? d : 0;
    const dn = d < 0 ? -d : 0;
    if (i <= p) {
      g += up;
      l += dn;
      if (i === p) {
        g /= p;
        l /= p;
      }
    } else {
      g = (g * (p - 1) + up) / p;
      l = (l * (p - 1) + dn) / p;
    }
    out[i] = i < p ? NaN : l === 0 ? 100 : g === 0 ? 0 : 100 - 100 / (1 + g / l);
  }
  return out;
}

function macd(x: Float64Array, fast: number, slow: number, sig: number): Macd {
  const n = x.length;
  const r: Macd = { macd: new Float64Array(n), signal: new Float64Array(n), hist: new Float64Array(n) };
  const kf = 2 / (fast + 1);
  const ks = 2 / (slow + 1);
  const kg = 2 / (sig + 1);
  let ef = 0;
  let es = 0;
  let eg = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (i < fast) {
      ef += v;
      if (i === fast - 1) ef /= fast;
    } else ef = (v - ef) * kf + ef;
    if (i < slow) {
      es += v;
      if (i === slow - 1) es /= slow;
    } else es = (v - es) * ks + es;
    const j = i - (slow - 1);
    const m = j >= 0 ? ef - es : NaN;
    if (j >= 0 && j < sig) {
      eg += m;
      if (j === sig - 1) eg /= sig;
    } else if (j >= sig) eg = (m - eg) * kg + eg;
    const s = j >= sig - 1 ? eg : NaN;
    r.macd[i] = m;
    r.signal[i] = s;
    r.hist[i] = m - s;
  }
  return r;
}

function bollinger(x: Float64Array, p: number, k: number): Bands {
  const n = x.length;
  const r: Bands = { middle: new Float64Array(n), upper: new Float64Array(n), lower: new Float64Array(n) };
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += x[i]!;
    if (i >= p) sum -= x[i - p]!;
    if (i < p - 1) {
      r.middle[i] = r.upper[i] = r.lower[i] = NaN;
      continue;
    }
    const mean = sum / p;
    let v = 0;
    for (let j = i - p + 1; j <= i; j++) {
      const d = x[j]! - mean;
      v += d * d;
    }
    const sd = Math.sqrt(v / p);
    r.middle[i] = mean;
    r.upper[i] = mean + sd * k;
    r.lower[i] = mean - sd * k;
  }
  return r;
}

function atr(high: Float64Array, low: Float64Array, close: Float64Array, p: number): Float64Array {
  const out = new Float64Array(high.length);
  let a = 0;
  if (high.length) out[0] = NaN;
  for (let i = 1; i < high.length; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const pc = close[i - 1]!;
    // = max(h − l, |h − pc|, |l − pc|) for h ≥ l; written as the wasm kernel's branch-free pseudo-min/max
    const tr = (h < pc ? pc : h) - (pc < l ? pc : l);
    if (i <= p) {
      a += tr;
      if (i === p) a /= p;
    } else a = (tr - a) * (1 / p) + a;
    out[i] = i < p ? NaN : a;
  }
  return out;
}

function realizedVol(x: Float64Array, w: number): Float64Array {
  const out = new Float64Array(x.length);
  let ss = 0;
  if (x.length) out[0] = NaN;
  for (let i = 1; i < x.length; i++) {
    const r = Math.log(x[i]! / x[i - 1]!);
    ss += r * r;
    if (i > w) {
      const o = Math.log(x[i - w]! / x[i - w - 1]!);
      ss -= o * o;
    }
    out[i] = i < w ? NaN : Math.sqrt(ss > 0 ? ss : 0);
  }
  return out;
}

function rollingCorr(a: Float64Array, b: Float64Array, w: number): Float64Array {
  const n = Math.min(a.length, b.length);
  const out = new Float64Array(n);
  const ra = (j: number) => Math.log(a[j]! / a[j - 1]!);
  const rb = (j: number) => Math.log(b[j]! / b[j - 1]!);
  if (n) out[0] = NaN;
  for (let i = 1; i < n; i++) {
    if (i < w) {
      out[i] = NaN;
      continue;
    }
    let ma = 0;
    let mb = 0;
    for (let j = i - w + 1; j <= i; j++) {
      ma += ra(j);
      mb += rb(j);
    }
    ma /= w;
    mb /= w;
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    for (let j = i - w + 1; j <= i; j++) {
      const u = ra(j) - ma;
      const v = rb(j) - mb;
      sab += u * v;
      saa += u * u;
      sbb += v * v;
    }
    out[i] = saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
  }
  return out;
}

function bookImbalance(bid: Float64Array, ask: Float64Array, levels: number, depth: number): Float64Array {
  const rows = Math.floor(bid.length / levels);
  const d = Math.min(depth, levels);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sb = 0;
    let sa = 0;
    for (let j = 0; j < d; j++) {
      sb += bid[r * levels + j]!;
      sa += ask[r * levels + j]!;
    }
    out[r] = sb + sa > 0 ? (sb - sa) / (sb + sa) : NaN;
  }
  return out;
}

function spreadStats(a: Float64Array, b: Float64Array): SpreadStats {
  const n = Math.min(a.length, b.length);
  const series = new Float64Array(n);
  let c = 0;
  let sum = 0;
  let mn = Infinity;
  let mx = -Infinity;
  let last = NaN;
  for (let i = 0; i < n; i++) {
    const s = ((a[i]! - b[i]!) / b[i]!) * 1e4;
    series[i] = s;
    if (Number.isNaN(s)) continue;
    c++;
    sum += s;
    if (s < mn) mn = s;
    if (s > mx) mx = s;
    last = s;
  }
  const mean = c ? sum / c : NaN;
  let v = 0;
  for (let i = 0; i < n; i++) if (!Number.isNaN(series[i]!)) v += (series[i]! - mean) * (series[i]! - mean);
  const std = c ? Math.sqrt(v / c) : NaN;
  return { series, count: c, mean, std, min: c ? mn : NaN, max: c ? mx : NaN, last, z: std > 0 ? (last - mean) / std : NaN };
}

export const tsKernels: Kernels = {
  kind: 'ts',
  resampleTrades,
  resampleCandles,
  sma,
  ema,
  rsi,
  macd,
  bollinger,
  atr,
  realizedVol,
  rollingCorr,
  bookImbalance,
  spreadStats,
};
