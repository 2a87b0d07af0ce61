import * as Comlink from 'comlink';
import { riskMeasures, type CloseSeries, type Holding, type RiskMeasures } from '../../shared/risk/measures';

const MINUTES_BACK = 7 * 86_400_000;
const HOURS_BACK = 90 * 86_400_000;

async function closes(symbol: string, interval: '1m' | '1h', back: number): Promise<CloseSeries> {
  const to = Math.floor(Date.now() / 60_000) * 60_000;
  const url = new URL(`/api/v1/candles?symbol=${encodeURIComponent(symbol)}&interval=${interval}&from=${to - back}&to=${to}&format=json`, self.location.origin);
  const res = await fetch(url);
  if (!res.ok) return { time: [], close: [] }; // an instrument the edge does not carry: no history, said in the notes
  const { candles } = (await res.json()) as { candles: { time: number; close: number }[] };
  return { time: Float64Array.from(candles, (c) => c.time), close: Float64Array.from(candles, (c) => c.close) };
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
