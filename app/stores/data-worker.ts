import * as Comlink from 'comlink';
import type { DataApi } from '../workers/view';
import { storedFocus } from './focus';

let early: Worker | undefined;

const spawn = (): Worker => new Worker(new URL('../workers/data.worker.ts', import.meta.url), { type: 'module', name: 'data' });

/**
 * Starts the data worker from the entry, before the app's own code has loaded, and has it read the newest cached
 * candles of the instrument focused last: by the time the app asks, they are ready to send to the chart.
 */
export function prestartDataWorker(): void {
  if (early) return;
  early = spawn();
  performance.mark('main:data-worker-created');
  const { symbol, venue } = storedFocus();
  void Comlink.wrap<DataApi>(early).prefetch({ symbol, exchange: venue });
}

/** The worker the entry started, once; a new one after that (another instrument gets a fresh worker). */
export function dataWorker(): Worker {
  const w = early ?? spawn();
  early = undefined;
  return w;
}
