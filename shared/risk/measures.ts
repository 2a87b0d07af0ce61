import { correlation, stdev } from './stats';
import { forecastRisk, historicalRisk, logReturns, parametricRisk } from './var';

/** One holding as the risk page sees it: signed market value in quote currency. */
export interface Holding { symbol: string; value: number }

/** Closes of one instrument at bar open times, oldest first. */
export interface CloseSeries { time: ArrayLike<number>; close: ArrayLike<number> }

export interface RiskRow {
  method: 'historical' | 'parametric' | 'forecast';
  horizon: '1h' | '1d';
  confidence: 0.95 | 0.99;
  /** Fractions of gross exposure, and the same in quote currency. */
  var: number;
  es: number;
  varAmount: number;
  esAmount: number;
  /** Horizon returns the figure rests on (forecast: 1). */
  samples: number;
}

export interface RiskMeasures {
  gross: number;
  rows: RiskRow[];
  /** Per held instrument: σ of 1-minute and 1-hour log returns, and annualized from the hourly. */
  vol: { symbol: string; minute: number; hour: number; annual: number }[];
  correlations: { symbols: string[]; matrix: number[][]; bars: number };
  /** Why a figure is missing (too little history), in words. */
  notes: string[];
}

/** Horizon returns a figure needs before it is shown: fewer says nothing about a 1 % tail. */
export const MIN_SAMPLES = 30;

/**
 * Log returns of the value-weighted portfolio on the bars every holding has: rₚ(t) = Σ (vᵢ / gross)·rᵢ(t),
 * so a short's gain on a falling price counts as one. Returns aligned bars and each holding's own returns.
 */
export function portfolioReturns(holdings: readonly Holding[], series: readonly CloseSeries[]): { rp: Float64Array; each: Float64Array[]; bars: number } {
  const gross = holdings.reduce((s, h) => s + Math.abs(h.value), 0);
  const maps = series.map((s) => {
    const m = new Map<number, number>();
    for (let i = 0; i < s.time.length; i++) m.set(s.time[i]!, s.close[i]!);
    return m;
  });
  const times = series.length ? [...maps[0]!.keys()].filter((t) => maps.every((m) => m.has(t))).sort((a, b) => a - b) : [];
  const each = maps.map((m) => logReturns(times.map((t) => m.get(t)!)));
  const rp = new Float64Array(Math.max(0, times.length - 1));
  for (let i = 0; i < holdings.length; i++) {
    const w = gross ? holdings[i]!.value / gross : 0;
    const r = each[i]!;
    for (let t = 0; t < rp.length; t++) rp[t]! += w * r[t]!;
  }
  return { rp, each, bars: times.length };
}

/**
 * VaR and ES (historical and parametric, 95 and 99 %, 1 hour from 1-minute bars and 1 day from hourly bars),
 * volatility and correlations of the held instruments, and — when a forecast of the next hour's log-return
 * quantiles exists for one held instrument — the forecast VaR of that holding.
 */
export function riskMeasures(
  holdings: readonly Holding[],
  minutes: readonly CloseSeries[],
  hours: readonly CloseSeries[],
  forecast?: { symbol: string; q60: readonly [number, number, number] },
): RiskMeasures {
  const gross = holdings.reduce((s, h) => s + Math.abs(h.value), 0);
  const rows: RiskRow[] = [];
  const notes: string[] = [];
  const m = portfolioReturns(holdings, minutes);
  const h = portfolioReturns(holdings, hours);
  for (const [horizon, r, bars] of [['1h', m.rp, 60], ['1d', h.rp, 24]] as const) {
    const samples = Math.max(0, r.length - bars + 1);
    if (samples < MIN_SAMPLES) {
      notes.push(`${horizon}: ${samples} overlapping ${horizon} returns in the history, ${MIN_SAMPLES} needed`);
      continue;
    }
    for (const confidence of [0.95, 0.99] as const) {
      for (const [method, f] of [['historical', historicalRisk], ['parametric', parametricRisk]] as const) {
        const fig = f(r, confidence, bars);
        rows.push({ method, horizon, confidence, var: fig.var, es: fig.es, varAmount: fig.var * gross, esAmount: fig.es * gross, samples });
      }
    }
  }
  if (forecast) {
    const held = holdings.find((x) => x.symbol === forecast.symbol);
    if (held && held.value !== 0) {
      // A short loses when the price rises: its loss tail is the forecast's upper quantile, mirrored.
      const [q05, q50, q95] = held.value > 0 ? forecast.q60 : ([-forecast.q60[2], -forecast.q60[1], -forecast.q60[0]] as const);
      for (const confidence of [0.95, 0.99] as const) {
        const fig = forecastRisk(q05, q50, q95, confidence);
        const v = Math.abs(held.value);
        rows.push({ method: 'forecast', horizon: '1h', confidence, var: (fig.var * v) / (gross || 1), es: (fig.es * v) / (gross || 1), varAmount: fig.var * v, esAmount: fig.es * v, samples: 1 });
      }
    }
  }
  const vol = holdings.map((x, i) => {
    const hour = h.each[i] && h.each[i]!.length > 2 ? stdev(h.each[i]!) : NaN;
    return { symbol: x.symbol, minute: m.each[i] && m.each[i]!.length > 2 ? stdev(m.each[i]!) : NaN, hour, annual: hour * Math.sqrt(24 * 365) };
  });
  const symbols = holdings.map((x) => x.symbol);
  const matrix = symbols.map((_, i) => symbols.map((_, j) => (i === j ? 1 : m.each[i]!.length > 2 ? correlation(m.each[i]!, m.each[j]!) : NaN)));
  return { gross, rows, vol, correlations: { symbols, matrix, bars: m.bars }, notes };
}
