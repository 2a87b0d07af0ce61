import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { featureMatrix, N_FEATURES } from '../../shared/ml/features';
import { forward, HORIZONS, QUANTILES } from '../../shared/ml/model';
import { loadBars, TRAIN_FILE } from '../../tools/ml/data';
import { decodeModel } from '../../tools/ml/onnx';
import { buildArtifacts, FULL_CONFIG, HELD_OUT_FROM, MODEL_DIR } from '../../tools/ml/train';
import { hasData } from '../../tools/paths';

const why = hasData() ? '' : '(../shared/data is absent)';
const shipped = readFileSync(join(MODEL_DIR, 'forecast.onnx'));

describe.skipIf(why !== '')(`the shipped forecaster ${why}`, () => {
  it('runs in onnxruntime-node with the same outputs as the TypeScript forward pass (1e-6) on 500 held-out bars', async () => {
    const { bars } = loadBars(TRAIN_FILE);
    const from = bars.time.findIndex((t) => t >= HELD_OUT_FROM);
    const x = featureMatrix(bars, from, from + 500);
    const session = await ort.InferenceSession.create(shipped);
    const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(x), [500, N_FEATURES]) });
    const data = (k: string) => out[k]!.data as Float32Array;
    const [vol, quant, pUp] = [data('vol'), data('quantiles'), data('p_up')];
    const params = decodeModel(shipped);
    let worst = 0;
    const H = HORIZONS.length;
    const Q = QUANTILES.length;
    for (let r = 0; r < 500; r++) {
      // The graph sees float32 features; so does the reference here.
      const f = forward(params, Float32Array.from(x.subarray(r * N_FEATURES, (r + 1) * N_FEATURES)));
      for (let k = 0; k < H; k++) {
        worst = Math.max(worst, Math.abs(vol[r * H + k]! - f.vol[k]!), Math.abs(pUp[r * H + k]! - f.pUp[k]!));
        for (let q = 0; q < Q; q++) worst = Math.max(worst, Math.abs(quant[r * H * Q + k * Q + q]! - f.quantiles[k]![q]!));
      }
    }
    expect(worst).toBeLessThan(1e-6);
    // Not a vacuous comparison: the forecasts vary from bar to bar.
    expect(new Set(Array.from(pUp)).size).toBeGreaterThan(400);
  });

  it('is small and retraining reproduces the checked-in model and card byte for byte (full training config)', () => {
    expect(shipped.length).toBeLessThan(200 * 1024);
    const { onnx, card } = buildArtifacts(TRAIN_FILE, FULL_CONFIG);
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    expect(sha(onnx)).toBe(sha(shipped));
    expect(`${JSON.stringify(card, null, 2)}\n`).toBe(readFileSync(join(MODEL_DIR, 'forecast.json'), 'utf8'));
    expect(card.version).toBe(`fc1-${sha(shipped).slice(0, 12)}`);
    // The full training run (not a reduced one): ~3-5 s alone, more when the suite runs in parallel.
  }, 120_000);
});
