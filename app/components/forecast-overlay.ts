import type { BandPoint } from '../../shared/ml/band';
import type { ChartEngine } from './chart/engine';

/**
 * Band points as chart columns (times in Unix ms), one point per chart second, ascending: the chart needs
 * strictly increasing times, and a later forecast for the same time replaces the earlier one.
 */
export function bandColumns(points: readonly BandPoint[]): { time: Float64Array; low: Float64Array; mid: Float64Array; high: Float64Array } {
  const byTime = new Map<number, BandPoint>();
  for (const p of points) byTime.set(Math.floor(p.time / 1000), p);
  const sorted = [...byTime.values()].sort((a, b) => a.time - b.time);
  return {
    time: Float64Array.from(sorted, (p) => p.time),
    low: Float64Array.from(sorted, (p) => p.low),
    mid: Float64Array.from(sorted, (p) => p.mid),
    high: Float64Array.from(sorted, (p) => p.high),
  };
}

/** Draws one horizon's 5–95 % band and median over the candles; call the returned function with new points. */
export function attachForecastBand(engine: ChartEngine, label: string, color = '#7e57c2'): (points: readonly BandPoint[]) => void {
  const band = engine.addOverlay({ kind: 'band', color, title: `${label} 5–95 %` });
  const mid = engine.addOverlay({ kind: 'line', color, title: `${label} median` });
  return (points) => {
    const c = bandColumns(points);
    band.setData(c.time, c.low, c.high);
    mid.setData(c.time, c.mid);
  };
}
