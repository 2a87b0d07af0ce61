import * as Comlink from 'comlink';
import { createEffect, createMemo, createSignal, on, onCleanup } from 'solid-js';
import type { Venue } from '../../shared/market/types';
import { INTERVAL_MS } from '../workers/intervals';
import { dataWorker } from './data-worker';
import { localSettings } from './settings';
import type { CandleView, DataApi, Interval, MarketView } from '../workers/view';

/**
 * The market for the focused instrument: the data worker owns the socket, parsing and candles; this store
 * only holds the latest view it posts, so the main thread does nothing but render. Focusing another
 * instrument starts a fresh worker for it (its cache, streams and candles are the instrument's own), so
 * nothing of the previous instrument can leak into the new one's numbers.
 */
export function createMarket(target: () => { symbol: string; venue: Venue }) {
  const [view, setView] = createSignal<MarketView | null>(null);
  const [candles, setCandles] = createSignal<CandleView | null>(null);
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const asked = new URLSearchParams(location.search).get('interval');
  const [interval, setIntervalSignal] = createSignal<Interval>(asked && asked in INTERVAL_MS ? (asked as Interval) : '1s');
  let worker: Worker | undefined;
  const [api, setApi] = createSignal<Comlink.Remote<DataApi>>();
  // one worker per (instrument, venue): a new target object with the same two fields starts nothing
  const key = createMemo(target, undefined, { equals: (a, b) => a.symbol === b.symbol && a.venue === b.venue });
  const symbol = () => key().symbol;
  // Views come ten times a second; a main thread that fell behind handles several queued ones in a row, and each
  // re-rendered the panels: the newest is rendered in a task of its own after them (not in the animation frame,
  // which would add the panels' work to the chart's drawing in one longer task).
  let newest: MarketView | null = null;
  let pending: ReturnType<typeof setTimeout> | undefined;
  const showView = (v: MarketView) => {
    newest = v;
    pending ??= setTimeout(() => {
      pending = undefined;
      setView(newest);
    }, 0);
  };
  const dropView = () => {
    clearTimeout(pending);
    pending = undefined;
  };
  createEffect(on(key, ({ symbol: s, venue: exchange }) => {
    worker?.terminate();
    dropView();
    setView(null);
    setCandles(null);
    const started = dataWorker();
    worker = started.worker;
    const remote = started.remote;
    // A view posted by a worker already replaced must not land: each worker gets its own callbacks.
    const mine = worker;
    const only = <T,>(set: (v: T) => void) => (v: T) => mine === worker && set(v);
    void remote.start({ wsUrl, symbol: s, exchange, httpBase: location.origin, historyDays: 7, bandwidth: localSettings().bandwidth }, Comlink.proxy(only(showView)), Comlink.proxy(only(setCandles)));
    if (interval() !== '1s') void remote.setInterval(interval());
    setApi(() => remote);
  }));
  onCleanup(() => {
    worker?.terminate();
    dropView();
  });
  const chooseInterval = (i: Interval) => {
    setIntervalSignal(i);
    void api()?.setInterval(i);
  };
  const block = (i: Interval, side: 'before' | 'after', time: number, count: number) =>
    api()?.block(i, side, time, count) ?? Promise.reject(new Error('the data worker is starting'));
  return { symbol, view, candles, interval, chooseInterval, block, api };
}
export type Market = ReturnType<typeof createMarket>;
