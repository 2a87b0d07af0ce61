import { render } from 'solid-js/web';
import { ForecastPanel } from '../components/ForecastPanel';
import { createForecast } from '../stores/forecast';
import type { ForecastLab, ForecastResult, RuntimeInfo } from '../workers/forecast-view';

/**
 * The forecast panel fed with bars from outside instead of the socket: how the e2e test and the
 * Chromium benchmark drive the real inference worker on recorded 1-minute bars.
 */
declare global {
  interface Window {
    forecastLab: ForecastLab;
  }
}

render(() => {
  const forecast = createForecast(() => 'lab:BTC-PERP');
  window.forecastLab = {
    async run(bars, history) {
      const t0 = performance.now();
      const results: ForecastResult[] = [];
      const stepMs: number[] = [];
      let firstMs = NaN;
      let coldMs = NaN;
      let runtime!: RuntimeInfo;
      for (let i = history; i <= bars.length; i++) {
        const s = performance.now();
        await forecast.push(i === history ? bars.slice(0, i) : [bars[i - 1]!]);
        const r = forecast.latest();
        if (!r || r.barTime !== bars[i - 1]!.time) throw new Error(forecast.error() ?? `no forecast for bar ${i - 1}`);
        if (Number.isNaN(firstMs)) {
          firstMs = performance.now() - t0;
          coldMs = performance.now() - forecast.started();
          // The later bars are onnxruntime-web's: wait for it once, outside any step's time.
          runtime = await forecast.runtime();
        }
        else stepMs.push(performance.now() - s);
        results.push(r);
      }
      return { results, coldMs, firstMs, stepMs, info: forecast.info(), runtime };
    },
  };
  return (
    <main class="app">
      {/* The worker starts with the first bars run() pushes, not when the panel shows: a cold start is then timed
          from the worker's creation with bars in hand (as in the app, where the chart's minutes are already there),
          not from whenever the harness gets around to calling run(). */}
      <ForecastPanel info={forecast.info()} latest={forecast.latest()} warmup={forecast.warmup()} error={forecast.error()} onShow={() => {}} />
    </main>
  );
}, document.getElementById('root')!);
