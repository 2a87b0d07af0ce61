let early: Worker | undefined;

const spawn = (): Worker => new Worker(new URL('../workers/data.worker.ts', import.meta.url), { type: 'module', name: 'data' });

/**
 * Starts the data worker from the entry, before the app's own code has loaded: the worker's module loads and
 * parses while the page does, so a reload's cached candles are read as soon as the app asks.
 */
export function prestartDataWorker(): void {
  early ??= spawn();
  performance.mark('main:data-worker-created');
}

/** The worker the entry started, once; a new one after that (another instrument gets a fresh worker). */
export function dataWorker(): Worker {
  const w = early ?? spawn();
  early = undefined;
  return w;
}
