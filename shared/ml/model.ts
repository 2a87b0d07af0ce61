/** Forecast horizons in 1-minute bars, and their names in reports and the UI. */
export const HORIZONS = [5, 60] as const;
export const HORIZON_NAMES = ['5m', '60m'] as const;
export const QUANTILES = [0.05, 0.5, 0.95] as const;
const H = HORIZONS.length;
const Q = QUANTILES.length;

/**
 * Everything the ONNX graph holds, as plain arrays (row-major). The graph is
 *   z = (x − mean) / scale
 *   vol = exp(z·volW + volB)              [N, H]   σ of the next-h-bar log return
 *   quantiles = vol · quantW              [N, H·Q] log-return quantiles (block-diagonal z-scores)
 *   pUp = sigmoid(z·dirW + dirB)          [N, H]
 */
/** The graph's initializers, in ModelParams order (tools/ml/onnx.ts writes them, shared/ml/onnx-weights.ts reads them). */
export const PARAM_NAMES = ['mean', 'scale', 'volW', 'volB', 'quantW', 'dirW', 'dirB'] as const;
export interface ModelParams {
  mean: number[];
  scale: number[];
  volW: number[];
  volB: number[];
  quantW: number[];
  dirW: number[];
  dirB: number[];
}

export interface Forecast {
  /** σ of the log return over each horizon. */
  vol: number[];
  /** Per horizon, the 5/50/95 % quantiles of the log return. */
  quantiles: number[][];
  pUp: number[];
}

/** The same arithmetic as the graph (any feature width: the main and the low-history model), in float64 on float32-rounded weights; the ONNX test holds it to 1e-6. */
export function forward(p: ModelParams, x: ArrayLike<number>, at = 0): Forecast {
  const f = p.mean.length;
  const z = new Float64Array(f);
  for (let j = 0; j < f; j++) z[j] = (x[at + j]! - p.mean[j]!) / p.scale[j]!;
  const vol: number[] = [];
  const pUp: number[] = [];
  for (let k = 0; k < H; k++) {
    let v = p.volB[k]!;
    let d = p.dirB[k]!;
    for (let j = 0; j < f; j++) {
      v += z[j]! * p.volW[j * H + k]!;
      d += z[j]! * p.dirW[j * H + k]!;
    }
    vol.push(Math.exp(v));
    pUp.push(1 / (1 + Math.exp(-d)));
  }
  const quantiles = vol.map((_, k) => QUANTILES.map((_q, i) => vol.reduce((s, v, kk) => s + v * p.quantW[kk * H * Q + k * Q + i]!, 0)));
  return { vol, quantiles, pUp };
}
