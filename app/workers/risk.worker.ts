import * as Comlink from 'comlink';
import { riskMeasures, type CloseSeries, type Holding, type RiskMeasures } from '../../shared/risk/measures';

const MINUTES_BACK = 7 * 86_400_000;
const HOURS_BACK = 90 * 86_400_000;

const DAY_MS = 86_400_000;

async function candles(symbol: string, interval: '1m' | '1h' | '1d', from: number, to: number): Promise<{ time: number; close: number }[]> {
  const url = new URL(`/api/v1/candles?symbol=${encodeURIComponent(symbol)}&interval=${interval}&from=${from}&to=${to}&format=json`, self.location.origin);
  const res = await fetch(url);
  if (!res.ok) return []; // an instrument the edge does not carry: no history, said in the notes
  return ((await res.json()) as { candles: { time: number; close: number }[] }).candles;
}

/**
 * The history up to the instrument's newest bar, not up to the wall clock: a replayed session's bars are
 * from the day it was recorded, and its risk is measured on them.
 */
async function closes(symbol: string, interval: '1m' | '1h', back: number): Promise<CloseSeries> {
  const now = Date.now();
  const days = await candles(symbol, '1d', 0, now + DAY_MS);
  if (!days.length) return { time: [], close: [] };
  const end = days.at(-1)!.time + DAY_MS;
  const bars = await candles(symbol, interval, end - back, end);
  return { time: Float64Array.from(bars, (c) => c.time), close: Float64Array.from(bars, (c) => c.close) };
}

/**
 * The analytics worker for the portfolio page: fetches the consolidated candle history of every holding
 * (a week of minutes, 90 days of hours) and computes VaR/ES, volatility and correlations off the main thread.
 */
const api = {
  async measures(holdings: Holding[], forecast?: { symbol: string; q60: [number, number, number] }): Promise<RiskMeasures> {
    const minutes = await Promise.all(holdings.map((h) => closes(h.symbol, '1m', MINUTES_BACK)));
    const hours = await Promise.all(holdings.map((h) => closes(h.symbol, '1h', HOURS_BACK)));
    return riskMeasures(holdings, minutes, hours, forecast);
  },
};
export type RiskApi = typeof api;
Comlink.expose(api);
