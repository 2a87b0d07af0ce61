import * as Comlink from 'comlink';
import { createSignal, onCleanup } from 'solid-js';
import type { BandPoint } from '../../shared/ml/band';
import { MINUTE_MS, resample, type Bar } from '../../shared/ml/ohlcv';
import type { CandleView } from '../workers/view';
import type { ForecastApi, ForecastResult, ModelInfo, Warmup } from '../workers/forecast-view';

const KEEP_RESULTS = 120;

/**
 * Forecasts for one series. Nothing ML-related loads until `start()` (the panel calls it when first shown),
 * so the first paint never waits for the model or onnxruntime's wasm. Band points are kept per horizon
 * for a chart overlay.
 */
export function createForecast(series: string) {
  const [info, setInfo] = createSignal<ModelInfo | null>(null);
  const [latest, setLatest] = createSignal<ForecastResult | null>(null);
  const [warmup, setWarmup] = createSignal<Warmup | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [bands, setBands] = createSignal<BandPoint[][]>([]);
  let worker: Worker | undefined;
  let api: Comlink.Remote<ForecastApi> | undefined;
  let lastMinute = -Infinity;
  let queue = Promise.resolve();

  const start = () => {
    if (api) return api;
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
    queue = queue.then(async () => {
      try {
        const r = await remote.push(series, fresh);
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

  /** Feeds the app's 1-second candles: only minutes whose every second has closed become 1-minute bars. */
  const feedSeconds = (c: CandleView) => {
    const n = c.closed.time.length;
    if (!api || !n) return;
    const minutes = resample(c.closed, MINUTE_MS, c.closed.time[n - 1]! + 1000);
    const rows: Bar[] = [];
    // The table's oldest minute is partial unless it starts on the minute: not a bar the model was trained on.
    for (let i = c.closed.time[0]! % MINUTE_MS === 0 ? 0 : 1; i < minutes.time.length; i++)
      rows.push({ time: minutes.time[i]!, open: minutes.open[i]!, high: minutes.high[i]!, low: minutes.low[i]!, close: minutes.close[i]!, volume: minutes.volume[i]! });
    void push(rows);
  };

  onCleanup(() => worker?.terminate());
  return { info, latest, warmup, error, bands, start, push, feedSeconds };
}
