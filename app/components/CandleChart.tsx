import { createEffect, onCleanup, onMount } from 'solid-js';
import { clock, fmt } from '../format';
import type { CandleView } from '../workers/view';

const UP = '#26a69a';
const DOWN = '#ef5350';
const AXIS_W = 72;
const AXIS_H = 18;

/**
 * 1-second candles on a canvas: one pass over the typed columns for the range, one for the bars.
 * Closed candles from IndexedDB and from the socket look the same; the caption says how many are cached.
 */
export function CandleChart(props: { candles: CandleView | null }) {
  let canvas!: HTMLCanvasElement;
  let frame = 0;
  const draw = () => {
    frame = 0;
    const c = props.candles;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    if (!c) return;
    const { time, open, high, low, close } = c.closed;
    const n = time.length + (c.open ? 1 : 0);
    if (n === 0) return;
    const plotW = w - AXIS_W;
    const plotH = h - AXIS_H;
    const slot = Math.max(2, Math.min(12, plotW / n));
    const count = Math.min(n, Math.floor(plotW / slot));
    const first = time.length - (count - (c.open ? 1 : 0));
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = Math.max(0, first); i < time.length; i++) {
      if (low[i]! < lo) lo = low[i]!;
      if (high[i]! > hi) hi = high[i]!;
    }
    if (c.open) {
      lo = Math.min(lo, c.open.low);
      hi = Math.max(hi, c.open.high);
    }
    if (hi === lo) {
      hi += 0.5;
      lo -= 0.5;
    }
    const pad = (hi - lo) * 0.08;
    lo -= pad;
    hi += pad;
    const y = (p: number) => 8 + ((hi - p) / (hi - lo)) * (plotH - 8);
    const body = Math.max(1, slot * 0.7);
    const bar = (x: number, o: number, hh: number, l: number, cl: number) => {
      ctx.fillStyle = ctx.strokeStyle = cl >= o ? UP : DOWN;
      ctx.beginPath();
      ctx.moveTo(x + slot / 2, y(hh));
      ctx.lineTo(x + slot / 2, y(l));
      ctx.stroke();
      const top = y(Math.max(o, cl));
      ctx.fillRect(x + (slot - body) / 2, top, body, Math.max(1, y(Math.min(o, cl)) - top));
    };
    ctx.lineWidth = 1;
    let x = plotW - count * slot;
    for (let i = Math.max(0, first); i < time.length; i++, x += slot) bar(x, open[i]!, high[i]!, low[i]!, close[i]!);
    if (c.open) bar(x, c.open.open, c.open.high, c.open.low, c.open.close);
    // price axis: five levels; time axis: first and last visible bucket in local time
    ctx.fillStyle = getComputedStyle(canvas).color;
    ctx.font = '11px ui-monospace, monospace';
    for (let k = 0; k <= 4; k++) {
      const p = lo + ((hi - lo) * k) / 4;
      ctx.fillText(fmt(p), plotW + 6, y(p) + 4);
    }
    const t0 = time[Math.max(0, first)] ?? c.open?.time;
    const t1 = c.open?.time ?? time[time.length - 1];
    if (t0 !== undefined) ctx.fillText(clock(t0), 0, h - 4);
    if (t1 !== undefined) ctx.fillText(clock(t1), plotW - 60, h - 4);
  };
  const schedule = () => (frame ||= requestAnimationFrame(draw));
  onMount(() => {
    const ro = new ResizeObserver(schedule);
    ro.observe(canvas);
    onCleanup(() => ro.disconnect());
  });
  createEffect(() => {
    props.candles;
    schedule();
  });
  return (
    <figure class="chart">
      <canvas
        ref={canvas}
        data-testid="candle-chart"
        data-candles={props.candles?.totalRows ?? 0}
        data-cached={props.candles?.cachedRows ?? 0}
        data-first-time={props.candles?.closed.time[0] ?? ''}
        role="img"
        aria-label="1-second candlestick chart"
      />
      <figcaption data-testid="candle-caption">
        {props.candles
          ? `${props.candles.totalRows} closed 1 s candles · ${props.candles.cachedRows} from this device's cache`
          : 'loading history…'}
      </figcaption>
    </figure>
  );
}
