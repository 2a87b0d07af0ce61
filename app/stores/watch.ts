import * as Comlink from 'comlink';
import { createEffect, createMemo, createSignal, on, onCleanup } from 'solid-js';
import type { WatchApi, WatchState } from '../workers/watch-view';

/** Live rows for the watchlist's instruments, from their own worker and socket; follows `symbols`. */
export function createWatch(symbols: () => string[]) {
  const [state, setState] = createSignal<WatchState | null>(null);
  const worker = new Worker(new URL('../workers/watch.worker.ts', import.meta.url), { type: 'module', name: 'watch' });
  const api = Comlink.wrap<WatchApi>(worker);
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  void api.start({ wsUrl, httpBase: location.origin }, Comlink.proxy(setState));
  // Only a different list reopens the socket, not every preferences change.
  const key = createMemo(() => symbols().join(','));
  createEffect(on(key, (k) => void api.watch(k ? k.split(',') : [])));
  onCleanup(() => worker.terminate());
  return { state };
}
export type Watch = ReturnType<typeof createWatch>;
