import { render } from 'solid-js/web';
import { App } from './App';

render(() => <App />, document.getElementById('root')!);

// The shell works offline once the service worker has precached it (production builds only).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  void navigator.serviceWorker.register('/sw.js').catch((err: unknown) => console.warn('service worker not registered', err));
}
