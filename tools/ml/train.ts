import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EWMA_LAMBDA, fitGarch } from '../../shared/ml/baselines';
import { featureMatrix, FULL, SHORT, targetsAt, VAR_FLOOR, WARMUP, type FeatureSet } from '../../shared/ml/features';
import { HORIZON_NAMES, HORIZONS, QUANTILES, type ModelParams } from '../../shared/ml/model';
import type { Bars } from '../../shared/ml/ohlcv';
import { scoreWalkForward, type HorizonScore, type Reference } from '../../shared/ml/score';
import { REPO_ROOT } from '../paths';
import { loadBars, TRAIN_FILE } from './data';
import { linear, logistic, qlikeFit, quantile, ridge, standardizer } from './fit';
import { encodeModel, toFloat32 } from './onnx';

export const MODEL_DIR = join(REPO_ROOT, 'app/public/models');
/** Bars from here on are the held-out period: never fitted, never used to choose anything. */
export const HELD_OUT_FROM = Date.parse('2022-01-20T00:00:00Z');

export interface TrainConfig {
  volLambdas: number[];
  dirLambdas: number[];
  /** Walk-forward validation blocks at the end of the training period, each this share of its rows. */
  folds: number;
  foldShare: number;
  newtonIters: number;
}
export const FULL_CONFIG: TrainConfig = { volLambdas: [1e-4, 1e-3, 1e-2, 1e-1, 1, 10], dirLambdas: [1e-3, 1e-2, 1e-1, 1, 10], folds: 3, foldShare: 0.1, newtonIters: 8 };

const maxH = Math.max(...HORIZONS);
const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
const sigmoid = (s: number) => 1 / (1 + Math.exp(-s));

interface Fold { fit: number[]; valid: number[] }

/**
 * Fits one forecaster (the main or the low-history feature set) on bars [0, split): rows are bars
 * set.warmup..split−maxH−1, so no target reaches into the held-out period. Everything chosen from data is
 * chosen walk-forward on the training period: each validation block is scored by a model fitted only on
 * rows ending maxH bars before it (a purge gap, since targets overlap). The same out-of-fold forecasts
 * calibrate the band (split-conformal quantiles of return/σ̂) and P(up) (Platt scaling), so neither is
 * calibrated on the rows its model was fitted on.
 */
export function trainModel(bars: Bars, split: number, cfg: TrainConfig, set: FeatureSet, ref: Reference) {
  const f = set.names.length;
  const w0 = Math.max(set.warmup, 1);
  const end = split - maxH;
  const n = end - w0;
  const x = featureMatrix(bars, w0, end, set);
  const all = range(0, n);
  const logRv = HORIZONS.map(() => new Float64Array(n));
  const rv = HORIZONS.map(() => new Float64Array(n));
  const ret = HORIZONS.map(() => new Float64Array(n));
  const up = HORIZONS.map(() => new Uint8Array(n));
  HORIZONS.forEach((h, k) => {
    for (let r = 0; r < n; r++) {
      const t = targetsAt(bars, w0 + r, h);
      rv[k]![r] = t.rv;
      logRv[k]![r] = Math.log(t.rv + VAR_FLOOR);
      ret[k]![r] = t.ret;
      up[k]![r] = t.ret > 0 ? 1 : 0;
    }
  });
  const folds: Fold[] = range(0, cfg.folds).map((i) => {
    const vStart = Math.floor(n * (1 - cfg.foldShare * (cfg.folds - i)));
    return { fit: range(0, vStart - maxH), valid: range(vStart, Math.floor(vStart + n * cfg.foldShare)) };
  });

  // The volatility head is a correction to the anchor's forecast, h × the anchor feature's per-bar variance
  // (EWMA for the main model): the penalty shrinks toward that baseline rather than toward the training
  // period's mean level, which a regime change makes stale.
  const anchor = set.names.indexOf(set.anchor);
  const offset = HORIZONS.map((h) => Float64Array.from(all, (r) => Math.log(h) + x[r * f + anchor]!));
  const residual = HORIZONS.map((_h, k) => Float64Array.from(all, (r) => logRv[k]![r]! - offset[k]![r]!));
  /** Least-squares start on the log ratio to the anchor, then Newton on QLIKE itself (rows with RV = 0 have no QLIKE and are left out). */
  const fitVol = (k: number, rows: number[], lambda: number) => {
    const s = standardizer(x, f, rows);
    const moving = rows.filter((r) => rv[k]![r]! > 0);
    const start = ridge(x, f, residual[k]!, moving, lambda, s.mean, s.scale);
    const w = qlikeFit(x, f, rv[k]!, offset[k]!, moving, lambda, s.mean, s.scale, start, cfg.newtonIters);
    // Fold the offset into the weights: x_anchor = scale·z + mean, so the graph stays one linear map.
    w[anchor] = w[anchor]! + s.scale[anchor]!;
    w[f] = w[f]! + s.mean[anchor]! + Math.log(HORIZONS[k]!);
    return { ...s, w };
  };
  const fitDir = (k: number, rows: number[], lambda: number) => {
    const s = standardizer(x, f, rows);
    return { ...s, w: logistic(x, f, up[k]!, rows, lambda, s.mean, s.scale, cfg.newtonIters) };
  };
  type Fit = ReturnType<typeof fitVol>;
  const score = (m: Fit, r: number) => linear(x, f, r, m.w, m.mean, m.scale);
  const qlike = (k: number, m: Fit, rows: number[]) => {
    let s = 0;
    let c = 0;
    for (const r of rows) {
      if (rv[k]![r] === 0) continue;
      const u = rv[k]![r]! / Math.exp(score(m, r));
      s += u - Math.log(u) - 1;
      c++;
    }
    return s / c;
  };
  const logloss = (k: number, m: Fit, rows: number[]) => {
    let s = 0;
    for (const r of rows) {
      const p = sigmoid(score(m, r));
      s -= up[k]![r] ? Math.log(p) : Math.log(1 - p);
    }
    return s / rows.length;
  };
  const pick = (lambdas: number[], loss: (l: number) => number) => {
    const scores = lambdas.map(loss);
    return { lambda: lambdas[scores.indexOf(Math.min(...scores))]!, scores };
  };
  const meanOver = (g: (fold: Fold) => number) => folds.reduce((s, fold) => s + g(fold), 0) / folds.length;
  // EWMA on the same validation rows, filtered as scoring does, so the card can say what validation promised.
  const ewma = new Float64Array(n);
  let e = 0;
  for (let i = 1; i <= WARMUP; i++) e += Math.log(bars.close[i]! / bars.close[i - 1]!) ** 2;
  e /= WARMUP;
  for (let t = 1; t < end; t++) {
    e = EWMA_LAMBDA * e + (1 - EWMA_LAMBDA) * Math.log(bars.close[t]! / bars.close[t - 1]!) ** 2;
    if (t >= w0) ewma[t - w0] = e;
  }
  const ewmaQlike = (k: number, rows: number[]) => {
    let s = 0;
    let c = 0;
    for (const r of rows) {
      if (rv[k]![r] === 0) continue;
      const u = rv[k]![r]! / (HORIZONS[k]! * ewma[r]!);
      s += u - Math.log(u) - 1;
      c++;
    }
    return s / c;
  };

  const s = standardizer(x, f, all);
  const H = HORIZONS.length;
  const volW = new Array<number>(f * H);
  const dirW = new Array<number>(f * H);
  const volB: number[] = [];
  const dirB: number[] = [];
  const quantW = new Array<number>(H ** 2 * QUANTILES.length).fill(0);
  const selection = HORIZONS.map((_h, k) => {
    const vol = { ...pick(cfg.volLambdas, (l) => meanOver((fold) => qlike(k, fitVol(k, fold.fit, l), fold.valid))), ewma: meanOver((fold) => ewmaQlike(k, fold.valid)) };
    const dir = pick(cfg.dirLambdas, (l) => meanOver((fold) => logloss(k, fitDir(k, fold.fit, l), fold.valid)));
    // Out-of-fold forecasts on the validation blocks: return/σ̂ for the band, the logit for Platt scaling.
    const zs: number[] = [];
    const logits: number[] = [];
    const ys: number[] = [];
    for (const fold of folds) {
      const v = fitVol(k, fold.fit, vol.lambda);
      const d = fitDir(k, fold.fit, dir.lambda);
      for (const r of fold.valid) {
        zs.push(ret[k]![r]! / Math.exp(0.5 * score(v, r)));
        logits.push(score(d, r));
        ys.push(up[k]![r]!);
      }
    }
    const sorted = Float64Array.from(zs).sort();
    const band = QUANTILES.map((q) => quantile(sorted, q));
    const platt = plattScale(logits, ys, HORIZONS[k]!, ref.baseRate[k]!, cfg.newtonIters);
    const v = fitVol(k, all, vol.lambda);
    const d = fitDir(k, all, dir.lambda);
    // The graph standardizes once with the training-set mean/scale, which is what both fits used on `all`.
    for (let j = 0; j < f; j++) {
      volW[j * H + k] = 0.5 * v.w[j]!;
      dirW[j * H + k] = platt.a * d.w[j]!;
    }
    volB.push(0.5 * v.w[f]!);
    dirB.push(platt.a * d.w[f]! + platt.b);
    band.forEach((z, i) => (quantW[k * H * QUANTILES.length + k * QUANTILES.length + i] = z));
    return { horizon: HORIZON_NAMES[k]!, vol, dir, band, platt, outOfFoldRows: ys.length };
  });
  const params = toFloat32({ mean: Array.from(s.mean), scale: Array.from(s.scale), volW, volB, quantW, dirW, dirB });
  return { params, selection, rows: n, from: w0, to: end - 1 };
}

/**
 * Platt scaling of out-of-fold logits, P(up) = σ(a·logit + b), kept only if it beats the constant forecast
 * with a t-statistic above 2 on the log loss, computed over non-overlapping blocks of h rows (targets h bars
 * long overlap, so rows are not independent). Otherwise P(up) is the training base rate: no skill claimed.
 */
function plattScale(logits: number[], ys: number[], h: number, baseRate: number, iters: number) {
  const n = ys.length;
  const rows = range(0, n);
  const y = Uint8Array.from(ys);
  const [a, b] = logistic(Float64Array.from(logits), 1, y, rows, 0, new Float64Array([0]), new Float64Array([1]), iters);
  const share = ys.reduce((s, v) => s + v, 0) / n;
  const ll = (p: number, v: number) => -Math.log(v ? p : 1 - p);
  const blocks: number[] = [];
  for (let i = 0; i + h <= n; i += h) {
    let d = 0;
    for (let r = i; r < i + h; r++) d += ll(share, ys[r]!) - ll(sigmoid(a! * logits[r]! + b!), ys[r]!);
    blocks.push(d / h);
  }
  const mean = blocks.reduce((s, v) => s + v, 0) / blocks.length;
  const sd = Math.sqrt(blocks.reduce((s, v) => s + (v - mean) ** 2, 0) / (blocks.length - 1));
  const tStat = (mean / sd) * Math.sqrt(blocks.length);
  return a! > 0 && tStat > 2 ? { a: a!, b: b!, tStat, kept: true } : { a: 0, b: Math.log(baseRate / (1 - baseRate)), tStat, kept: false };
}

/** Numbers fixed on the training period for the baselines: GARCH(1,1) and the direction base rates. */
export function reference(bars: Bars, split: number): Reference {
  const end = split - maxH;
  const rows = range(WARMUP, end);
  const returns = Float64Array.from(range(1, split), (i) => Math.log(bars.close[i]! / bars.close[i - 1]!));
  const upAt = (t: number, h: number) => bars.close[t + h]! > bars.close[t]!;
  const share = (h: number, ts: number[]) => ts.reduce((a, t) => a + (upAt(t, h) ? 1 : 0), 0) / ts.length;
  return {
    garch: fitGarch(returns),
    baseRate: HORIZONS.map((h) => share(h, rows)),
    upAfterUp: HORIZONS.map((h) => share(h, rows.filter((t) => bars.close[t]! > bars.close[t - h]!))),
    upAfterDown: HORIZONS.map((h) => share(h, rows.filter((t) => !(bars.close[t]! > bars.close[t - h]!)))),
  };
}

/**
 * Held-out verdicts, phrased as the UI and the model card state them (scores of 1-minute bars, so every
 * forecaster is there). `directionSkill` false means P(up) is the training base rate: validation found no
 * skill, so its Brier equals the base rate's up to float32 rounding of the logit (~1e-10), which "no worse"
 * tolerates.
 */
export function verdicts(score: Record<string, HorizonScore>, skill: Record<string, boolean>) {
  return Object.fromEntries(
    Object.entries(score).map(([h, s]) => {
      const v = s.volatility;
      const qlikeVsEwma = 1 - v.model!.qlike / v.ewma.qlike;
      const qlikeVsGarch = 1 - v.model!.qlike / v.garch!.qlike;
      const brierVsBase = 1 - s.direction.model!.brier / s.direction.baseRate.brier;
      const coverage90 = s.quantiles.model!.coverage90;
      return [h, {
        qlikeVsEwma, qlikeVsGarch, coverage90, brierVsBase,
        volBeatsEwmaBy10: qlikeVsEwma >= 0.1, volNoWorseThanGarch: qlikeVsGarch >= 0,
        bandCalibrated: coverage90 >= 0.87 && coverage90 <= 0.93,
        directionSkill: skill[h]!,
        directionNoWorseThanBaseRate: brierVsBase >= -1e-9,
      }];
    }),
  );
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Sha-256 of bytes, hex. */
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * Both models and their card. The version covers both files; each file's sha256 is in the card, so a
 * browser checks what it loaded. Held-out scores use the shipped float32 weights, from the held-out start
 * (features there may look back into training bars: the past).
 */
export function buildArtifacts(path: string, cfg: TrainConfig) {
  const { bars } = loadBars(path);
  const n = bars.close.length;
  const split = bars.time.findIndex((t) => t >= HELD_OUT_FROM);
  if (split <= WARMUP + maxH) throw new Error(`${path}: no training period before ${iso(HELD_OUT_FROM)}`);
  const ref = reference(bars, split);
  const tier = (set: FeatureSet, file: string) => {
    const trained = trainModel(bars, split, cfg, set, ref);
    const onnx = encodeModel(trained.params);
    const heldOut = scoreWalkForward(bars, { params: trained.params, set }, ref, split, n);
    return {
      onnx,
      params: trained.params,
      card: {
        file, sha256: sha(onnx), bytes: onnx.length, features: set.names, warmupBars: set.warmup,
        training: { from: iso(bars.time[trained.from]!), to: iso(bars.time[trained.to]!), rows: trained.rows, selection: trained.selection },
        heldOut: { score: heldOut, verdicts: verdicts(heldOut, Object.fromEntries(trained.selection.map((sel) => [sel.horizon, sel.platt.kept]))) },
      },
    };
  };
  const full = tier(FULL, 'forecast.onnx');
  const short = tier(SHORT, 'forecast-short.onnx');
  const version = `fc2-${sha(new Uint8Array([...full.onnx, ...short.onnx])).slice(0, 12)}`;
  const card = {
    version, file: full.card.file, sha256: full.card.sha256, bytes: full.card.bytes,
    barMs: 60_000, horizons: Object.fromEntries(HORIZONS.map((h, k) => [HORIZON_NAMES[k]!, h])), quantiles: QUANTILES, features: FULL.names, warmupBars: WARMUP,
    data: { file: TRAIN_FILE, rows: n, from: iso(bars.time[0]!), to: iso(bars.time[n - 1]!) },
    training: { ...full.card.training, config: cfg },
    heldOut: { from: iso(bars.time[split]!), to: iso(bars.time[n - 1]!), ...full.card.heldOut },
    /** The model used while a session has fewer than warmupBars + 1 bars (flagged "low history" in the UI). */
    lowHistory: short.card,
    reference: ref,
  };
  return { onnx: full.onnx, shortOnnx: short.onnx, card, params: full.params, shortParams: short.params };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  const { onnx, shortOnnx, card } = buildArtifacts(TRAIN_FILE, FULL_CONFIG);
  mkdirSync(MODEL_DIR, { recursive: true });
  writeFileSync(join(MODEL_DIR, 'forecast.onnx'), onnx);
  writeFileSync(join(MODEL_DIR, 'forecast-short.onnx'), shortOnnx);
  writeFileSync(join(MODEL_DIR, 'forecast.json'), `${JSON.stringify(card, null, 2)}\n`);
  console.log(JSON.stringify({ version: card.version, bytes: card.bytes, seconds: (performance.now() - started) / 1000, heldOut: card.heldOut.verdicts, lowHistory: card.lowHistory.heldOut.verdicts, selection: card.training.selection, lowHistorySelection: card.lowHistory.training.selection }, null, 2));
}
