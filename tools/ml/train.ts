import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fitGarch } from '../../shared/ml/baselines';
import { FEATURES, featureMatrix, N_FEATURES, targetsAt, VAR_FLOOR, WARMUP } from '../../shared/ml/features';
import { HORIZON_NAMES, HORIZONS, QUANTILES, type ModelParams } from '../../shared/ml/model';
import type { Bars } from '../../shared/ml/ohlcv';
import { scoreWalkForward, type HorizonScore, type Reference } from '../../shared/ml/score';
import { REPO_ROOT } from '../paths';
import { loadBars, TRAIN_FILE } from './data';
import { linear, logistic, quantile, ridge, standardizer } from './fit';
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
export const FULL_CONFIG: TrainConfig = { volLambdas: [1e-4, 1e-3, 1e-2, 1e-1, 1], dirLambdas: [1e-3, 1e-2, 1e-1, 1, 10], folds: 3, foldShare: 0.1, newtonIters: 8 };

const maxH = Math.max(...HORIZONS);
const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

interface Fold { fit: number[]; valid: number[] }

/**
 * Fits the forecaster on bars [0, split): rows are bars WARMUP..split−maxH−1, so no target reaches into
 * the held-out period. The ridge penalties are chosen walk-forward: each validation block is scored by a
 * model fitted only on rows ending maxH bars before it (a purge gap, since targets overlap).
 */
export function trainModel(bars: Bars, split: number, cfg: TrainConfig) {
  const end = split - maxH;
  const n = end - WARMUP;
  const x = featureMatrix(bars, WARMUP, end);
  const all = range(0, n);
  const logRv = HORIZONS.map(() => new Float64Array(n));
  const rv = HORIZONS.map(() => new Float64Array(n));
  const ret = HORIZONS.map(() => new Float64Array(n));
  const up = HORIZONS.map(() => new Uint8Array(n));
  HORIZONS.forEach((h, k) => {
    for (let r = 0; r < n; r++) {
      const t = targetsAt(bars, WARMUP + r, h);
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

  /** Log-variance regression plus the constant that makes exp(·) an unbiased variance forecast (QLIKE-optimal scale). */
  const fitVol = (k: number, rows: number[], lambda: number) => {
    const s = standardizer(x, N_FEATURES, rows);
    const w = ridge(x, N_FEATURES, logRv[k]!, rows, lambda, s.mean, s.scale);
    let ratio = 0;
    for (const r of rows) ratio += rv[k]![r]! / Math.exp(linear(x, N_FEATURES, r, w, s.mean, s.scale));
    w[N_FEATURES] = w[N_FEATURES]! + Math.log(ratio / rows.length);
    return { ...s, w };
  };
  const fitDir = (k: number, rows: number[], lambda: number) => {
    const s = standardizer(x, N_FEATURES, rows);
    return { ...s, w: logistic(x, N_FEATURES, up[k]!, rows, lambda, s.mean, s.scale, cfg.newtonIters) };
  };
  const qlike = (k: number, m: ReturnType<typeof fitVol>, rows: number[]) => {
    let s = 0;
    let c = 0;
    for (const r of rows) {
      if (rv[k]![r] === 0) continue;
      const u = rv[k]![r]! / Math.exp(linear(x, N_FEATURES, r, m.w, m.mean, m.scale));
      s += u - Math.log(u) - 1;
      c++;
    }
    return s / c;
  };
  const logloss = (k: number, m: ReturnType<typeof fitDir>, rows: number[]) => {
    let s = 0;
    for (const r of rows) {
      const p = 1 / (1 + Math.exp(-linear(x, N_FEATURES, r, m.w, m.mean, m.scale)));
      s -= up[k]![r] ? Math.log(p) : Math.log(1 - p);
    }
    return s / rows.length;
  };
  const pick = (lambdas: number[], score: (l: number) => number) => {
    const scores = lambdas.map(score);
    return { lambda: lambdas[scores.indexOf(Math.min(...scores))]!, scores };
  };
  const meanOver = (f: (fold: Fold) => number) => folds.reduce((s, fold) => s + f(fold), 0) / folds.length;

  const s = standardizer(x, N_FEATURES, all);
  const volW = new Array<number>(N_FEATURES * HORIZONS.length);
  const dirW = new Array<number>(N_FEATURES * HORIZONS.length);
  const volB: number[] = [];
  const dirB: number[] = [];
  const quantW = new Array<number>(HORIZONS.length ** 2 * QUANTILES.length).fill(0);
  const selection = HORIZONS.map((_h, k) => {
    const vol = pick(cfg.volLambdas, (l) => meanOver((f) => qlike(k, fitVol(k, f.fit, l), f.valid)));
    const dir = pick(cfg.dirLambdas, (l) => meanOver((f) => logloss(k, fitDir(k, f.fit, l), f.valid)));
    const v = fitVol(k, all, vol.lambda);
    const d = fitDir(k, all, dir.lambda);
    // The graph standardizes once with the training-set mean/scale, which is what both fits used on `all`.
    for (let j = 0; j < N_FEATURES; j++) {
      volW[j * HORIZONS.length + k] = 0.5 * v.w[j]!;
      dirW[j * HORIZONS.length + k] = d.w[j]!;
    }
    volB.push(0.5 * v.w[N_FEATURES]!);
    dirB.push(d.w[N_FEATURES]!);
    // Band: empirical quantiles of the return in units of the forecast σ, over the training rows.
    const zs = Float64Array.from(all, (r) => ret[k]![r]! / Math.exp(0.5 * linear(x, N_FEATURES, r, v.w, v.mean, v.scale))).sort();
    QUANTILES.forEach((q, i) => (quantW[k * HORIZONS.length * QUANTILES.length + k * QUANTILES.length + i] = quantile(zs, q)));
    return { horizon: HORIZON_NAMES[k]!, vol, dir };
  });
  const params = toFloat32({ mean: Array.from(s.mean), scale: Array.from(s.scale), volW, volB, quantW, dirW, dirB });

  const returns = Float64Array.from(range(1, split), (i) => Math.log(bars.close[i]! / bars.close[i - 1]!));
  const share = (k: number, rows: number[]) => rows.reduce((a, r) => a + up[k]![r]!, 0) / rows.length;
  const ref: Reference = {
    garch: fitGarch(returns),
    baseRate: HORIZONS.map((_h, k) => share(k, all)),
    upAfterUp: HORIZONS.map((h, k) => share(k, all.filter((r) => bars.close[WARMUP + r]! > bars.close[WARMUP + r - h]!))),
    upAfterDown: HORIZONS.map((h, k) => share(k, all.filter((r) => !(bars.close[WARMUP + r]! > bars.close[WARMUP + r - h]!)))),
  };
  return { params, ref, selection, rows: n };
}

/** Held-out verdicts, phrased as the UI and the model card state them (scores of 1-minute bars, so every forecaster is there). */
export function verdicts(score: Record<string, HorizonScore>) {
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
        directionNoWorseThanBaseRate: brierVsBase >= 0,
      }];
    }),
  );
}

const iso = (ms: number) => new Date(ms).toISOString();

export function buildArtifacts(path: string, cfg: TrainConfig) {
  const { bars } = loadBars(path);
  const n = bars.close.length;
  const split = bars.time.findIndex((t) => t >= HELD_OUT_FROM);
  if (split <= WARMUP + maxH) throw new Error(`${path}: no training period before ${iso(HELD_OUT_FROM)}`);
  const trained = trainModel(bars, split, cfg);
  const onnx = encodeModel(trained.params);
  const sha256 = createHash('sha256').update(onnx).digest('hex');
  const version = `fc1-${sha256.slice(0, 12)}`;
  // Scored with the shipped float32 weights, from the held-out start; features there may look back into training bars (the past).
  const heldOut = scoreWalkForward(bars, trained.params, trained.ref, split, n);
  const card = {
    version, file: 'forecast.onnx', sha256, bytes: onnx.length,
    barMs: 60_000, horizons: Object.fromEntries(HORIZONS.map((h, k) => [HORIZON_NAMES[k]!, h])), quantiles: QUANTILES, features: FEATURES, warmupBars: WARMUP,
    data: { file: TRAIN_FILE, rows: n, from: iso(bars.time[0]!), to: iso(bars.time[n - 1]!) },
    training: { from: iso(bars.time[WARMUP]!), to: iso(bars.time[split - maxH - 1]!), rows: trained.rows, config: cfg, selection: trained.selection },
    heldOut: { from: iso(bars.time[split]!), to: iso(bars.time[n - 1]!), score: heldOut, verdicts: verdicts(heldOut) },
    reference: trained.ref,
  };
  return { onnx, card, params: trained.params };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  const { onnx, card } = buildArtifacts(TRAIN_FILE, FULL_CONFIG);
  mkdirSync(MODEL_DIR, { recursive: true });
  writeFileSync(join(MODEL_DIR, 'forecast.onnx'), onnx);
  writeFileSync(join(MODEL_DIR, 'forecast.json'), `${JSON.stringify(card, null, 2)}\n`);
  console.log(JSON.stringify({ version: card.version, bytes: card.bytes, seconds: (performance.now() - started) / 1000, heldOut: card.heldOut.verdicts, selection: card.training.selection }, null, 2));
}
