import * as Comlink from 'comlink';
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { bandPoint } from '../../shared/ml/band';
import { featuresAt, N_FEATURES, WARMUP } from '../../shared/ml/features';
import { HORIZON_NAMES, HORIZONS, QUANTILES } from '../../shared/ml/model';
import { barsFromRows, MINUTE_MS, type Bar } from '../../shared/ml/ohlcv';
import type { CalibrationBin, ForecastApi, ForecastResult, HeldOutVerdict, ModelInfo, Warmup } from './forecast-view';

const CACHE = 'edgetape-ml';
const MODELS = `${self.location.origin}${import.meta.env.BASE_URL}models/`;
const KEEP_BARS = WARMUP + 64;
const H = HORIZONS.length;
const Q = QUANTILES.length;

interface Card {
  version: string;
  sha256: string;
  warmupBars: number;
  heldOut: { from: string; to: string; verdicts: Record<string, HeldOutVerdict>; score: Record<string, { calibration: CalibrationBin[] }> };
}

/** Bytes of a versioned URL from the Cache API, fetched and stored on a miss. */
async function cached(cache: Cache, url: string): Promise<{ bytes: ArrayBuffer; hit: boolean }> {
  const hit = await cache.match(url);
  if (hit) return { bytes: await hit.arrayBuffer(), hit: true };
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  await cache.put(url, res.clone());
  return { bytes: await res.arrayBuffer(), hit: false };
}

/** The card says which model is current; offline, the last one cached still works. */
async function currentCard(cache: Cache): Promise<Card> {
  const url = `${MODELS}forecast.json`;
  try {
    const res = await fetch(url, { cache: 'no-cache' });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    await cache.put(url, res.clone());
    return (await res.json()) as Card;
  } catch (err) {
    const old = await cache.match(url);
    if (!old) throw err;
    return (await old.json()) as Card;
  }
}

const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

class Forecaster {
  private session: InferenceSession | undefined;
  private ort: typeof import('onnxruntime-web/wasm') | undefined;
  private loading: Promise<ModelInfo> | undefined;
  private readonly series = new Map<string, Bar[]>();
  private readonly input = new Float32Array(N_FEATURES);

  load(): Promise<ModelInfo> {
    this.loading ??= this.open();
    return this.loading;
  }

  private async open(): Promise<ModelInfo> {
    const started = performance.now();
    const cache = await caches.open(CACHE);
    const card = await currentCard(cache);
    const [ort, model, wasm] = await Promise.all([import('onnxruntime-web/wasm'), cached(cache, `${MODELS}forecast.onnx?v=${card.version}`), cached(cache, wasmUrl)]);
    const digest = hex(await crypto.subtle.digest('SHA-256', model.bytes));
    if (digest !== card.sha256) {
      await cache.delete(`${MODELS}forecast.onnx?v=${card.version}`);
      throw new Error(`model ${card.version}: checksum mismatch (got ${digest.slice(0, 12)}), not loaded`);
    }
    for (const req of await cache.keys()) if (req.url.startsWith(`${MODELS}forecast.onnx`) && !req.url.endsWith(`v=${card.version}`)) await cache.delete(req);
    // One thread: no SharedArrayBuffer (no cross-origin isolation needed) and no extra worker for a 1 KB model.
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmBinary = wasm.bytes;
    this.session = await ort.InferenceSession.create(new Uint8Array(model.bytes), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    this.ort = ort;
    return {
      version: card.version,
      warmupBars: card.warmupBars,
      heldOut: { from: card.heldOut.from, to: card.heldOut.to, verdicts: card.heldOut.verdicts, calibration: Object.fromEntries(Object.entries(card.heldOut.score).map(([h, s]) => [h, s.calibration])) },
      loadMs: performance.now() - started,
      modelBytes: model.bytes.byteLength,
      wasmBytes: wasm.bytes.byteLength,
      fromCache: model.hit && wasm.hit,
    };
  }

  async push(name: string, incoming: Bar[]): Promise<ForecastResult | Warmup> {
    await this.load();
    let bars = this.series.get(name);
    if (!bars) this.series.set(name, (bars = []));
    for (const b of incoming) {
      const last = bars[bars.length - 1];
      if (last && b.time <= last.time) continue;
      // A gap (no trades) is flat minutes at the last close, as in training data preparation.
      for (let t = last ? last.time + MINUTE_MS : b.time; last && t < b.time; t += MINUTE_MS) bars.push({ time: t, open: last.close, high: last.close, low: last.close, close: last.close, volume: 0 });
      bars.push(b);
    }
    if (bars.length > KEEP_BARS) bars.splice(0, bars.length - KEEP_BARS);
    if (bars.length <= WARMUP) return { series: name, bars: bars.length, needed: WARMUP + 1 };
    const cols = barsFromRows(bars.slice(-(WARMUP + 1)));
    featuresAt(cols, WARMUP, this.input);
    const t0 = performance.now();
    const out = await this.session!.run({ features: new this.ort!.Tensor('float32', this.input, [1, N_FEATURES]) });
    const inferenceMs = performance.now() - t0;
    const data = (k: string) => (out[k] as Tensor).data as Float32Array;
    const [vol, quant, pUp] = [data('vol'), data('quantiles'), data('p_up')];
    const last = bars[bars.length - 1]!;
    return {
      series: name,
      barTime: last.time,
      close: last.close,
      inferenceMs,
      horizons: HORIZONS.map((h, k) => {
        let rv = 0;
        for (let i = WARMUP - h + 1; i <= WARMUP; i++) rv += Math.log(cols.close[i]! / cols.close[i - 1]!) ** 2;
        const quantiles = Array.from(quant.subarray(k * Q, k * Q + Q));
        return { name: HORIZON_NAMES[k]!, minutes: h, vol: vol[k]!, realized: Math.sqrt(rv), quantiles, band: bandPoint(last.time + MINUTE_MS, last.close, h * MINUTE_MS, quantiles), pUp: pUp[k]! };
      }),
    };
  }
}

const forecaster = new Forecaster();
const api: ForecastApi = {
  load: () => forecaster.load(),
  push: (series, bars) => forecaster.push(series, bars),
};
Comlink.expose(api);
