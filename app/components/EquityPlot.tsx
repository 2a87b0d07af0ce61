import { createEffect, onCleanup } from 'solid-js';
import { drawdown } from '../../shared/risk/portfolio';

/**
 * Equity (top) and drawdown below its running peak (bottom) on one canvas, drawn in one pass over the
 * points; redrawn when the curve changes or the canvas is resized.
 */
export function EquityPlot(props: { equity: [number, number][] }) {
  let canvas!: HTMLCanvasElement;
  const draw = () => {
    const pts = props.equity;
    const dpr = devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    canvas.width = w * dpr;
    canvas.height = h * dpr;
    const g = canvas.getContext('2d');
    if (!g) return;
    g.scale(dpr, dpr);
    g.clearRect(0, 0, w, h);
    g.font = '11px system-ui';
    g.fillStyle = '#9aa4b2';
    if (pts.length < 2) {
      g.fillText('The equity curve starts with the first minute mark after a fill.', 8, 16);
      return;
    }
    const top = h * 0.62;
    const t0 = pts[0]![0];
    const t1 = pts[pts.length - 1]![0];
    let lo = Infinity;
    let hi = -Infinity;
    for (const [, e] of pts) {
      if (e < lo) lo = e;
      if (e > hi) hi = e;
    }
    if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
    const dd = drawdown(pts.map((p) => p[1])).drawdown;
    const ddMax = Math.max(...dd, 1e-6);
    const x = (t: number) => 48 + ((t - t0) / Math.max(t1 - t0, 1)) * (w - 56);
    const line = (colour: string, y: (i: number) => number) => {
      g.strokeStyle = colour;
      g.beginPath();
      for (let i = 0; i < pts.length; i++) (i ? g.lineTo : g.moveTo).call(g, x(pts[i]![0]), y(i));
      g.stroke();
    };
    line('#90caf9', (i) => 8 + (1 - (pts[i]![1] - lo) / (hi - lo)) * (top - 16));
    g.fillStyle = 'rgba(239,83,80,0.35)';
    g.beginPath();
    g.moveTo(x(t0), top + 8);
    for (let i = 0; i < pts.length; i++) g.lineTo(x(pts[i]![0]), top + 8 + (dd[i]! / ddMax) * (h - top - 16));
    g.lineTo(x(t1), top + 8);
    g.fill();
    g.fillStyle = '#9aa4b2';
    g.fillText(hi.toFixed(0), 2, 14);
    g.fillText(lo.toFixed(0), 2, top - 4);
    g.fillText(`−${(ddMax * 100).toFixed(2)} %`, 2, h - 4);
  };
  createEffect(draw);
  const ro = new ResizeObserver(() => draw());
  queueMicrotask(() => ro.observe(canvas));
  onCleanup(() => ro.disconnect());
  return <canvas ref={canvas} class="equity-plot" role="img" aria-label="equity curve and drawdown" data-testid="equity-plot" />;
}
