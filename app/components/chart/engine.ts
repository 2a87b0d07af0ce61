import {
  CandlestickSeries, createChart, HistogramSeries, LineSeries,
  type IChartApi, type ISeriesApi, type SeriesType, type Time, type UTCTimestamp,
} from 'lightweight-charts';
import type { Candle } from '../../../shared/market/candles';
import { clock } from '../../format';
import { INDICATOR_COLUMNS, type ChartColumns } from '../../workers/chart-view';

/** The page's up/down colours and text colour (CSS custom properties of the theme and colour setting). */
function palette(el: HTMLElement): { up: string; down: string; text: string } {
  const css = getComputedStyle(el);
  return { up: css.getPropertyValue('--up').trim() || '#26a69a', down: css.getPropertyValue('--down').trim() || '#ef5350', text: css.color || '#ccc' };
}
/** The same colour at `alpha`, for volume bars under the candles. */
const faded = (hex: string, alpha: number): string =>
  /^#[0-9a-f]{6}$/i.test(hex) ? `rgba(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(',')},${alpha})` : hex;

/** An extra series another feature draws on the chart (e.g. a forecast band), in the main pane or its own. */
export interface OverlaySpec {
  kind: 'line' | 'band';
  color: string;
  /** 0 = over the candles; a higher index puts it in its own pane below. */
  pane?: number;
  title?: string;
}
export interface Overlay {
  /** Times are Unix ms (UTC bucket starts); values NaN where there is nothing to draw. */
  setData(time: Float64Array, value: Float64Array, upper?: Float64Array): void;
  remove(): void;
}

type Bar = { time: UTCTimestamp; open: number; high: number; low: number; close: number };
type Vol = { time: UTCTimestamp; value: number; color: string };
type Pt = { time: UTCTimestamp; value: number };
interface Shown {
  bars: Bar[];
  vols: Vol[];
  lines: Partial<Record<keyof ChartColumns, Pt[]>>;
}

/**
 * Most bars held on the chart. Every block put beside the held bars sets each series again over all of them (the
 * library re-sorts every time point per setData), so the work of one such task grows with what is held: the chart
 * holds a window and drops bars on the far side when a block comes in (see `addBlock`).
 */
export const MAX_HELD = 20_000;

const sec = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;
/** Axis and crosshair labels in the user's time zone; one formatter each (a per-call locale string builds one every time). */
const WITH_DATE = new Intl.DateTimeFormat([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
const local = (t: Time, withDate: boolean): string => (withDate ? WITH_DATE.format((t as number) * 1000) : clock((t as number) * 1000));

/** Same fields, same values: the bar, volume or line point on screen needs no update. */
function samePoint<P extends object>(a: P, b: P): boolean {
  for (const k in b) if (a[k] !== b[k]) return false;
  return true;
}

/** A chart view's rows as lightweight-charts points; lines get no point where they have no value (warm-up). */
function decode(cols: ChartColumns, colours: { up: string; down: string }): { time: Float64Array; bars: Bar[]; vols: Vol[]; lines: Record<string, Pt[]> } {
  const col = (name: keyof ChartColumns) => cols[name];
  const time = col('time');
  const [o, h, l, c, v] = [col('open'), col('high'), col('low'), col('close'), col('volume')];
  const n = time.length;
  const bars: Bar[] = new Array(n);
  const vols: Vol[] = new Array(n);
  const [up, down] = [faded(colours.up, 0.45), faded(colours.down, 0.45)];
  for (let i = 0; i < n; i++) {
    const ts = sec(time[i]!);
    bars[i] = { time: ts, open: o[i]!, high: h[i]!, low: l[i]!, close: c[i]! };
    vols[i] = { time: ts, value: v[i]!, color: c[i]! >= o[i]! ? up : down };
  }
  const lines: Record<string, Pt[]> = {};
  for (const name of INDICATOR_COLUMNS) {
    const x = col(name);
    const pts: Pt[] = (lines[name] = []);
    for (let i = 0; i < n; i++) if (!Number.isNaN(x[i])) pts.push({ time: sec(time[i]!), value: x[i]! });
  }
  return { time, bars, vols, lines };
}

/**
 * lightweight-charts set up for edgetape: candles + volume in the main pane, EMA 20/50 and Bollinger overlays,
 * RSI and MACD panes. Candles sit in UTC buckets; axis and crosshair labels are in the user's time zone.
 * Loaded lazily so the first screen does not wait for it; it takes the worker's columns as they come (no Arrow here).
 */
export class ChartEngine {
  readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;
  private readonly lines: Partial<Record<keyof ChartColumns, ISeriesApi<'Line' | 'Histogram'>>> = {};
  /** Bars on screen: what the page exposes for tests and screen readers. */
  rows = 0;
  lastTime = -Infinity;
  /** Newest bar drawn (the forming one included), in chart seconds. */
  private shownSec = -Infinity;
  /** The window was moved back and no longer holds the newest bar: live updates wait until a block reaches it. */
  detached = false;
  /**
   * Visible logical range (bar indexes) that shows the same bars after the window moved: the old range shifted by the
   * bars added or dropped in front, so the bar spacing stays too. Applied once every series is set again (the chart's
   * time points are the union of its series', so not before the last).
   */
  private keepRange: { from: number; to: number } | null = null;

  /**
   * The window has moved but its series are not all set again yet: the screen still shows the old edge, so asking
   * for the next block now would move the window again without the user scrolling.
   */
  get moving(): boolean {
    return this.keepRange !== null;
  }
  private colours: { up: string; down: string; text: string };
  /** Follows the theme and up/down setting on the document element. */
  private readonly themeWatch: MutationObserver;

  /** Double-click (double-tap) on the price pane: the price under the pointer, e.g. to create an alert there. */
  onPricePick(fn: (price: number) => void): void {
    this.chart.subscribeDblClick((p) => {
      const price = p.point && p.paneIndex === 0 ? this.candles.coordinateToPrice(p.point.y) : null;
      if (price !== null && price !== undefined && Number.isFinite(price)) fn(Math.round(price * 100) / 100);
    });
  }
  /** What each series holds, so an older block can be put in front without asking the chart for it. */
  private shown: Shown = { bars: [], vols: [], lines: {} };
  /** Series whose setData waits for its task (see `reset`), with where its data will be read from. */
  private readonly pending = new Map<ISeriesApi<SeriesType>, () => unknown[]>();
  private draining = false;

  constructor(el: HTMLElement) {
    this.colours = palette(el);
    const { up: UP, down: DOWN, text: color } = this.colours;
    const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    this.chart = createChart(el, {
      autoSize: true,
      kineticScroll: { mouse: false, touch: !still },
      layout: { background: { color: 'transparent' }, textColor: color, attributionLogo: false, panes: { separatorColor: 'rgba(128,128,128,0.3)' } },
      grid: { vertLines: { color: 'rgba(128,128,128,0.12)' }, horzLines: { color: 'rgba(128,128,128,0.12)' } },
      timeScale: { timeVisible: true, secondsVisible: true, tickMarkFormatter: (t: Time) => local(t, false) },
      localization: { timeFormatter: (t: Time) => local(t, true) },
      // Touch: one finger drags through time, two pinch to zoom; a vertical swipe is left to the page (it scrolls).
      handleScroll: { mouseWheel: true, pressedMouseMove: true, horzTouchDrag: true, vertTouchDrag: false },
      handleScale: { mouseWheel: true, pinch: true, axisPressedMouseMove: true },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, { upColor: UP, downColor: DOWN, wickUpColor: UP, wickDownColor: DOWN, borderVisible: false });
    this.volume = this.chart.addSeries(HistogramSeries, { priceScaleId: 'vol', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
    this.chart.priceScale('vol').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    const line = (col: keyof ChartColumns, c: string, pane = 0) =>
      (this.lines[col] = this.chart.addSeries(LineSeries, { color: c, lineWidth: 1, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false }, pane));
    line('ema20', '#f0b90b');
    line('ema50', '#a78bfa');
    line('bbUpper', 'rgba(96,165,250,0.7)');
    line('bbMiddle', 'rgba(96,165,250,0.35)');
    line('bbLower', 'rgba(96,165,250,0.7)');
    line('rsi14', '#e879f9', 1);
    line('macd', '#60a5fa', 2);
    line('macdSignal', '#f97316', 2);
    this.lines.macdHist = this.chart.addSeries(HistogramSeries, { color: '#64748b', priceLineVisible: false, lastValueVisible: false }, 2);
    for (const [i, h] of [[1, 90], [2, 110]] as const) this.chart.panes()[i]?.setHeight(h);
    this.themeWatch = new MutationObserver(() => {
      this.colours = palette(el);
      const { up, down, text } = this.colours;
      this.chart.applyOptions({ layout: { textColor: text } });
      this.candles.applyOptions({ upColor: up, downColor: down, wickUpColor: up, wickDownColor: down });
    });
    this.themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'data-updown'] });
  }

  /** Applies a chart view: `full` replaces everything, otherwise rows from their first time on are updated/appended. */
  apply(cols: ChartColumns, full: boolean, open: Candle | null): void {
    if (this.detached && !full) return;
    this.detached = false;
    const d = decode(cols, this.colours);
    const n = d.time.length;
    if (open) {
      const ts = sec(open.time);
      d.bars.push({ time: ts, open: open.open, high: open.high, low: open.low, close: open.close });
      d.vols.push({ time: ts, value: open.volume, color: 'rgba(128,128,128,0.4)' });
    }
    if (full) {
      this.shown = { bars: d.bars, vols: d.vols, lines: d.lines };
      // candles and volume now (the paint waits for them), the lines in the tasks after
      for (const s of [this.candles, this.volume] as ISeriesApi<SeriesType>[]) this.pending.delete(s);
      this.candles.setData(d.bars);
      this.volume.setData(d.vols);
      for (const [name, s] of this.lineSeries()) this.reset(s, () => this.shown.lines[name] ?? []);
    } else {
      this.update(this.candles, this.shown.bars, d.bars);
      this.update(this.volume, this.shown.vols, d.vols);
      for (const [name, s] of this.lineSeries()) this.update(s, (this.shown.lines[name] ??= []), d.lines[name] ?? []);
    }
    this.shownSec = Math.max(full ? -Infinity : this.shownSec, d.bars.at(-1)?.time ?? -Infinity);
    if (full) this.rows = n;
    else if (n) this.rows += d.time[0]! > this.lastTime ? n : n - 1;
    if (n) this.lastTime = d.time[n - 1]!;
  }

  /** Time of the oldest bar on the chart, Unix ms (NaN when empty): older blocks are asked for before it. */
  get firstTime(): number {
    const t = this.shown.bars[0]?.time;
    return t === undefined ? NaN : t * 1000;
  }

  /** Time of the newest bar held, Unix ms (NaN when empty): while detached, newer blocks are asked for after it. */
  get heldLastTime(): number {
    const t = this.shown.bars.at(-1)?.time;
    return t === undefined ? NaN : t * 1000;
  }

  /**
   * Puts a block (a chart view of the bars before `firstTime` or after `heldLastTime`) beside what is shown and
   * drops bars on the other side beyond MAX_HELD. Dropping the newest detaches the chart from the live edge until
   * a newer block that `reachesEnd` brings it back. The same bars stay on screen (`keepRange`); each series is set
   * again over the window, one per task (see `reset`). Returns the bars added.
   */
  addBlock(cols: ChartColumns, side: 'before' | 'after', reachesEnd = false): number {
    const d = decode(cols, this.colours);
    const s = this.shown;
    const [first, last] = [s.bars[0]?.time ?? Infinity, s.bars.at(-1)?.time ?? -Infinity];
    const fresh = <T extends { time: UTCTimestamp }>(xs: T[]) => xs.filter((x) => (side === 'before' ? x.time < first : x.time > last));
    const added = fresh(d.bars).length;
    if (!added) return 0;
    const join = <T extends { time: UTCTimestamp }>(held: T[], block: T[]) => (side === 'before' ? fresh(block).concat(held) : held.concat(fresh(block)));
    s.bars = join(s.bars, d.bars);
    s.vols = join(s.vols, d.vols);
    for (const [name] of this.lineSeries()) s.lines[name] = join(s.lines[name] ?? [], d.lines[name] ?? []);
    const excess = s.bars.length - MAX_HELD;
    const shift = side === 'before' ? added : -Math.max(0, excess);
    if (excess > 0) {
      // the window: bars strictly before `cut` (moving back) or after it (moving forward)
      const cut = side === 'before' ? s.bars[s.bars.length - excess]!.time : s.bars[excess - 1]!.time;
      const inside = <T extends { time: UTCTimestamp }>(xs: T[]) => xs.filter((x) => (side === 'before' ? x.time < cut : x.time > cut));
      s.bars = inside(s.bars);
      s.vols = inside(s.vols);
      for (const [name] of this.lineSeries()) s.lines[name] = inside(s.lines[name] ?? []);
      if (side === 'before') this.detached = true;
    }
    if (side === 'after' && reachesEnd) {
      this.detached = false;
      this.shownSec = s.bars.at(-1)!.time;
      this.lastTime = this.shownSec * 1000;
    }
    this.rows = s.bars.length;
    const r = this.chart.timeScale().getVisibleLogicalRange();
    this.keepRange = r && { from: r.from + shift, to: r.to + shift };
    this.reset(this.candles, () => s.bars);
    this.reset(this.volume, () => s.vols);
    for (const [name, series] of this.lineSeries()) this.reset(series, () => s.lines[name] ?? []);
    return added;
  }

  /**
   * Queues setData of `s` with what `data()` holds when it runs, one series per task. lightweight-charts
   * re-sorts every time point of the chart on each setData, so eleven of them over 100,000 bars in one task
   * block the page for seconds; one at a time, the page keeps drawing between them.
   */
  private reset(s: ISeriesApi<SeriesType>, data: () => unknown[]): void {
    this.pending.set(s, data);
    if (this.draining) return;
    this.draining = true;
    setTimeout(this.drain, 0);
  }

  private readonly drain = (): void => {
    const next = this.pending.entries().next();
    if (next.done) {
      this.draining = false;
      // every series is set again: the chart's time points are the window's alone, so the same bars can be shown
      if (this.keepRange) this.chart.timeScale().setVisibleLogicalRange(this.keepRange);
      this.keepRange = null;
      return;
    }
    const [s, data] = next.value;
    this.pending.delete(s);
    s.setData(data() as never);
    setTimeout(this.drain, 0);
  };

  private lineSeries(): [keyof ChartColumns, ISeriesApi<'Line' | 'Histogram'>][] {
    return Object.entries(this.lines) as [keyof ChartColumns, ISeriesApi<'Line' | 'Histogram'>][];
  }

  /**
   * Updates points at or after the newest drawn (a tail may repeat bars older than the forming one: those are
   * final and already shown), keeping `kept` in step with the series.
   */
  private update<T extends SeriesType, P extends { time: UTCTimestamp }>(s: ISeriesApi<T>, kept: P[], data: P[]): void {
    for (const d of data) {
      if (d.time < this.shownSec) continue;
      const last = kept[kept.length - 1];
      // an unchanged point is not sent again: each update makes the library rebuild the series' points
      if (last && last.time === d.time && samePoint(last, d)) continue;
      // a series whose setData is queued gets the point with it
      if (!this.pending.has(s as ISeriesApi<SeriesType>)) s.update(d as never);
      if (last && last.time === d.time) kept[kept.length - 1] = d;
      else if (!last || last.time < d.time) kept.push(d);
    }
  }

  addOverlay(spec: OverlaySpec): Overlay {
    const opts = { color: spec.color, lineWidth: 1 as const, priceLineVisible: false, lastValueVisible: false, title: spec.title ?? '' };
    const main = this.chart.addSeries(LineSeries, opts, spec.pane ?? 0);
    const upper = spec.kind === 'band' ? this.chart.addSeries(LineSeries, opts, spec.pane ?? 0) : undefined;
    const pts = (time: Float64Array, v: Float64Array) => Array.from(time, (t, i) => (Number.isNaN(v[i]) ? { time: sec(t) } : { time: sec(t), value: v[i]! }));
    return {
      setData: (time, value, up) => {
        main.setData(pts(time, value));
        if (upper && up) upper.setData(pts(time, up));
      },
      remove: () => {
        this.chart.removeSeries(main);
        if (upper) this.chart.removeSeries(upper);
      },
    };
  }

  dispose(): void {
    this.themeWatch.disconnect();
    this.pending.clear();
    this.chart.remove();
  }
}
