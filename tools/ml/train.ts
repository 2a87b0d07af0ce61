import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fitGarch } from '../../shared/ml/baselines';
import { featureMatrix, FULL, SHORT, targetsAt, VAR_FLOOR, WARMUP, withoutTimeOfDay, type FeatureSet } from '../../shared/ml/features';
import { HORIZON_NAMES, HORIZONS, QUANTILES, type ModelParams } from '../../shared/ml/model';
import type { Bars } from '../../shared/ml/ohlcv';
import { scoreWalkForward, type HorizonScore, type Reference } from '../../shared/ml/score';
import { REPO_ROOT } from '../paths';
import { loadBars, TRAIN_FILE } from './data';
import { linear, logistic, qlikeFit, quantile, ridge, standardizer } from './fit';
import { encodeModel, toFloat32 } from './onnx';

export const MODEL_DIR = join(REPO_ROOT, 'app/public/models');

/**
 * One entry of the training menu. Every row of the training file is fitted by the final model; the menu
 * entries are compared by rolling-origin validation inside the file (tools/ml/select.ts), never on bars after
 * it: the week after it (2022-01-25 → 02-01) is withheld from this repository.
 */
export interface TrainConfig {
  /** Penalty of the volatility head (shrinks toward the anchor, EWMA) and of the direction head. */
  volLambda: number;
  dirLambda: number;
  /** Whether the time-of-day features are in (both models). */
  timeOfDay: boolean;
  /** Out-of-fold blocks, each this share of the rows, ending at the file's end; the first only calibrates. */
  blocks: number;
  blockShare: number;
  /** The band and P(up) are calibrated on the out-of-fold forecasts of this many most recent blocks. */
  calibrationBlocks: number;
  newtonIters: number;
}
const FC2: TrainConfig = { volLambda: 1e-2, dirLambda: 1e-1, timeOfDay: true, blocks: 7, blockShare: 0.1, calibrationBlocks: 3, newtonIters: 8 };
/** The menu, fixed before any of it was scored (its rule is in the message of commit 589bf4c, which added it). */
export const MENU = {
  fc2: FC2,
  lambda01: { ...FC2, volLambda: 1e-1 },
  noTimeOfDay: { ...FC2, timeOfDay: false },
  calibrate1: { ...FC2, calibrationBlocks: 1 },
} satisfies Record<string, TrainConfig>;
/** By the menu's rule (tools/ml/select.ts): fc2's volatility configuration, then the window with the smaller coverage error. */
export const CHOSEN: keyof typeof MENU = 'calibrate1';
export const FULL_CONFIG: TrainConfig = MENU[CHOSEN];

const maxH = Math.max(...HORIZONS);
const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
const iso = (ms: number) => new Date(ms).toISOString();
const sigmoid = (s: number) => 1 / (1 + Math.exp(-s));

/** The feature set a config trains for `set` (the main or the low-history model). */
export const configSet = (set: FeatureSet, cfg: TrainConfig) => (cfg.timeOfDay ? set : withoutTimeOfDay(set));

/**
 * Fits one forecaster (the main or the low-history feature set) on every bar of the file, and validates its
 * configuration by rolling origin: each out-of-fold block is forecast by a model fitted only on rows ending
 * maxH bars before it (a purge gap, since targets overlap), whose band (split-conformal quantiles of
 * return/σ̂) and P(up) (Platt scaling) are calibrated on the out-of-fold forecasts of the blocks before it;
 * GARCH and the base rates it is compared with are fitted on the same pre-block bars. The final model's band
 * and P(up) are calibrated the same way on the most recent blocks, so neither is calibrated on the rows its
 * model was fitted on.
 */
export function trainModel(bars: Bars, cfg: TrainConfig, set: FeatureSet) {
  const f = set.names.length;
  const w0 = Math.max(set.warmup, 1);
  const end = bars.close.length - maxH;
  const n = end - w0;
  const x = featureMatrix(bars, w0, end, set);
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

  // The volatility head is a correction to the anchor's forecast, h × the anchor feature's per-bar variance
  // (EWMA for the main model): the penalty shrinks toward that baseline rather than toward the training
  // period's mean level, which a regime change makes stale.
  const anchor = set.names.indexOf(set.anchor);
  const offset = HORIZONS.map((h) => Float64Array.from({ length: n }, (_v, r) => Math.log(h) + x[r * f + anchor]!));
  const residual = HORIZONS.map((_h, k) => Float64Array.from({ length: n }, (_v, r) => logRv[k]![r]! - offset[k]![r]!));
  /** Least-squares start on the log ratio to the anchor, then Newton on QLIKE itself (rows with RV = 0 have no QLIKE and are left out). */
  const fitVol = (k: number, rows: number[]) => {
    const s = standardizer(x, f, rows);
    const moving = rows.filter((r) => rv[k]![r]! > 0);
    const start = ridge(x, f, residual[k]!, moving, cfg.volLambda, s.mean, s.scale);
    const w = qlikeFit(x, f, rv[k]!, offset[k]!, moving, cfg.volLambda, s.mean, s.scale, start, cfg.newtonIters);
    // Fold the offset into the weights: x_anchor = scale·z + mean, so the graph stays one linear map.
    w[anchor] = w[anchor]! + s.scale[anchor]!;
    w[f] = w[f]! + s.mean[anchor]! + Math.log(HORIZONS[k]!);
    return { ...s, w };
  };
  const fitDir = (k: number, rows: number[], s: { mean: Float64Array; scale: Float64Array }) => logistic(x, f, up[k]!, rows, cfg.dirLambda, s.mean, s.scale, cfg.newtonIters);

  /** Both heads fitted on `rows`, with the out-of-fold forecasts they make on `valid`: return/σ̂ for the band, the logit for Platt scaling. */
  const fitHeads = (rows: number[], valid: number[]) => HORIZONS.map((_h, k) => {
    const vol = fitVol(k, rows);
    const dir = fitDir(k, rows, vol);
    return {
      vol, dir,
      z: valid.map((r) => ret[k]![r]! / Math.exp(0.5 * linear(x, f, r, vol.w, vol.mean, vol.scale))),
      logit: valid.map((r) => linear(x, f, r, dir, vol.mean, vol.scale)),
      up: valid.map((r) => up[k]![r]!),
    };
  });
  type Heads = ReturnType<typeof fitHeads>;
  /** The graph's weights from fitted heads, the band and P(up) calibrated on out-of-fold forecasts. */
  const assemble = (heads: Heads, calib: Heads[], ref: Reference) => {
    const H = HORIZONS.length;
    const volW = new Array<number>(f * H);
    const dirW = new Array<number>(f * H);
    const volB: number[] = [];
    const dirB: number[] = [];
    const quantW = new Array<number>(H ** 2 * QUANTILES.length).fill(0);
    const calibration = heads.map(({ vol, dir }, k) => {
      const sorted = Float64Array.from(calib.flatMap((c) => c[k]!.z)).sort();
      const band = QUANTILES.map((q) => quantile(sorted, q));
      const platt = plattScale(calib.flatMap((c) => c[k]!.logit), calib.flatMap((c) => c[k]!.up), HORIZONS[k]!, ref.baseRate[k]!, cfg.newtonIters);
      for (let j = 0; j < f; j++) {
        volW[j * H + k] = 0.5 * vol.w[j]!;
        dirW[j * H + k] = platt.a * dir[j]!;
      }
      volB.push(0.5 * vol.w[f]!);
      dirB.push(platt.a * dir[f]! + platt.b);
      band.forEach((z, i) => (quantW[k * H * QUANTILES.length + k * QUANTILES.length + i] = z));
      return { horizon: HORIZON_NAMES[k]!, band, platt, calibrationRows: sorted.length };
    });
    const { mean, scale } = heads[0]!.vol;
    return { params: toFloat32({ mean: Array.from(mean), scale: Array.from(scale), volW, volB, quantW, dirW, dirB }), calibration };
  };

  const size = Math.floor(n * cfg.blockShare);
  const oof: Heads[] = [];
  const blocks = range(0, cfg.blocks).map((i) => {
    const start = n - size * (cfg.blocks - i);
    const heads = fitHeads(range(0, start - maxH), range(start, start + size));
    const calib = oof.slice(-cfg.calibrationBlocks);
    oof.push(heads);
    if (!calib.length) return null;
    // The block's bars are scored as `npm run evaluate` scores a file: shipped float32 weights, every forecaster walking forward.
    const ref = reference(bars, w0 + start);
    const { params, calibration } = assemble(heads, calib, ref);
    const score = scoreWalkForward(bars, { params, set }, ref, w0 + start, w0 + start + size);
    return { from: iso(bars.time[w0 + start]!), to: iso(bars.time[w0 + start + size - 1]!), fittedTo: iso(bars.time[w0 + start - maxH - 1]!), score, skill: skillOf(calibration) };
  }).filter((b) => b !== null);
  const ref = reference(bars, bars.close.length);
  const final = assemble(fitHeads(range(0, n), []), oof.slice(-cfg.calibrationBlocks), ref);
  return { params: final.params, calibration: final.calibration, ref, validation: summarize(blocks, skillOf(final.calibration)), rows: n, from: w0, to: end - 1 };
}

/** Per horizon, whether Platt scaling kept a directional signal (else P(up) is the base rate). */
const skillOf = (calibration: { horizon: string; platt: { kept: boolean } }[]) => Object.fromEntries(calibration.map((c) => [c.horizon, c.platt.kept]));

type Block = { from: string; to: string; fittedTo: string; score: Record<string, HorizonScore>; skill: Record<string, boolean> };

/**
 * What validation says, per block and as the mean over blocks, in the numbers the UI and the model card
 * state: the per-block verdicts' ratios are averaged, and each goal is also counted block by block.
 * `directionSkill` is the shipped model's (`skill`), which the UI marks.
 */
export function summarize(blocks: Block[], skill: Record<string, boolean>) {
  const per = blocks.map((b) => ({ ...b, verdicts: verdicts(b.score, b.skill) }));
  const names = Object.keys(per[0]!.score);
  const mean = (g: (b: (typeof per)[number]) => number) => per.reduce((s, b) => s + g(b), 0) / per.length;
  const count = (g: (b: (typeof per)[number]) => boolean) => per.filter(g).length;
  const verdictsMean = Object.fromEntries(names.map((h) => {
    const v = (b: (typeof per)[number]) => b.verdicts[h]!;
    const qlikeVsEwma = mean((b) => v(b).qlikeVsEwma);
    const qlikeVsGarch = mean((b) => v(b).qlikeVsGarch);
    const coverage90 = mean((b) => v(b).coverage90);
    const brierVsBase = mean((b) => v(b).brierVsBase);
    return [h, {
      qlikeVsEwma, qlikeVsGarch, coverage90, brierVsBase,
      volBeatsEwmaBy10: qlikeVsEwma >= 0.1, volNoWorseThanGarch: qlikeVsGarch >= 0,
      bandCalibrated: coverage90 >= 0.87 && coverage90 <= 0.93,
      directionSkill: skill[h]!,
      directionNoWorseThanBaseRate: !skill[h]! || brierVsBase >= 0,
      blocks: per.length,
      blocksBeatingEwmaBy10: count((b) => v(b).volBeatsEwmaBy10),
      blocksNoWorseThanGarch: count((b) => v(b).volNoWorseThanGarch),
      blocksBandCalibrated: count((b) => v(b).bandCalibrated),
      blocksBrierNoWorse: count((b) => v(b).directionNoWorseThanBaseRate),
    }];
  }));
  // P(up) reliability pooled over the blocks: mean forecast and observed up share per probability bin.
  const calibration = Object.fromEntries(names.map((h) => [h, per[0]!.score[h]!.calibration.map((bin, j) => {
    const bins = per.map((b) => b.score[h]!.calibration[j]!).filter((c) => c.n > 0);
    const nAll = bins.reduce((s, c) => s + c.n, 0);
    const w = (g: (c: (typeof bins)[number]) => number) => (nAll ? bins.reduce((s, c) => s + c.n * g(c), 0) / nAll : null);
    return { bin: bin.bin, n: nAll, predicted: w((c) => c.predicted), observed: w((c) => c.observed) };
  })]));
  const round = (v: number) => Number(v.toPrecision(6));
  return {
    from: per[0]!.from, to: per[per.length - 1]!.to, verdicts: verdictsMean, calibration,
    blocks: per.map((b) => ({
      from: b.from, to: b.to, fittedTo: b.fittedTo,
      horizons: Object.fromEntries(names.map((h) => {
        const s = b.score[h]!;
        return [h, {
          rows: s.rows,
          qlike: { model: round(s.volatility.model!.qlike), ewma: round(s.volatility.ewma.qlike), garch: round(s.volatility.garch!.qlike), realized: round(s.volatility.realized.qlike) },
          pinball: round(s.quantiles.model!.pinball), coverage90: round(s.quantiles.model!.coverage90),
          brier: { model: round(s.direction.model!.brier), baseRate: round(s.direction.baseRate.brier), lastSign: round(s.direction.lastSign.brier) },
          directionSkill: b.verdicts[h]!.directionSkill,
        }];
      })),
    })),
  };
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
 * Verdicts on one scored period, phrased as the UI and the model card state them (scores of 1-minute bars,
 * so every forecaster is there). `skill` false means P(up) was the base rate (Platt scaling found no skill):
 * its Brier then equals the base rate's up to float32 rounding of the logit (~1e-10), so it is no worse.
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
        directionNoWorseThanBaseRate: !skill[h] || brierVsBase >= 0,
      }];
    }),
  );
}

/** Sha-256 of bytes, hex. */
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * Both models and their card, fitted on every bar of `path`. The version covers both files; each file's
 * sha256 is in the card, so a browser checks what it loaded. The card's validation numbers are the
 * rolling-origin blocks' (shipped float32 weights of each block's model), not a held-out score: the bars
 * after the file are the held-out period, scored with `npm run evaluate -- --data <file>`.
 */
export function buildArtifacts(path: string, cfg: TrainConfig) {
  const { bars } = loadBars(path);
  const n = bars.close.length;
  const tier = (base: FeatureSet, file: string) => {
    const set = configSet(base, cfg);
    // The browser computes FULL and SHORT: a menu entry with other features ships only once they are edited to match.
    if (set.names.join() !== base.names.join()) throw new Error(`config's ${base.id} features differ from the shipped set (edit shared/ml/features.ts)`);
    const trained = trainModel(bars, cfg, set);
    const onnx = encodeModel(trained.params);
    return {
      onnx,
      params: trained.params,
      ref: trained.ref,
      card: {
        file, sha256: sha(onnx), bytes: onnx.length, features: set.names, warmupBars: set.warmup,
        training: { from: iso(bars.time[trained.from]!), to: iso(bars.time[trained.to]!), rows: trained.rows, calibration: trained.calibration },
        validation: trained.validation,
      },
    };
  };
  const full = tier(FULL, 'forecast.onnx');
  const short = tier(SHORT, 'forecast-short.onnx');
  const version = `fc4-${sha(new Uint8Array([...full.onnx, ...short.onnx])).slice(0, 12)}`;
  const card = {
    version, file: full.card.file, sha256: full.card.sha256, bytes: full.card.bytes,
    barMs: 60_000, horizons: Object.fromEntries(HORIZONS.map((h, k) => [HORIZON_NAMES[k]!, h])), quantiles: QUANTILES, features: FULL.names, warmupBars: WARMUP,
    data: { file: TRAIN_FILE, rows: n, from: iso(bars.time[0]!), to: iso(bars.time[n - 1]!) },
    training: { ...full.card.training, menu: Object.keys(MENU), chosen: CHOSEN, config: cfg },
    heldOut: `withheld from this repository (the bars after ${iso(bars.time[n - 1]!)}): score it with npm run evaluate -- --data <file>`,
    validation: full.card.validation,
    /** The model used while a session has fewer than warmupBars + 1 bars (flagged "low history" in the UI). */
    lowHistory: short.card,
    reference: full.ref,
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
  console.log(JSON.stringify({ version: card.version, bytes: card.bytes, seconds: (performance.now() - started) / 1000, validation: card.validation.verdicts, lowHistory: card.lowHistory.validation.verdicts, calibration: card.training.calibration }, null, 2));
}
