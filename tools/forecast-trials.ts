import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { featuresAt, N_FEATURES, WARMUP } from '../shared/ml/features';
import { forward, HORIZONS } from '../shared/ml/model';
import type { Bars } from '../shared/ml/ohlcv';
import { decodeModel } from './ml/onnx';
import { REPO_ROOT } from './paths';

/**
 * Start of the backtest window: the training file's last five days. The shipped model (fc4) is fitted on every
 * bar of that file, so this backtest is in-sample; the held-out week after the file is withheld from the repo.
 */
export const BACKTEST_FROM = Date.parse('2022-01-20T00:00:00Z');

/**
 * The shipped model's log-return quantiles at every non-overlapping horizon from `from`, each with the
 * log return that followed: the trials of a forecast-VaR backtest. `k` picks the horizon (0 = 5 min, 1 = 60 min).
 */
export function forecastTrials(b: Bars, from: number, k: number): { q: [number, number, number]; realized: number }[] {
  const params = decodeModel(new Uint8Array(readFileSync(join(REPO_ROOT, 'app/public/models/forecast.onnx'))));
  const h = HORIZONS[k]!;
  const x = new Float64Array(N_FEATURES);
  const out: { q: [number, number, number]; realized: number }[] = [];
  let t = Math.max(WARMUP, b.time.findIndex((ts) => ts >= from));
  for (; t + h < b.close.length; t += h) {
    featuresAt(b, t, x);
    const q = forward(params, x).quantiles[k]! as [number, number, number];
    out.push({ q, realized: Math.log(b.close[t + h]! / b.close[t]!) });
  }
  return out;
}
