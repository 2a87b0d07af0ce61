import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { featureMatrix, FULL, SHORT, type FeatureSet } from '../../shared/ml/features';
import { forward, HORIZONS, QUANTILES } from '../../shared/ml/model';
import { loadBars, TRAIN_FILE } from '../../tools/ml/data';
import { decodeModel } from '../../tools/ml/onnx';
import { buildArtifacts, FULL_CONFIG, MODEL_DIR } from '../../tools/ml/train';
import { hasData } from '../../tools/paths';

const why = hasData() ? '' : '(../shared/data is absent)';
const shipped = readFileSync(join(MODEL_DIR, 'forecast.onnx'));
const shippedShort = readFileSync(join(MODEL_DIR, 'forecast-short.onnx'));

describe.skipIf(why !== '')(`the shipped forecasters ${why}`, () => {
  it.each([['main', shipped, FULL], ['low-history', shippedShort, SHORT]] as [string, Buffer, FeatureSet][])('the %s model runs in onnxruntime-node with the same outputs as the TypeScript forward pass (1e-6) on the last 500 bars of the file', async (_name, bytes, set) => {
    const { bars } = loadBars(TRAIN_FILE);
    const from = bars.close.length - 500;
    const f = set.names.length;
    const x = featureMatrix(bars, from, from + 500, set);
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(x), [500, f]) });
    const data = (k: string) => out[k]!.data as Float32Array;
    const [vol, quant, pUp] = [data('vol'), data('quantiles'), data('p_up')];
    const params = decodeModel(bytes);
    let worst = 0;
    const H = HORIZONS.length;
    const Q = QUANTILES.length;
    for (let r = 0; r < 500; r++) {
      // The graph sees float32 features; so does the reference here.
      const fc = forward(params, Float32Array.from(x.subarray(r * f, (r + 1) * f)));
      for (let k = 0; k < H; k++) {
        worst = Math.max(worst, Math.abs(vol[r * H + k]! - fc.vol[k]!), Math.abs(pUp[r * H + k]! - fc.pUp[k]!));
        for (let q = 0; q < Q; q++) worst = Math.max(worst, Math.abs(quant[r * H * Q + k * Q + q]! - fc.quantiles[k]![q]!));
      }
    }
    expect(worst).toBeLessThan(1e-6);
    // Not a vacuous comparison: the forecasts vary from bar to bar (P(up) is the constant base rate: no skill was found).
    expect(new Set(Array.from(vol)).size).toBeGreaterThan(900);
    expect(new Set(Array.from(quant)).size).toBeGreaterThan(2000);
  });

  it('validates on consecutive blocks up to the last training target, each forecast by a model whose targets end before it', () => {
    type Blocks = { from: string; to: string; fittedTo: string }[];
    const card = JSON.parse(readFileSync(join(MODEL_DIR, 'forecast.json'), 'utf8')) as { training: { to: string }; validation: { blocks: Blocks }; lowHistory: { training: { to: string }; validation: { blocks: Blocks } } };
    const min = 60_000;
    for (const { training, validation } of [card, card.lowHistory]) {
      const blocks = validation.blocks.map((b) => ({ from: Date.parse(b.from), to: Date.parse(b.to), fittedTo: Date.parse(b.fittedTo) }));
      expect(blocks).toHaveLength(6);
      expect(blocks.at(-1)!.to).toBe(Date.parse(training.to));
      blocks.forEach((b, i) => {
        // The last fitted row's 60-minute target ends on the bar before the block: the purge gap.
        expect(b.from - b.fittedTo).toBe((HORIZONS.at(-1)! + 1) * min);
        if (i > 0) expect(b.from).toBe(blocks[i - 1]!.to + min);
      });
    }
  });

  it('is small and retraining reproduces the checked-in models and card byte for byte (full training config)', () => {
    expect(shipped.length + shippedShort.length).toBeLessThan(200 * 1024);
    const { onnx, shortOnnx, card } = buildArtifacts(TRAIN_FILE, FULL_CONFIG);
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    expect(sha(onnx)).toBe(sha(shipped));
    expect(sha(shortOnnx)).toBe(sha(shippedShort));
    // Pinned, so a retrain that changes the model must change this line too.
    expect([sha(shipped), sha(shippedShort)]).toEqual(['cfb1f59b8e41d532f24383deb73c25663b4728a6e15298c679cea3a774273f00', '9f9ef99dc9291b70fb11887f0fd4efeaf1236737105d1d30473d1ece7007a218']);
    expect(`${JSON.stringify(card, null, 2)}\n`).toBe(readFileSync(join(MODEL_DIR, 'forecast.json'), 'utf8'));
    expect(card.version).toBe(`fc4-${sha(Buffer.concat([shipped, shippedShort])).slice(0, 12)}`);
    expect(card.lowHistory.sha256).toBe(sha(shippedShort));
    // The full training run (not a reduced one, both models, all seven validation blocks): ~15 s on the loaded shared machine.
  }, 600_000);
});
