import { createEffect, createSignal, For, onCleanup, onMount, Show, untrack } from 'solid-js';
import type { BlockView, CandleView, Interval } from '../workers/view';
import type { ChartEngine } from './chart/engine';

const INTERVALS: Interval[] = ['1s', '1m', '5m', '15m', '1h', '4h', '1d'];
/** Bars asked for at a time when the user scrolls to either end of the window the chart holds. */
const BLOCK_ROWS = 10_000;

/**
 * Candles, volume and indicators via lightweight-charts, loaded on first use. The worker sends column views;
 * full ones replace the series, others update the tail. A full view holds only the newest bars: scrolled to the
 * oldest one, the chart asks `block` for the block before it; the chart holds a bounded window (engine MAX_HELD),
 * so after moving back it asks for the blocks after it as the user scrolls forward again, up to the live edge. `onEngine` hands the engine to features that draw
 * their own overlays (e.g. a forecast band).
 */
/** Started with this module, not on mount: the chart's code loads while the worker reads the cache. */
const chartModule = import('./chart/engine');

const [settled, setSettled] = createSignal(false);
/**
 * True once the chart has drawn its first view (or could not load): the workspace renders its other panels after
 * that, so a reload's first frame with candles does not wait for every panel to be built and laid out.
 */
export const chartSettled = settled;

export function CandleChart(props: {
  candles: CandleView | null;
  interval: Interval;
  onInterval: (i: Interval) => void;
  onEngine?: (e: ChartEngine) => void;
  block?: (interval: Interval, side: 'before' | 'after', time: number, count: number) => Promise<BlockView>;
}) {
  let host!: HTMLDivElement;
  const [engine, setEngine] = createSignal<ChartEngine>();
  const [rows, setRows] = createSignal(0);
  /** Bars across the visible time range: what a pinch or wheel zoom changes. */
  const [visible, setVisible] = createSignal(0);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  /** Oldest bar held (Unix ms): how far back the window has moved. */
  const [windowStart, setWindowStart] = createSignal(NaN);
  // One block in flight at a time; `exhausted` (no older bars) until the next full view or a newer block.
  let loading = false;
  let exhausted = false;
  const loadBlock = (e: ChartEngine, side: 'before' | 'after') => {
    const c = props.candles;
    if (loading || e.moving || !props.block || !c || (side === 'before' ? exhausted : !e.detached)) return;
    const time = side === 'before' ? e.firstTime : e.heldLastTime;
    if (Number.isNaN(time)) return;
    loading = true;
    props
      .block(c.interval, side, time, BLOCK_ROWS)
      .then((v) => {
        if (v.interval !== props.candles?.interval) return;
        const added = e.addBlock(v.cols, side, v.rows < BLOCK_ROWS);
        if (side === 'before' && !added) exhausted = true;
        if (side === 'after') exhausted = false;
        setRows(e.rows);
        setWindowStart(e.firstTime);
      })
      .catch(() => side === 'before' && (exhausted = true))
      .finally(() => (loading = false));
  };
  const [mod, setMod] = createSignal<typeof import('./chart/engine')>();
  onMount(() => {
    chartModule
      .then((m) => {
        performance.mark('chart:engine-loaded');
        setMod(() => m);
      })
      .catch((err: unknown) => {
        setLoadError(`chart could not load: ${err instanceof Error ? err.message : String(err)}`);
        setSettled(true);
      });
  });
  onCleanup(() => engine()?.dispose());
  // The chart is created as soon as its code is there: on a reload the worker's rows now come after that, and the
  // main thread is idle meanwhile (created when the rows came, its creation was added to the first paint's wait).
  // Rows that are already there are applied in the same task, so its first frame draws them.
  createEffect(() => {
    const m = mod();
    if (!m || untrack(engine)) return;
    untrack(() => {
      const e = new m.ChartEngine(host);
      performance.mark('chart:created');
      e.chart.timeScale().subscribeVisibleLogicalRangeChange((r) => {
        if (r && r.from < 10) loadBlock(e, 'before');
        else if (r && r.to > e.rows - 10) loadBlock(e, 'after');
        setVisible(r ? Math.round((r.to - r.from) * 10) / 10 : 0);
      });
      setEngine(e);
      props.onEngine?.(e);
    });
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
    setWindowStart(e.firstTime);
    // for bench/engine.bench.ts: cached history → pixels, and → the whole first full view on the chart
    if (e.rows && !performance.getEntriesByName('chart-first-paint').length) requestAnimationFrame(() => performance.mark('chart-first-paint'));
    if (c.full && !c.partial && !performance.getEntriesByName('chart-loaded').length) requestAnimationFrame(() => performance.mark('chart-loaded'));
    if (!untrack(settled)) requestAnimationFrame(() => setSettled(true));
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
        data-window-start={Number.isNaN(windowStart()) ? '' : windowStart()}
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
