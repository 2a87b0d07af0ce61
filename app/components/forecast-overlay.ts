import { LineSeries, LineStyle, type IChartApi, type LineData, type UTCTimestamp } from 'lightweight-charts';
import type { BandPoint } from '../../shared/ml/band';

/** Band points as three line series (5 %, 50 %, 95 %) on lightweight-charts' UTC-seconds time axis. */
export function bandLines(points: readonly BandPoint[]): { low: LineData<UTCTimestamp>[]; mid: LineData<UTCTimestamp>[]; high: LineData<UTCTimestamp>[] } {
  const at = (p: BandPoint) => Math.floor(p.time / 1000) as UTCTimestamp;
  // The chart needs strictly increasing times; a later forecast for the same time replaces the earlier one.
  const byTime = new Map<number, BandPoint>();
  for (const p of points) byTime.set(at(p), p);
  const sorted = [...byTime.values()].sort((a, b) => a.time - b.time);
  return {
    low: sorted.map((p) => ({ time: at(p), value: p.low })),
    mid: sorted.map((p) => ({ time: at(p), value: p.mid })),
    high: sorted.map((p) => ({ time: at(p), value: p.high })),
  };
}

/** Adds the forecast band of one horizon to a chart; call the returned function with new points. */
export function attachForecastBand(chart: IChartApi, color = '#7e57c2'): (points: readonly BandPoint[]) => void {
  const edge = { color, lineWidth: 1 as const, lineStyle: LineStyle.Dashed, priceLineVisible: false, lastValueVisible: false };
  const low = chart.addSeries(LineSeries, edge);
  const mid = chart.addSeries(LineSeries, { ...edge, lineStyle: LineStyle.Solid });
  const high = chart.addSeries(LineSeries, edge);
  return (points) => {
    const l = bandLines(points);
    low.setData(l.low);
    mid.setData(l.mid);
    high.setData(l.high);
  };
}
