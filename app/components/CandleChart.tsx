import { createEffect, createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import type { CandleView, Interval } from '../workers/view';
import type { ChartEngine } from './chart/engine';

const INTERVALS: Interval[] = ['1s', '1m', '5m', '15m', '1h', '4h', '1d'];

/**
 * Candles, volume and indicators via lightweight-charts, loaded on first use. The worker sends Arrow views;
 * full ones replace the series, others update the tail. `onEngine` hands the engine to features that draw
 * their own overlays (e.g. a forecast band).
 */
export function CandleChart(props: {
  candles: CandleView | null;
  interval: Interval;
  onInterval: (i: Interval) => void;
  onEngine?: (e: ChartEngine) => void;
}) {
  let host!: HTMLDivElement;
  const [engine, setEngine] = createSignal<ChartEngine>();
  const [rows, setRows] = createSignal(0);
  /** Bars across the visible time range: what a pinch or wheel zoom changes. */
  const [visible, setVisible] = createSignal(0);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  onMount(() => {
    import('./chart/engine')
      .then(({ ChartEngine }) => {
        const e = new ChartEngine(host);
        setEngine(e);
        e.chart.timeScale().subscribeVisibleLogicalRangeChange((r) => setVisible(r ? Math.round((r.to - r.from) * 10) / 10 : 0));
        props.onEngine?.(e);
        onCleanup(() => e.dispose());
      })
      .catch((err: unknown) => setLoadError(`chart could not load: ${err instanceof Error ? err.message : String(err)}`));
  });
  createEffect(() => {
    const e = engine();
    const c = props.candles;
    if (!e || !c) return;
    e.apply(c.ipc, c.full, c.open);
    setRows(e.rows);
    // for bench/engine.bench.ts: cached history → pixels, and → every cached row on the chart
    if (e.rows && !performance.getEntriesByName('chart-first-paint').length) requestAnimationFrame(() => performance.mark('chart-first-paint'));
    if (c.full && e.rows >= c.totalRows && e.rows > 0 && !performance.getEntriesByName('chart-all-rows').length) requestAnimationFrame(() => performance.mark('chart-all-rows'));
  });
  return (
    <figure class="chart">
      <div class="intervals" role="toolbar" aria-label="candle interval">
        <For each={INTERVALS}>
          {(i) => (
            <button type="button" aria-pressed={props.interval === i} classList={{ active: props.interval === i }} onClick={() => props.onInterval(i)}>
              {i}
            </button>
          )}
        </For>
      </div>
      <div
        ref={host}
        class="chart-host"
        data-testid="candle-chart"
        data-interval={props.candles?.interval ?? props.interval}
        data-candles={props.candles?.totalRows ?? 0}
        data-painted={rows()}
        data-visible-bars={visible()}
        data-cached={props.candles?.cachedRows ?? 0}
        data-first-time={props.candles?.firstTime ?? ''}
        role="img"
        aria-label={`${props.interval} candlestick chart, times in your time zone (${Intl.DateTimeFormat().resolvedOptions().timeZone})`}
      />
      <figcaption data-testid="candle-caption">
        <Show when={props.candles} fallback={loadError() ?? 'loading history…'}>
          {(c) => <>{`${c().totalRows} closed ${c().interval === '1s' ? '1 s' : '1 m'} candles · ${c().cachedRows} from this device's cache${c().historyNote ? ` · ${c().historyNote}` : ''}`}</>}
        </Show>
      </figcaption>
    </figure>
  );
}
