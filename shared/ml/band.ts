/** One forecast as the chart overlay needs it: where the band points, in prices. */
export interface BandPoint {
  /** When the horizon ends (Unix ms): the band is drawn at the time it forecasts. */
  time: number;
  low: number;
  mid: number;
  high: number;
}

/**
 * The 5/50/95 % price band for a horizon, from the log-return quantiles forecast at a bar's close.
 * Kept as plain data so any chart (canvas today, lightweight-charts line series later) can draw it.
 */
export const bandPoint = (closeTime: number, close: number, horizonMs: number, q: readonly number[]): BandPoint => ({
  time: closeTime + horizonMs,
  low: close * Math.exp(q[0]!),
  mid: close * Math.exp(q[1]!),
  high: close * Math.exp(q[2]!),
});
