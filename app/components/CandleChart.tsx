import { createEffect, createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import type { CandleView, Interval, OlderView } from '../workers/view';
import type { ChartEngine } from './chart/engine';

const INTERVALS: Interval[] = ['1s', '1m', '5m', '15m', '1h', '4h', '1d'];
/** Bars asked for at a time when the user scrolls to the oldest bar on the chart. */
const OLDER_ROWS = 20_000;

/**
 * Candles, volume and indicators via lightweight-charts, loaded on first use. The worker sends column views;
 * full ones replace the series, others update the tail. A full view holds only the newest bars: scrolled to the
 * oldest one, the chart asks `older` for the block before it. `onEngine` hands the engine to features that draw
 * their own overlays (e.g. a forecast band).
 */
/** Started with this module, not on mount: the chart's code loads while the worker reads the cache. */
const chartModule = import('./chart/engine');

export function CandleChart(props: {
  candles: CandleView | null;
  interval: Interval;
  onInterval: (i: Interval) => void;
  onEngine?: (e: ChartEngine) => void;
  older?: (interval: Interval, before: number, count: number) => Promise<OlderView>;
}) {
  let host!: HTMLDivElement;
  const [engine, setEngine] = createSignal<ChartEngine>();
  const [rows, setRows] = createSignal(0);
  /** Bars across the visible time range: what a pinch or wheel zoom changes. */
  const [visible, setVisible] = createSignal(0);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  // One block in flight at a time; `exhausted` until the next full view once a block came back empty.
  let loading = false;
  let exhausted = false;
  const loadOlder = (e: ChartEngine) => {
    const c = props.candles;
    if (loading || exhausted || !props.older || !c || Number.isNaN(e.firstTime)) return;
    loading = true;
    props
      .older(c.interval, e.firstTime, OLDER_ROWS)
      .then((v) => {
        if (v.interval !== props.candles?.interval) return;
        if (!e.prepend(v.cols)) exhausted = true;
        setRows(e.rows);
      })
      .catch(() => (exhausted = true))
      .finally(() => (loading = false));
  };
  onMount(() => {
    chartModule
      .then(({ ChartEngine }) => {
        performance.mark('chart:engine-loaded');
        const e = new ChartEngine(host);
        e.chart.timeScale().subscribeVisibleLogicalRangeChange((r) => {
          if (r && r.from < 10) loadOlder(e);
        });
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
    const first = !e.rows;
    if (c.full) exhausted = false;
    e.apply(c.cols, c.full, c.open);
    if (first) performance.mark('chart:first-apply');
    setRows(e.rows);
    // for bench/engine.bench.ts: cached history → pixels, and → the whole first full view on the chart
    if (e.rows && !performance.getEntriesByName('chart-first-paint').length) requestAnimationFrame(() => performance.mark('chart-first-paint'));
    if (c.full && !c.partial && !performance.getEntriesByName('chart-loaded').length) requestAnimationFrame(() => performance.mark('chart-loaded'));
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
