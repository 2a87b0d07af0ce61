import * as Comlink from 'comlink';
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { bandPoint } from '../../shared/ml/band';
import { featuresAt, FULL, SHORT, type FeatureSet } from '../../shared/ml/features';
import { forward, HORIZON_NAMES, HORIZONS, QUANTILES, type ModelParams } from '../../shared/ml/model';
import { decodeModel } from '../../shared/ml/onnx-weights';
import { barsFromRows, MINUTE_MS, type Bar } from '../../shared/ml/ohlcv';
import type { CalibrationBin, ForecastApi, ForecastResult, ModelInfo, RuntimeInfo, ValidationVerdict, Warmup } from './forecast-view';

const CACHE = 'edgetape-ml';
const WASM = new URL(wasmUrl, self.location.href).href;
const MODELS = `${self.location.origin}${import.meta.env.BASE_URL}models/`;
const KEEP_BARS = FULL.warmup + 64;
const Q = QUANTILES.length;

interface Validated {
  from: string;
  to: string;
  verdicts: Record<string, ValidationVerdict>;
  calibration: Record<string, CalibrationBin[]>;
}
interface Card {
  version: string;
  file: string;
  sha256: string;
  warmupBars: number;
  validation: Validated;
  lowHistory: { file: string; sha256: string; warmupBars: number; validation: Validated };
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

/**
 * The card says which model is current. A cached card is used at once, and `revalidate` (called after the
 * first answer) refreshes it in the background, so a new release is picked up by the next load and a cold
 * start never waits for the network; without a cached card, the network's.
 */
async function currentCard(cache: Cache): Promise<{ card: Card; revalidate: () => void }> {
  const url = `${MODELS}forecast.json`;
  const fetchCard = () => fetch(url, { cache: 'no-cache' }).then(async (res) => {
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    await cache.put(url, res.clone());
    return (await res.json()) as Card;
  });
  const old = await cache.match(url);
  if (!old) return { card: await fetchCard(), revalidate: () => {} };
  return { card: (await old.json()) as Card, revalidate: () => void fetchCard().catch(() => {}) };
}

/** Models of other versions left in the cache by earlier releases. */
async function dropStale(cache: Cache, current: string[]): Promise<void> {
  for (const req of await cache.keys()) if (req.url.startsWith(MODELS) && req.url.includes('.onnx') && !current.includes(req.url)) await cache.delete(req);
}

/** Records in `phases` when a promise settles, in ms since `started`. */
const timed = (phases: Record<string, number>, started: number) => <T>(name: string, p: Promise<T>) => p.then((v) => ((phases[name] = performance.now() - started), v));
const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

interface Model {
  set: FeatureSet;
  params: ModelParams;
  input: Float32Array;
  /** Set once onnxruntime-web has a session for this model; until then the TypeScript forward pass runs. */
  session?: InferenceSession;
}

class Forecaster {
  private ort: typeof import('onnxruntime-web/wasm') | undefined;
  private models: { full: Model; short: Model } | undefined;
  private loading: Promise<ModelInfo> | undefined;
  private runtime: Promise<RuntimeInfo> | undefined;
  private startRuntime: (() => Promise<RuntimeInfo>) | undefined;
  private firstForecast: () => void = () => {};
  private pushed: number | undefined;
  private readonly series = new Map<string, Bar[]>();

  load(): Promise<ModelInfo> {
    this.loading ??= this.open();
    return this.loading;
  }

  /** Resolves when onnxruntime-web runs every forecast (after load(); the first ones may come before). */
  async ready(): Promise<RuntimeInfo> {
    await this.load();
    this.runtime ??= this.startRuntime!();
    return this.runtime;
  }

  /**
   * Ready as soon as both models are read and verified: onnxruntime-web's 14 MB wasm takes far longer to
   * compile than the first forecast may wait, so until its sessions exist the forecasts come from the
   * TypeScript forward pass on the same float32 weights (equal to onnxruntime to 1e-6, tested), and each
   * result says which engine made it. onnxruntime's initialization runs on this thread and blocks it for
   * hundreds of ms, so it starts only after the first answer to push() (or on ready()): the first forecast
   * never queues behind it.
   */
  private async open(): Promise<ModelInfo> {
    const started = performance.now();
    const phases: Record<string, number> = {};
    const mark = timed(phases, started);
    const cache = await caches.open(CACHE);
    const { card, revalidate } = await mark('card', currentCard(cache));
    const files = [card.file, card.lowHistory.file].map((f) => `${MODELS}${f}?v=${card.version}`);
    const models = await mark('models', Promise.all(files.map((url) => cached(cache, url))));
    const expected = [card.sha256, card.lowHistory.sha256];
    for (const [i, m] of models.entries()) {
      const digest = hex(await crypto.subtle.digest('SHA-256', m.bytes));
      if (digest !== expected[i]) {
        await cache.delete(files[i]!);
        throw new Error(`model ${card.version} (${files[i]}): checksum mismatch (got ${digest.slice(0, 12)}), not loaded`);
      }
    }
    const model = (set: FeatureSet, bytes: ArrayBuffer): Model => ({ set, params: decodeModel(new Uint8Array(bytes)), input: new Float32Array(set.names.length) });
    this.models = { full: model(FULL, models[0]!.bytes), short: model(SHORT, models[1]!.bytes) };
    phases.verified = performance.now() - started;
    // Nothing the first forecast does not need runs before it: onnxruntime's JS (its parse alone took ~80 ms of
    // this thread under load), the card's revalidation and dropping other versions' models wait for ready().
    this.firstForecast = () => {
      phases.firstPush ??= this.pushed! - started;
      phases.firstForecast ??= performance.now() - started;
    };
    this.startRuntime = () => {
      revalidate();
      void dropStale(cache, files).catch(() => {});
      return this.openRuntime(cache, models.map((m) => m.bytes), started, phases);
    };
    return {
      version: card.version,
      warmupBars: card.warmupBars,
      validation: { from: card.validation.from, to: card.validation.to, verdicts: card.validation.verdicts, calibration: card.validation.calibration },
      lowHistory: { warmupBars: card.lowHistory.warmupBars, verdicts: card.lowHistory.validation.verdicts, calibration: card.lowHistory.validation.calibration },
      bootMs: started,
      loadMs: performance.now() - started,
      phases,
      modelBytes: models.reduce((s, m) => s + m.bytes.byteLength, 0),
      fromCache: models.every((m) => m.hit),
    };
  }

  private async openRuntime(cache: Cache, bytes: ArrayBuffer[], started: number, phases: Record<string, number>): Promise<RuntimeInfo> {
    const mark = timed(phases, started);
    const [ort, wasm] = await Promise.all([mark('ortImport', import('onnxruntime-web/wasm')), mark('wasmRead', cached(cache, WASM))]);
    // One thread: no SharedArrayBuffer (no cross-origin isolation needed) and no pthread workers to spin up for a 1 KB model.
    ort.env.wasm.numThreads = 1;
    // The binary from the Cache API, not the HTTP cache: a 14 MB entry does not fit an incognito profile's
    // in-memory HTTP cache, and offline the Cache API still has it. (Letting onnxruntime stream-compile it from
    // either cache, for V8's code cache, was not measurably faster here: BENCHMARKS.md.)
    ort.env.wasm.wasmBinary = wasm.bytes;
    const { full, short } = this.models!;
    // In turn: the first create initializes the wasm runtime, which onnxruntime allows only once at a time.
    for (const [i, m] of [full, short].entries()) {
      const session = await ort.InferenceSession.create(new Uint8Array(bytes[i]!), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      this.ort = ort;
      m.session = session;
    }
    phases.onnxruntime = performance.now() - started;
    return { readyMs: phases.onnxruntime, phases, wasmBytes: wasm.bytes.byteLength, wasmFromCache: wasm.hit };
  }

  async push(name: string, incoming: Bar[]): Promise<ForecastResult | Warmup> {
    this.pushed ??= performance.now();
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
    // Fewer bars than the main model needs: the low-history model, flagged as such, rather than nothing.
    const lowHistory = bars.length <= FULL.warmup;
    const model = lowHistory ? this.models!.short : this.models!.full;
    // After this answer is posted, not before: onnxruntime's start blocks this thread.
    setTimeout(() => void this.ready().catch(() => {}), 0);
    if (bars.length <= model.set.warmup) return { series: name, bars: bars.length, needed: model.set.warmup + 1 };
    const cols = barsFromRows(bars.slice(-(model.set.warmup + 1)));
    const t = model.set.warmup;
    featuresAt(cols, t, model.input, 0, model.set);
    const t0 = performance.now();
    const engine = model.session ? 'onnxruntime' : 'typescript';
    let vol: ArrayLike<number>;
    let quant: ArrayLike<number>;
    let pUp: ArrayLike<number>;
    if (model.session) {
      const out = await model.session.run({ features: new this.ort!.Tensor('float32', model.input, [1, model.input.length]) });
      const data = (k: string) => (out[k] as Tensor).data as Float32Array;
      [vol, quant, pUp] = [data('vol'), data('quantiles'), data('p_up')];
    } else {
      const f = forward(model.params, model.input);
      [vol, quant, pUp] = [f.vol, f.quantiles.flat(), f.pUp];
    }
    const inferenceMs = performance.now() - t0;
    this.firstForecast();
    const last = bars[bars.length - 1]!;
    const recent = barsFromRows(bars.slice(-(Math.max(...HORIZONS) + 1)));
    const end = recent.close.length - 1;
    return {
      series: name,
      barTime: last.time,
      close: last.close,
      inferenceMs,
      engine,
      lowHistory,
      historyBars: bars.length,
      horizons: HORIZONS.map((h, k) => {
        // Realized σ of the horizon just ended, when the session has seen all of it.
        let rv = h <= end ? 0 : NaN;
        for (let i = end - h + 1; h <= end && i <= end; i++) rv += Math.log(recent.close[i]! / recent.close[i - 1]!) ** 2;
        const quantiles = Array.from({ length: Q }, (_, i) => quant[k * Q + i]!);
        return { name: HORIZON_NAMES[k]!, minutes: h, vol: vol[k]!, realized: Number.isNaN(rv) ? null : Math.sqrt(rv), quantiles, band: bandPoint(last.time + MINUTE_MS, last.close, h * MINUTE_MS, quantiles), pUp: pUp[k]! };
      }),
    };
  }
}

const forecaster = new Forecaster();
const api: ForecastApi = {
  load: () => forecaster.load(),
  ready: () => forecaster.ready(),
  push: (series, bars) => forecaster.push(series, bars),
};
Comlink.expose(api);
