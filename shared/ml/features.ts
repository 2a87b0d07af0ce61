import type { Bars } from './ohlcv';

/**
 * Features of bar t from bars 0..t only (each bar is closed). Windows are in bars; the model is trained on
 * 1-minute bars, so 5 = five minutes. Variances are per bar and logged, which keeps every feature O(1)
 * for float32 inference.
 */
export const FEATURES = [
  'ret1', 'ret5', 'ret15', 'ret60',
  'logRv5', 'logRv15', 'logRv60', 'logRv240',
  'logParkinson15', 'logGarmanKlass60',
  'logVolumeVs15', 'logVolume15Vs240',
  'closeLocation', 'todSin', 'todCos',
] as const;
export const N_FEATURES = FEATURES.length;
/** Bars needed before the first feature row: the longest window plus the return feeding it. */
export const WARMUP = 240;
/** Floor under logged variances: a flat window (no trades) must not give -Infinity. */
export const VAR_FLOOR = 1e-10;
const LN2 = Math.LN2;
const DAY_MS = 86_400_000;

const logRet = (b: Bars, i: number, k: number) => Math.log(b.close[i]! / b.close[i - k]!);

function realizedVar(b: Bars, t: number, n: number): number {
  let s = 0;
  for (let i = t - n + 1; i <= t; i++) {
    const r = Math.log(b.close[i]! / b.close[i - 1]!);
    s += r * r;
  }
  return s;
}

/** Parkinson (1980): E[(ln H/L)²] = 4 ln2 σ² per bar. */
function parkinsonVar(b: Bars, t: number, n: number): number {
  let s = 0;
  for (let i = t - n + 1; i <= t; i++) {
    const hl = Math.log(b.high[i]! / b.low[i]!);
    s += hl * hl;
  }
  return s / n / (4 * LN2);
}

/** Garman–Klass (1980): ½(ln H/L)² − (2 ln2 − 1)(ln C/O)², per bar. */
function garmanKlassVar(b: Bars, t: number, n: number): number {
  let s = 0;
  for (let i = t - n + 1; i <= t; i++) {
    const hl = Math.log(b.high[i]! / b.low[i]!);
    const co = Math.log(b.close[i]! / b.open[i]!);
    s += 0.5 * hl * hl - (2 * LN2 - 1) * co * co;
  }
  return Math.max(s / n, 0);
}

function meanLogVolume(b: Bars, t: number, n: number): number {
  let s = 0;
  for (let i = t - n + 1; i <= t; i++) s += Math.log1p(b.volume[i]!);
  return s / n;
}

/** Writes the features of bar t into out[at..at+N_FEATURES). Needs t ≥ WARMUP. */
export function featuresAt(b: Bars, t: number, out: Float64Array | Float32Array, at = 0): void {
  if (t < WARMUP || t >= b.close.length) throw new RangeError(`features need ${WARMUP} earlier bars; got index ${t} of ${b.close.length}`);
  const lv15 = meanLogVolume(b, t, 15);
  const range = b.high[t]! - b.low[t]!;
  // Time of day of the bar's close, as a point on the unit circle so 23:59 sits next to 00:00.
  const close = b.time[t]! + (b.time[t]! - b.time[t - 1]!);
  const phase = (2 * Math.PI * (((close % DAY_MS) + DAY_MS) % DAY_MS)) / DAY_MS;
  const f = [
    logRet(b, t, 1), logRet(b, t, 5), logRet(b, t, 15), logRet(b, t, 60),
    Math.log(realizedVar(b, t, 5) + VAR_FLOOR), Math.log(realizedVar(b, t, 15) + VAR_FLOOR),
    Math.log(realizedVar(b, t, 60) + VAR_FLOOR), Math.log(realizedVar(b, t, 240) + VAR_FLOOR),
    Math.log(parkinsonVar(b, t, 15) + VAR_FLOOR), Math.log(garmanKlassVar(b, t, 60) + VAR_FLOOR),
    Math.log1p(b.volume[t]!) - lv15, lv15 - meanLogVolume(b, t, 240),
    range > 0 ? (2 * b.close[t]! - b.high[t]! - b.low[t]!) / range : 0,
    Math.sin(phase), Math.cos(phase),
  ];
  for (let j = 0; j < N_FEATURES; j++) out[at + j] = f[j]!;
}

/** Feature rows for bars from..to-1 (row-major). */
export function featureMatrix(b: Bars, from: number, to: number): Float64Array {
  const x = new Float64Array((to - from) * N_FEATURES);
  for (let t = from; t < to; t++) featuresAt(b, t, x, (t - from) * N_FEATURES);
  return x;
}

/** What each forecast is scored against: realized variance and log return over the h bars after t. */
export function targetsAt(b: Bars, t: number, h: number): { rv: number; ret: number } {
  let rv = 0;
  for (let i = t + 1; i <= t + h; i++) {
    const r = Math.log(b.close[i]! / b.close[i - 1]!);
    rv += r * r;
  }
  return { rv, ret: Math.log(b.close[t + h]! / b.close[t]!) };
}
