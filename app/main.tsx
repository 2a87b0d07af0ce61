import { render } from 'solid-js/web';
import { prestartDataWorker } from './stores/data-worker';

// The data worker and the chart's code start loading before the app's code (a separate chunk): a reload paints
// the cached candles without waiting for the whole app to load first.
prestartDataWorker();
void import('./components/chart/engine');
const { App } = await import('./App');

performance.mark('main:app-loaded');
render(() => <App />, document.getElementById('root')!);
performance.mark('main:app-rendered');

// The shell works offline once the service worker has precached it (production builds only).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  void navigator.serviceWorker.register('/sw.js').catch((err: unknown) => console.warn('service worker not registered', err));
}
