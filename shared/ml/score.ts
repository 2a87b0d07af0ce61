import { EWMA_LAMBDA, garchHorizonVar, type Garch } from './baselines';
import { featuresAt, targetsAt, WARMUP, type FeatureSet } from './features';
import { forward, HORIZON_NAMES, HORIZONS, QUANTILES, type ModelParams } from './model';
import type { Bars } from './ohlcv';

/** Reference numbers fixed on the training period and shipped with the model, so scoring never refits. */
export interface Reference {
  garch: Garch;
  /** Per horizon: share of up moves, and of up moves after an up / a not-up last h bars. */
  baseRate: number[];
  upAfterUp: number[];
  upAfterDown: number[];
}

export interface VolScore { mse: number; qlike: number }
export interface DirScore { accuracy: number; brier: number; logloss: number }
export interface HorizonScore {
  rows: number;
  /** Rows where the next h bars did not move at all: QLIKE is undefined there and they are left out of it. */
  flatRows: number;
  /** `null` where a forecaster does not apply: the model and GARCH on bars other than the 1-minute bars they were fitted on. */
  volatility: { model: VolScore | null; ewma: VolScore; garch: VolScore | null; realized: VolScore };
  quantiles: { model: { pinball: number; coverage90: number } | null };
  direction: { model: DirScore | null; baseRate: DirScore; lastSign: DirScore };
  /** Up share in the scored rows, and the model's reliability: mean forecast vs observed per probability bin. */
  upShare: number;
  calibration: { bin: [number, number]; n: number; predicted: number; observed: number }[];
}

class VolAcc {
  private se = 0;
  private ql = 0;
  private n = 0;
  private nq = 0;
  add(forecastVar: number, rv: number): void {
    const d = Math.sqrt(forecastVar) - Math.sqrt(rv);
    this.se += d * d;
    this.n++;
    if (rv > 0) {
      const u = rv / forecastVar;
      this.ql += u - Math.log(u) - 1;
      this.nq++;
    }
  }
  get score(): VolScore {
    return { mse: this.se / this.n, qlike: this.ql / this.nq };
  }
}

const EPS = 1e-12;
class DirAcc {
  private hit = 0;
  private br = 0;
  private ll = 0;
  private n = 0;
  add(p: number, up: boolean): void {
    const y = up ? 1 : 0;
    if (p > 0.5 === up) this.hit++;
    this.br += (p - y) ** 2;
    const q = Math.min(Math.max(p, EPS), 1 - EPS);
    this.ll -= up ? Math.log(q) : Math.log(1 - q);
    this.n++;
  }
  get score(): DirScore {
    return { accuracy: this.hit / this.n, brier: this.br / this.n, logloss: this.ll / this.n };
  }
}

const pinball = (q: number, tau: number, y: number) => (y >= q ? tau * (y - q) : (1 - tau) * (q - y));
const CAL_BINS = [0, 0.45, 0.48, 0.5, 0.52, 0.55, 1];

/** Which horizons to score and how many bars each spans; the index is into the model's outputs and the reference. */
export type HorizonBars = { index: number; bars: number }[];
const MINUTE_HORIZONS: HorizonBars = HORIZONS.map((bars, index) => ({ index, bars }));

/**
 * Walks bars from..to-1 forward: at each closed bar t every forecaster sees bars ≤ t only, then is scored on
 * bars t+1..t+h. The EWMA and GARCH filters start at bar 1 (EWMA seeded with the mean r² of the first WARMUP
 * bars, GARCH with its unconditional variance), so they have the same warm-up history as the features.
 * Rows start at WARMUP whichever feature set the model uses, so the main and the low-history model are scored
 * on the same rows. With `model` null (bars that are not 1-minute) only the baselines that still apply are
 * scored: EWMA, trailing realized, and the direction base rates of the horizon's length.
 */
export function scoreWalkForward(
  b: Bars, model: { params: ModelParams; set: FeatureSet } | null, ref: Reference, from = WARMUP, to = b.close.length, horizons = MINUTE_HORIZONS,
): Record<string, HorizonScore> {
  const params = model?.params ?? null;
  const n = b.close.length;
  const g = ref.garch;
  let seed = 0;
  for (let i = 1; i <= WARMUP; i++) seed += Math.log(b.close[i]! / b.close[i - 1]!) ** 2;
  let ewma = seed / WARMUP;
  let garch = g.omega / (1 - g.alpha - g.beta);
  const acc = horizons.map(() => ({
    rows: 0, flat: 0, up: 0, model: new VolAcc(), ewma: new VolAcc(), garch: new VolAcc(), realized: new VolAcc(),
    pin: 0, cover: 0, dModel: new DirAcc(), dBase: new DirAcc(), dLast: new DirAcc(),
    cal: CAL_BINS.slice(1).map(() => ({ n: 0, p: 0, y: 0 })),
  }));
  const x = new Float64Array(model?.set.names.length ?? 0);
  const trail = new Float64Array(n);
  for (let t = 1; t < Math.min(to, n); t++) {
    const r = Math.log(b.close[t]! / b.close[t - 1]!);
    trail[t] = trail[t - 1]! + r * r;
    ewma = EWMA_LAMBDA * ewma + (1 - EWMA_LAMBDA) * r * r;
    garch = g.omega + g.alpha * r * r + g.beta * garch;
    if (t < Math.max(from, WARMUP)) continue;
    const f = model && (featuresAt(b, t, x, 0, model.set), forward(model.params, x));
    horizons.forEach(({ index: k, bars: h }, i) => {
      if (t + h >= to) return;
      const a = acc[i]!;
      const { rv, ret } = targetsAt(b, t, h);
      const up = ret > 0;
      a.rows++;
      if (rv === 0) a.flat++;
      if (up) a.up++;
      a.ewma.add(h * ewma, rv);
      a.realized.add(Math.max(trail[t]! - trail[t - h]!, 1e-14), rv);
      a.dBase.add(ref.baseRate[k]!, up);
      a.dLast.add(Math.log(b.close[t]! / b.close[t - h]!) > 0 ? ref.upAfterUp[k]! : ref.upAfterDown[k]!, up);
      if (!f) return;
      a.model.add(f.vol[k]! ** 2, rv);
      a.garch.add(garchHorizonVar(g, garch, h), rv);
      const q = f.quantiles[k]!;
      a.pin += QUANTILES.reduce((s, tau, j) => s + pinball(q[j]!, tau, ret), 0) / QUANTILES.length;
      if (ret >= q[0]! && ret <= q[2]!) a.cover++;
      const p = f.pUp[k]!;
      a.dModel.add(p, up);
      const bin = a.cal[CAL_BINS.findIndex((e, j) => j > 0 && p < e) - 1] ?? a.cal[a.cal.length - 1]!;
      bin.n++;
      bin.p += p;
      bin.y += up ? 1 : 0;
    });
  }
  return Object.fromEntries(
    acc.map((a, i) => [
      HORIZON_NAMES[horizons[i]!.index]!,
      {
        rows: a.rows, flatRows: a.flat,
        volatility: { model: params && a.model.score, ewma: a.ewma.score, garch: params && a.garch.score, realized: a.realized.score },
        quantiles: { model: params && { pinball: a.pin / a.rows, coverage90: a.cover / a.rows } },
        direction: { model: params && a.dModel.score, baseRate: a.dBase.score, lastSign: a.dLast.score },
        upShare: a.up / a.rows,
        calibration: params ? a.cal.map((c, j) => ({ bin: [CAL_BINS[j]!, CAL_BINS[j + 1]!] as [number, number], n: c.n, predicted: c.n ? c.p / c.n : NaN, observed: c.n ? c.y / c.n : NaN })) : [],
      } satisfies HorizonScore,
    ]),
  );
}
