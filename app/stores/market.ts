import * as Comlink from 'comlink';
import { createSignal, onCleanup } from 'solid-js';
import { INTERVAL_MS } from '../workers/intervals';
import type { CandleView, DataApi, Interval, MarketView } from '../workers/view';

/**
 * The market for one instrument: the data worker owns the socket, parsing and candles; this store only
 * holds the latest view it posts, so the main thread does nothing but render.
 */
export function createMarket(symbol: string, exchange = 'binance') {
  const [view, setView] = createSignal<MarketView | null>(null);
  const [candles, setCandles] = createSignal<CandleView | null>(null);
  const worker = new Worker(new URL('../workers/data.worker.ts', import.meta.url), { type: 'module', name: 'data' });
  const api = Comlink.wrap<DataApi>(worker);
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const asked = new URLSearchParams(location.search).get('interval');
  const [interval, setIntervalSignal] = createSignal<Interval>(asked && asked in INTERVAL_MS ? (asked as Interval) : '1s');
  void api.start({ wsUrl, symbol, exchange, httpBase: location.origin, historyDays: 7 }, Comlink.proxy(setView), Comlink.proxy(setCandles));
  if (interval() !== '1s') void api.setInterval(interval());
  onCleanup(() => worker.terminate());
  const chooseInterval = (i: Interval) => {
    setIntervalSignal(i);
    void api.setInterval(i);
  };
  const older = (i: Interval, before: number, count: number) => api.older(i, before, count);
  return { view, candles, interval, chooseInterval, older, api };
}
