/** Interval names the chart and the history API use, in ms. Tiny on purpose: the main bundle imports it. */
export const INTERVAL_MS = { '1s': 1_000, '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '4h': 14_400_000, '1d': 86_400_000 } as const;
export type Interval = keyof typeof INTERVAL_MS;
