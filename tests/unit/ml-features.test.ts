import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FEATURES, featuresAt, N_FEATURES, SHORT, WARMUP } from '../../shared/ml/features';
import { forward } from '../../shared/ml/model';
import { parseOhlcvCsv, sliceBars, type Bars } from '../../shared/ml/ohlcv';
import { decodeModel } from '../../tools/ml/onnx';
import { MODEL_DIR } from '../../tools/ml/train';
import { DATA_DIR, hasData } from '../../tools/paths';

const why = hasData() ? '' : '(../shared/data is absent)';
const load = () => parseOhlcvCsv(readFileSync(join(DATA_DIR, 'ohlcv/ftx-btc-perp-1m-train.csv'), 'utf8')).bars;
const f = (name: (typeof FEATURES)[number], x: Float64Array) => x[FEATURES.indexOf(name)]!;

describe.skipIf(why !== '')(`forecast features on FTX BTC-PERP 1-minute bars ${why}`, () => {
  const bars = load();
  // Bar 240 is 2022-01-01 03:01 (file line 242): O 46818 H 46825 L 46814 C 46823 V 486212.6869.
  // Bars 226..240 (file lines 228..242), copied from the file:
  const high = [46819, 46850, 46838, 46826, 46822, 46838, 46842, 46837, 46842, 46862, 46869, 46869, 46810, 46830, 46825];
  const low = [46809, 46820, 46826, 46812, 46791, 46801, 46832, 46832, 46836, 46837, 46848, 46783, 46785, 46809, 46814];
  const vol = [1010376.0176, 338405.7568, 89084.6793, 292986.1249, 458728.7549, 1068075.9389, 105838.594, 59899.0762, 188343.1524, 433642.0753, 941464.3512, 1942397.4993, 215684.2767, 161184.6652, 486212.6869];
  const x = new Float64Array(N_FEATURES);
  featuresAt(bars, 240, x);

  it('reads the bar the hand values come from', () => {
    expect(new Date(bars.time[240]!).toISOString()).toBe('2022-01-01T03:01:00.000Z');
    expect([bars.open[240], bars.high[240], bars.low[240], bars.close[240], bars.volume[240]]).toEqual([46818, 46825, 46814, 46823, 486212.6869]);
  });

  it('returns, realized variance and close location match hand computation', () => {
    expect(f('ret1', x)).toBeCloseTo(Math.log(46823 / 46818), 15);
    expect(f('ret5', x)).toBeCloseTo(Math.log(46823 / 46862), 15);
    // Closes of bars 235..240: 46862, 46869, 46786, 46809, 46818, 46823.
    const rv5 = Math.log(46869 / 46862) ** 2 + Math.log(46786 / 46869) ** 2 + Math.log(46809 / 46786) ** 2 + Math.log(46818 / 46809) ** 2 + Math.log(46823 / 46818) ** 2;
    expect(f('logRv5', x)).toBeCloseTo(Math.log(rv5 + 1e-10), 12);
    expect(f('closeLocation', x)).toBeCloseTo(7 / 11, 15);
  });

  it('Parkinson variance and relative volume match hand computation', () => {
    const park = high.reduce((s, h, i) => s + Math.log(h / low[i]!) ** 2, 0) / 15 / (4 * Math.log(2));
    expect(f('logParkinson15', x)).toBeCloseTo(Math.log(park + 1e-10), 12);
    const mean = vol.reduce((s, v) => s + Math.log1p(v), 0) / 15;
    expect(f('logVolumeVs15', x)).toBeCloseTo(Math.log1p(486212.6869) - mean, 12);
  });

  it('time of day is the bar close (03:02 UTC) on the unit circle', () => {
    expect(f('todSin', x)).toBeCloseTo(Math.sin((2 * Math.PI * 182) / 1440), 12);
    expect(f('todCos', x)).toBeCloseTo(Math.cos((2 * Math.PI * 182) / 1440), 12);
  });

  it('refuses a bar without enough history; the low-history set needs 5 bars', () => {
    expect(() => featuresAt(bars, WARMUP - 1, x)).toThrow(/need 240 earlier bars/);
    const s = new Float64Array(SHORT.names.length);
    expect(() => featuresAt(bars, 4, s, 0, SHORT)).toThrow(/need 5 earlier bars/);
    featuresAt(bars, 5, s, 0, SHORT);
    // Bars 0..5 of the file: the 5-bar log return, and the short set shares its definitions with the main one.
    expect(s[SHORT.names.indexOf('ret5')]).toBeCloseTo(Math.log(bars.close[5]! / bars.close[0]!), 15);
    featuresAt(bars, 240, s, 0, SHORT);
    for (const name of ['ret1', 'ret5', 'logRv5', 'closeLocation', 'todSin'] as const) expect(s[SHORT.names.indexOf(name)]).toBe(f(name, x));
  });

  it('the EWMA feature is RiskMetrics over the 240-bar window, the range EWMA the same on Parkinson variance', () => {
    let e = 0;
    let r = 0;
    for (let i = 1; i <= 240; i++) {
      e = 0.94 * e + 0.06 * Math.log(bars.close[i]! / bars.close[i - 1]!) ** 2;
      r = 0.94 * r + (0.06 * Math.log(bars.high[i]! / bars.low[i]!) ** 2) / (4 * Math.log(2));
    }
    expect(f('logEwma240', x)).toBeCloseTo(Math.log(e + 1e-10), 12);
    expect(f('logRangeEwma94', x)).toBeCloseTo(Math.log(r + 1e-10), 12);
  });

  it('has no look-ahead: rewriting or dropping every bar after t leaves features and forecasts at t unchanged', () => {
    const params = decodeModel(readFileSync(join(MODEL_DIR, 'forecast.onnx')));
    const shortParams = decodeModel(readFileSync(join(MODEL_DIR, 'forecast-short.onnx')));
    const base = sliceBars(bars, 0, 700);
    fc.assert(
      fc.property(
        fc.integer({ min: WARMUP, max: 698 }),
        fc.array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.boolean(),
        (t, k, truncate) => {
          const before = new Float64Array(N_FEATURES);
          featuresAt(base, t, before);
          const changed: Bars = truncate ? sliceBars(base, 0, t + 1) : sliceBars(base, 0, 700);
          if (!truncate)
            for (let i = t + 1; i < 700; i++) {
              changed.open[i] = changed.open[i]! * k[0]!;
              changed.close[i] = changed.close[i]! * k[1]!;
              changed.high[i] = Math.max(changed.open[i]!, changed.close[i]!) * k[2]! * 2;
              changed.low[i] = Math.min(changed.open[i]!, changed.close[i]!) / (k[3]! * 2);
              changed.volume[i] = changed.volume[i]! * k[4]! * 10;
              changed.time[i] = changed.time[i]! + k[5]! * 1e3;
            }
          const after = new Float64Array(N_FEATURES);
          featuresAt(changed, t, after);
          expect(Array.from(after)).toEqual(Array.from(before));
          expect(forward(params, after)).toEqual(forward(params, before));
          const [shortBefore, shortAfter] = [base, changed].map((b) => {
            const x = new Float64Array(SHORT.names.length);
            featuresAt(b, t, x, 0, SHORT);
            return x;
          });
          expect(Array.from(shortAfter!)).toEqual(Array.from(shortBefore!));
          expect(forward(shortParams, shortAfter!)).toEqual(forward(shortParams, shortBefore!));
        },
      ),
      { numRuns: 200, seed: 9 },
    );
  });
});
