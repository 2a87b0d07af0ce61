import type { Bars } from './ohlcv';

/**
 * Features of bar t from bars 0..t only (each bar is closed). Windows are in bars; the model is trained on
 * 1-minute bars, so 5 = five minutes. Variances are per bar and logged, which keeps every feature O(1)
 * for float32 inference.
 */
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

/** RiskMetrics EWMA of squared returns over the last n bars, started at zero n bars back (0.94²⁴⁰ ≈ 4e-7: the start is forgotten). */
function ewmaVar(b: Bars, t: number, n: number): number {
  let v = 0;
  for (let i = t - n + 1; i <= t; i++) v = 0.94 * v + 0.06 * Math.log(b.close[i]! / b.close[i - 1]!) ** 2;
  return v;
}

/** EWMA (decay λ) of the per-bar Parkinson variance over the last n bars, started at zero n bars back. */
function rangeEwma(b: Bars, t: number, n: number, lambda: number): number {
  let v = 0;
  for (let i = t - n + 1; i <= t; i++) v = lambda * v + (1 - lambda) * Math.log(b.high[i]! / b.low[i]!) ** 2 / (4 * LN2);
  return v;
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

/** Time of day of the bar's close, as a point on the unit circle so 23:59 sits next to 00:00. */
function phase(b: Bars, t: number): number {
  const close = b.time[t]! + (b.time[t]! - b.time[t - 1]!);
  return (2 * Math.PI * (((close % DAY_MS) + DAY_MS) % DAY_MS)) / DAY_MS;
}

const logVar = (v: number) => Math.log(v + VAR_FLOOR);

/** Every feature by name, with the bars of history it needs before bar t. */
const CATALOG = {
  ret1: [1, (b, t) => logRet(b, t, 1)],
  ret5: [5, (b, t) => logRet(b, t, 5)],
  ret15: [15, (b, t) => logRet(b, t, 15)],
  ret60: [60, (b, t) => logRet(b, t, 60)],
  logRv5: [5, (b, t) => logVar(realizedVar(b, t, 5))],
  logRv15: [15, (b, t) => logVar(realizedVar(b, t, 15))],
  logRv60: [60, (b, t) => logVar(realizedVar(b, t, 60))],
  logRv240: [240, (b, t) => logVar(realizedVar(b, t, 240))],
  logEwma240: [240, (b, t) => logVar(ewmaVar(b, t, 240))],
  logRangeEwma80: [240, (b, t) => logVar(rangeEwma(b, t, 240, 0.8))],
  logRangeEwma94: [240, (b, t) => logVar(rangeEwma(b, t, 240, 0.94))],
  logRangeEwma99: [240, (b, t) => logVar(rangeEwma(b, t, 240, 0.99))],
  logParkinson1: [1, (b, t) => logVar(parkinsonVar(b, t, 1))],
  logParkinson5: [5, (b, t) => logVar(parkinsonVar(b, t, 5))],
  logParkinson15: [15, (b, t) => logVar(parkinsonVar(b, t, 15))],
  logParkinson60: [60, (b, t) => logVar(parkinsonVar(b, t, 60))],
  logGarmanKlass5: [5, (b, t) => logVar(garmanKlassVar(b, t, 5))],
  logGarmanKlass60: [60, (b, t) => logVar(garmanKlassVar(b, t, 60))],
  logVolumeVs5: [5, (b, t) => Math.log1p(b.volume[t]!) - meanLogVolume(b, t, 5)],
  logVolumeVs15: [15, (b, t) => Math.log1p(b.volume[t]!) - meanLogVolume(b, t, 15)],
  logVolume15Vs240: [240, (b, t) => meanLogVolume(b, t, 15) - meanLogVolume(b, t, 240)],
  closeLocation: [0, (b, t) => {
    const range = b.high[t]! - b.low[t]!;
    return range > 0 ? (2 * b.close[t]! - b.high[t]! - b.low[t]!) / range : 0;
  }],
  todSin: [1, (b, t) => Math.sin(phase(b, t))],
  todCos: [1, (b, t) => Math.cos(phase(b, t))],
  tod2Sin: [1, (b, t) => Math.sin(2 * phase(b, t))],
  tod2Cos: [1, (b, t) => Math.cos(2 * phase(b, t))],
} satisfies Record<string, [number, (b: Bars, t: number) => number]>;
export type FeatureName = keyof typeof CATALOG;

/**
 * A model's inputs: which features, in order, the bars of history before the first row, and the logged
 * per-bar variance feature its volatility forecast is anchored to (shrunk toward when evidence is weak).
 */
export interface FeatureSet {
  id: 'full' | 'short';
  names: readonly FeatureName[];
  warmup: number;
  anchor: FeatureName;
}
const featureSet = (id: FeatureSet['id'], anchor: FeatureName, names: readonly FeatureName[]): FeatureSet => ({ id, names, anchor, warmup: Math.max(...names.map((n) => CATALOG[n][0])) });

/** The main model: HAR-style realized variances over 5 to 240 bars, range-based variances, volume, time of day. */
export const FULL = featureSet('full', 'logEwma240', [
  'ret1', 'ret5', 'ret15', 'ret60',
  'logRv5', 'logRv15', 'logRv60', 'logRv240', 'logEwma240',
  'logParkinson1', 'logParkinson5', 'logParkinson15', 'logParkinson60', 'logGarmanKlass5', 'logGarmanKlass60',
  'logVolumeVs15', 'logVolume15Vs240',
  'logRangeEwma80', 'logRangeEwma94', 'logRangeEwma99',
  'closeLocation', 'todSin', 'todCos', 'tod2Sin', 'tod2Cos',
]);
/** The low-history model: only what 5 bars of history define, for a session that has not yet seen 4 hours. */
export const SHORT = featureSet('short', 'logParkinson5', [
  'ret1', 'ret5', 'logRv5', 'logParkinson1', 'logParkinson5', 'logGarmanKlass5', 'logVolumeVs5', 'closeLocation', 'todSin', 'todCos',
]);

export const FEATURES = FULL.names;
export const N_FEATURES = FULL.names.length;
/** Bars needed before the first row of the main model: the longest window plus the return feeding it. */
export const WARMUP = FULL.warmup;

/** The same set without its time-of-day features (a training-menu variant; the anchor is not one of them). */
export const withoutTimeOfDay = (s: FeatureSet): FeatureSet => featureSet(s.id, s.anchor, s.names.filter((n) => !n.startsWith('tod')));

/** Writes the features of bar t into out[at..at+set.names.length). Needs t ≥ set.warmup. */
export function featuresAt(b: Bars, t: number, out: Float64Array | Float32Array, at = 0, set: FeatureSet = FULL): void {
  if (t < set.warmup || t >= b.close.length) throw new RangeError(`features need ${set.warmup} earlier bars; got index ${t} of ${b.close.length}`);
  for (let j = 0; j < set.names.length; j++) out[at + j] = CATALOG[set.names[j]!][1](b, t);
}

/** Feature rows for bars from..to-1 (row-major). */
export function featureMatrix(b: Bars, from: number, to: number, set: FeatureSet = FULL): Float64Array {
  const f = set.names.length;
  const x = new Float64Array((to - from) * f);
  for (let t = from; t < to; t++) featuresAt(b, t, x, (t - from) * f, set);
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
