import * as Comlink from 'comlink';
import { createEffect, createSignal, on, onCleanup } from 'solid-js';
import type { BandPoint } from '../../shared/ml/band';
import type { CandleColumns } from '../../shared/market/candles';
import type { Bar } from '../../shared/ml/ohlcv';
import type { ForecastApi, ForecastResult, ModelInfo, Warmup } from '../workers/forecast-view';

const KEEP_RESULTS = 120;

/**
 * Forecasts for one series. Nothing ML-related loads until `start()` (the panel calls it when first shown),
 * so the first paint never waits for the model or onnxruntime's wasm. Band points are kept per horizon
 * for a chart overlay. When `series` changes (another instrument focused) its state starts over.
 */
export function createForecast(series: () => string) {
  const [info, setInfo] = createSignal<ModelInfo | null>(null);
  const [latest, setLatest] = createSignal<ForecastResult | null>(null);
  const [warmup, setWarmup] = createSignal<Warmup | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [bands, setBands] = createSignal<BandPoint[][]>([]);
  let worker: Worker | undefined;
  let api: Comlink.Remote<ForecastApi> | undefined;
  let lastMinute = -Infinity;
  /** performance.now() when the worker was created: where a cold start is measured from. */
  let startedAt = NaN;
  let queue = Promise.resolve();
  createEffect(on(series, () => {
    lastMinute = -Infinity;
    setLatest(null);
    setWarmup(null);
    setBands([]);
  }, { defer: true }));

  const start = () => {
    if (api) return api;
    startedAt = performance.now();
    worker = new Worker(new URL('../workers/inference.worker.ts', import.meta.url), { type: 'module', name: 'inference' });
    api = Comlink.wrap<ForecastApi>(worker);
    api.load().then(setInfo, (e: unknown) => setError(`forecast model unavailable: ${e instanceof Error ? e.message : String(e)}`));
    return api;
  };

  /** Closed 1-minute bars in time order; each push forecasts from its last bar. Pushes are serialized. */
  const push = (bars: Bar[]): Promise<void> => {
    const fresh = bars.filter((b) => b.time > lastMinute);
    if (!fresh.length) return queue;
    lastMinute = fresh[fresh.length - 1]!.time;
    const remote = start();
    const key = series();
    queue = queue.then(async () => {
      try {
        const r = await remote.push(key, fresh);
        if (key !== series()) return;
        if ('needed' in r) return void setWarmup(r);
        setWarmup(null);
        setLatest(r);
        setBands((old) => r.horizons.map((h, k) => [...(old[k] ?? []), h.band].slice(-KEEP_RESULTS)));
      } catch (e) {
        setError(`forecast failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    return queue;
  };

  /** Closed 1-minute bars from the data worker (its history table), oldest first. */
  const feedMinutes = (m: CandleColumns) => {
    const rows: Bar[] = [];
    for (let i = 0; i < m.time.length; i++) rows.push({ time: m.time[i]!, open: m.open[i]!, high: m.high[i]!, low: m.low[i]!, close: m.close[i]!, volume: m.volume[i]! });
    return push(rows);
  };

  /** The newest minute already pushed, so the data worker sends only what is new. */
  const since = () => lastMinute;

  onCleanup(() => worker?.terminate());
  /** onnxruntime-web ready (it computes every forecast from then on), and when the worker was started. */
  const runtime = () => start().ready();
  const started = () => startedAt;

  return { info, latest, warmup, error, bands, start, push, feedMinutes, since, runtime, started };
}
