import * as Comlink from 'comlink';
import type { DataApi } from '../workers/view';
import { storedFocus } from './focus';

export interface DataWorker {
  worker: Worker;
  /**
   * The one Comlink proxy of the worker: a second `wrap` would be released when garbage-collected, and a release
   * makes the exposed side close the worker.
   */
  remote: Comlink.Remote<DataApi>;
}

let early: DataWorker | undefined;

const spawn = (): DataWorker => {
  const worker = new Worker(new URL('../workers/data.worker.ts', import.meta.url), { type: 'module', name: 'data' });
  return { worker, remote: Comlink.wrap<DataApi>(worker) };
};

/**
 * Starts the data worker from the entry, before the app's own code has loaded, and has it read the newest cached
 * candles of the instrument focused last: by the time the app asks, they are ready to send to the chart.
 */
export function prestartDataWorker(): void {
  if (early) return;
  early = spawn();
  performance.mark('main:data-worker-created');
  const { symbol, venue } = storedFocus();
  void early.remote.prefetch({ symbol, exchange: venue });
}

/** The worker the entry started, once; a new one after that (another instrument gets a fresh worker). */
export function dataWorker(): DataWorker {
  const w = early ?? spawn();
  early = undefined;
  return w;
}
