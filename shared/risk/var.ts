import { erfc, mean, normInv, normPdf, stdev } from './stats';

/** Value at risk and expected shortfall as positive fractions of the position's value (0.02 = 2 %). */
export interface RiskFigure {
  confidence: number;
  horizonBars: number;
  var: number;
  es: number;
}

/** Log returns of consecutive closes. */
export function logReturns(closes: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Math.max(0, closes.length - 1));
  for (let i = 1; i < closes.length; i++) out[i - 1] = Math.log(closes[i]! / closes[i - 1]!);
  return out;
}

/** Overlapping h-bar returns (sums of h consecutive log returns), so short histories still give a distribution. */
export function horizonReturns(r: ArrayLike<number>, h: number): Float64Array {
  if (h <= 1) return Float64Array.from(r);
  const out = new Float64Array(Math.max(0, r.length - h + 1));
  let s = 0;
  for (let i = 0; i < r.length; i++) {
    s += r[i]!;
    if (i >= h) s -= r[i - h]!;
    if (i >= h - 1) out[i - h + 1] = s;
  }
  return out;
}

/**
 * Historical VaR and ES: VaR is the loss at the empirical (1 − confidence) quantile, taken as the order
 * statistic at floor((1 − c)·n); ES is the mean loss of the returns at or beyond it. Returns are log
 * returns; losses are reported as simple-return fractions (1 − e^r).
 */
export function historicalRisk(returns: ArrayLike<number>, confidence: number, horizonBars = 1): RiskFigure {
  const r = horizonReturns(returns, horizonBars).sort();
  const k = Math.floor((1 - confidence) * r.length);
  const q = r[k]!;
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += r[i]!;
  return { confidence, horizonBars, var: -Math.expm1(q), es: -Math.expm1(tail / (k + 1)) };
}

/** Gaussian VaR and ES with mean and volatility scaled to the horizon (i.i.d. returns: √h). */
export function parametricRisk(returns: ArrayLike<number>, confidence: number, horizonBars = 1): RiskFigure {
  const mu = mean(returns) * horizonBars;
  const sigma = stdev(returns) * Math.sqrt(horizonBars);
  const z = normInv(1 - confidence);
  const es = mu - (sigma * normPdf(z)) / (1 - confidence);
  return { confidence, horizonBars, var: -Math.expm1(mu + z * sigma), es: -Math.expm1(es) };
}

/** Kupiec's proportion-of-failures test: likelihood ratio and p-value (χ² with one degree of freedom). */
export function kupiec(exceptions: number, trials: number, confidence: number): { rate: number; lr: number; pValue: number } {
  const p = 1 - confidence;
  const x = exceptions;
  const t = trials;
  const phat = x / t;
  const ll = (q: number) => (t - x) * Math.log(1 - q) + (x > 0 ? x * Math.log(q) : 0);
  const lr = x === 0 ? -2 * ll(p) : x === t ? -2 * (t * Math.log(p)) : -2 * (ll(p) - ll(phat));
  // P(χ²₁ > lr) = erfc(√(lr/2))
  return { rate: phat, lr, pValue: erfc(Math.sqrt(Math.max(lr, 0) / 2)) };
}

/**
 * Walk-forward backtest: at each bar, VaR from the previous `window` returns, compared with the next
 * horizon's realized return. Non-overlapping test horizons keep the trials independent enough for Kupiec.
 */
export function backtestVar(
  returns: ArrayLike<number>,
  window: number,
  confidence: number,
  method: 'historical' | 'parametric',
  horizonBars = 1,
): { trials: number; exceptions: number; rate: number; lr: number; pValue: number } {
  const est = method === 'historical' ? historicalRisk : parametricRisk;
  let trials = 0;
  let exceptions = 0;
  for (let t = window; t + horizonBars <= returns.length; t += horizonBars) {
    const past = Array.prototype.slice.call(returns, t - window, t) as number[];
    const { var: v } = est(past, confidence, horizonBars);
    let realized = 0;
    for (let i = t; i < t + horizonBars; i++) realized += returns[i]!;
    trials++;
    if (-Math.expm1(realized) > v) exceptions++;
  }
  return { trials, exceptions, ...kupiec(exceptions, trials, confidence) };
}

/**
 * VaR and ES from a forecast of the horizon's log return given as quantiles (the band model's 5/50/95 %).
 * The 95 % VaR is the forecast's own 5 % quantile; other confidences and the ES come from the normal
 * distribution through the 5 % and 95 % quantiles centred on the median (the band model gives no deeper tail).
 */
export function forecastRisk(q05: number, q50: number, q95: number, confidence: number, horizonBars = 1): RiskFigure {
  const z95 = normInv(0.95);
  const sigma = Math.max((q95 - q05) / (2 * z95), 1e-12);
  const z = normInv(1 - confidence);
  const quantile = Math.abs(confidence - 0.95) < 1e-9 ? q05 : q50 + z * sigma;
  const tail = q50 - (sigma * normPdf(z)) / (1 - confidence);
  return { confidence, horizonBars, var: -Math.expm1(quantile), es: -Math.expm1(Math.min(tail, quantile)) };
}

/**
 * Historical VaR and ES of a portfolio in quote currency: the h-bar changes of Σ qtyᵢ·closeᵢ(t) over aligned
 * closes (so shorts and offsetting positions count as they would have), loss at the (1 − c) order statistic.
 */
export function portfolioVar(qty: readonly number[], closes: readonly ArrayLike<number>[], confidence: number, horizonBars = 1): { var: number; es: number; samples: number } {
  const n = Math.min(...closes.map((c) => c.length));
  const changes: number[] = [];
  for (let t = horizonBars; t < n; t++) {
    let d = 0;
    for (let i = 0; i < qty.length; i++) d += qty[i]! * (closes[i]![t]! - closes[i]![t - horizonBars]!);
    changes.push(d);
  }
  if (!changes.length) return { var: NaN, es: NaN, samples: 0 };
  changes.sort((a, b) => a - b);
  const k = Math.floor((1 - confidence) * changes.length);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += changes[i]!;
  return { var: -changes[k]!, es: -tail / (k + 1), samples: changes.length };
}

/**
 * Backtest of forecast VaR: each trial is one forecast's (5/50/95 % log-return quantiles) VaR against the
 * log return that followed it; pass trials whose horizons do not overlap.
 */
export function backtestForecastVar(
  trials: readonly { q: readonly [number, number, number]; realized: number }[],
  confidence: number,
): { trials: number; exceptions: number; rate: number; lr: number; pValue: number } {
  let exceptions = 0;
  for (const t of trials) if (-Math.expm1(t.realized) > forecastRisk(t.q[0], t.q[1], t.q[2], confidence).var) exceptions++;
  return { trials: trials.length, exceptions, ...kupiec(exceptions, trials.length, confidence) };
}
