// The service worker: precaches the app shell (every file of the build, listed by the vite plugin in
// vite.config.ts as PRECACHE) so the app starts with the network off. Hashed assets are served cache-first;
// the page itself network-first so a new release shows when online. The socket and /api are never cached:
// cached history lives in IndexedDB, owned by app/db.ts.
declare const PRECACHE: string[];
declare const VERSION: string;

interface FetchEvt extends Event {
  request: Request;
  respondWith(r: Promise<Response>): void;
}
interface ExtendableEvt extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface PushEvt extends ExtendableEvt {
  data: { json(): unknown } | null;
}
interface NotificationClickEvt extends ExtendableEvt {
  notification: { close(): void };
}
const sw = self as unknown as {
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEvt) => void): void;
  addEventListener(type: 'fetch', fn: (e: FetchEvt) => void): void;
  addEventListener(type: 'push', fn: (e: PushEvt) => void): void;
  addEventListener(type: 'notificationclick', fn: (e: NotificationClickEvt) => void): void;
  registration: { showNotification(title: string, o: { body: string; tag: string }): Promise<void> };
  clients: { claim(): Promise<void>; openWindow(url: string): Promise<unknown> };
  skipWaiting(): Promise<void>;
  location: Location;
};

const CACHE = `edgetape-shell-${VERSION}`;

sw.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)).then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('edgetape-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('fetch', (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== sw.location.origin || url.pathname.startsWith('/api/') || url.pathname === '/ws') return;
  // '/' rather than '/index.html': the edge's asset server redirects the latter, and a redirected response
  // cannot answer a navigation.
  if (req.mode === 'navigate') {
    e.respondWith(
      fetch(req).catch(async () => (await caches.match('/', { cacheName: CACHE })) ?? Response.error()),
    );
    return;
  }
  e.respondWith(caches.match(req, { cacheName: CACHE, ignoreSearch: true }).then((hit) => hit ?? fetch(req)));
});

// Web Push from the edge (a firing while no page is open): `{title, body, key}`; the key as the tag, so a
// redelivered push replaces its notification instead of adding a second one.
sw.addEventListener('push', (e) => {
  const m = (e.data?.json() ?? {}) as { title?: string; body?: string; key?: string };
  e.waitUntil(sw.registration.showNotification(m.title ?? 'edgetape alert', { body: m.body ?? '', tag: m.key ?? 'alert' }));
});

sw.addEventListener('notificationclick', (e) => {
  e.notification.close();
  e.waitUntil(sw.clients.openWindow('/#/alerts'));
});
