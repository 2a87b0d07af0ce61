import { createEffect, createSignal, on, onCleanup } from 'solid-js';
import type { AnyRule } from '../../shared/risk/rules';
import type { DeliveredFiring, InboxEntry, NewAlert, NotifyServerMsg, StoredAlert } from '../../shared/risk/schema';
import type { Session } from './session';

export interface Toast { key: string; firing: DeliveredFiring }
/** A new alert prefilled from a price the user pointed at (chart or ladder). */
export interface Draft { symbol: string; price: number; rule: AnyRule['kind'] }

const TOAST_MS = 8_000;
const key = (f: { alertId: string; n: number }) => `${f.alertId}:${f.n}`;

/**
 * The signed-in user's alerts: the list, the firing history, the notification centre and toasts. Firings
 * arrive over /ws/user/alerts, which replays every unacknowledged one on (re)connect, so a firing from while
 * the page was closed shows on return; an entry is keyed (alert, firing number), so a replay never doubles it.
 */
export function createAlerts(session: Session) {
  const [alerts, setAlerts] = createSignal<StoredAlert[]>([]);
  const [history, setHistory] = createSignal<InboxEntry[]>([]);
  const [toasts, setToasts] = createSignal<Toast[]>([]);
  const [draft, setDraft] = createSignal<Draft | null>(null);
  const [live, setLive] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let socket: WebSocket | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const fail = (e: unknown) => setError((e as { detail?: string }).detail ?? String(e));

  /** Adds or updates one firing in the history, once per key. */
  const record = (entry: InboxEntry) =>
    setHistory((h) => {
      const i = h.findIndex((e) => key(e.firing) === key(entry.firing));
      if (i < 0) return [entry, ...h];
      const next = h.slice();
      next[i] = { ...h[i]!, ackedAt: entry.ackedAt ?? h[i]!.ackedAt };
      return next;
    });

  const toast = (firing: DeliveredFiring) => {
    const k = key(firing);
    if (toasts().some((t) => t.key === k)) return;
    setToasts((t) => [...t, { key: k, firing }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.key !== k)), TOAST_MS);
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted' && document.hidden) {
      new Notification(`${firing.symbol === '*' ? 'Portfolio' : firing.symbol} alert`, { body: describeFiring(firing), tag: k });
    }
  };

  async function connect(): Promise<void> {
    clearTimeout(retry);
    if (closed || !session.user()) return;
    try {
      const { ticket } = await session.call<{ ticket: string }>('POST', '/ws-ticket');
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/user/alerts?ticket=${encodeURIComponent(ticket)}`);
      socket = ws;
      ws.onopen = () => setLive(true);
      ws.onmessage = (e) => {
        const msg = JSON.parse(e.data as string) as NotifyServerMsg;
        if (msg.t === 'firing') {
          const seen = history().some((h) => key(h.firing) === key(msg.firing) && h.ackedAt !== null);
          record({ firing: msg.firing, receivedAt: msg.receivedAt, ackedAt: null });
          if (!seen) toast(msg.firing);
          void refresh();
        } else if (msg.t === 'acked') {
          const entry = history().find((h) => key(h.firing) === key(msg));
          if (entry) record({ ...entry, ackedAt: Date.now() });
        }
      };
      ws.onclose = () => {
        setLive(false);
        if (socket === ws && !closed) retry = setTimeout(() => void connect(), 2_000);
      };
    } catch {
      retry = setTimeout(() => void connect(), 5_000);
    }
  }

  async function refresh(): Promise<void> {
    if (!session.user()) return;
    try {
      const [a, h] = await Promise.all([
        session.call<StoredAlert[]>('GET', '/users/me/alerts'),
        session.call<InboxEntry[]>('GET', '/users/me/alerts/firings'),
      ]);
      setAlerts(a);
      setHistory([...h].reverse());
      setError(null);
    } catch (e) {
      fail(e);
    }
  }

  /** (Re)starts with the session: a sign-in opens the channel, a sign-out closes it. */
  const start = () => {
    if (socket || closed) return;
    void refresh();
    void connect();
  };
  const stop = () => {
    const s = socket;
    socket = undefined;
    clearTimeout(retry);
    s?.close(1000, 'signed out');
    setAlerts([]);
    setHistory([]);
  };
  onCleanup(() => {
    closed = true;
    stop();
  });
  createEffect(on(() => session.user()?.id, (id) => (id ? start() : stop())));

  return {
    alerts, history, toasts, draft, live, error, start, stop, refresh,
    unacked: () => history().filter((h) => h.ackedAt === null).length,
    /** The component API for the chart and the ladder: an alert at this price, to be confirmed on the alerts page. */
    onCreateAlertAt(price: number, symbol: string, rule: Draft['rule'] = 'cross') {
      setDraft({ symbol, price, rule });
    },
    clearDraft: () => setDraft(null),
    async create(a: NewAlert): Promise<boolean> {
      try {
        await session.call('POST', '/users/me/alerts', a);
        setDraft(null);
        await refresh();
        return true;
      } catch (e) {
        fail(e);
        return false;
      }
    },
    async remove(id: string) {
      try {
        await session.call('DELETE', `/users/me/alerts/${id}`);
        await refresh();
      } catch (e) {
        fail(e);
      }
    },
    /** Over the socket when open (the edge answers `acked`), else over HTTP. */
    async ack(f: { alertId: string; n: number }) {
      setToasts((t) => t.filter((x) => x.key !== key(f)));
      if (socket?.readyState === WebSocket.OPEN) return socket.send(JSON.stringify({ t: 'ack', alertId: f.alertId, n: f.n }));
      try {
        await session.call('POST', '/users/me/alerts/firings/ack', f);
        await refresh();
      } catch (e) {
        fail(e);
      }
    },
    async setWebhook(url: string, secret: string) {
      try {
        await session.call('PUT', '/users/me/alerts/webhook', { url, secret });
        setError(null);
        return true;
      } catch (e) {
        fail(e);
        return false;
      }
    },
    /** Browser notifications through Web Push (VAPID), when the user allows them and the edge has keys. */
    async enablePush(): Promise<string> {
      if (!('serviceWorker' in navigator) || !('PushManager' in window)) return 'this browser has no Web Push';
      if ((await Notification.requestPermission()) !== 'granted') return 'notifications were not allowed';
      try {
        const { publicKey } = await session.call<{ publicKey: string }>('GET', '/users/me/alerts/push/key');
        const reg = await navigator.serviceWorker.ready;
        const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromB64url(publicKey) });
        await session.call('POST', '/users/me/alerts/push', sub.toJSON());
        return 'push notifications on';
      } catch (e) {
        return (e as { detail?: string }).detail ?? String(e);
      }
    },
  };
}
export type Alerts = ReturnType<typeof createAlerts>;

const fromB64url = (s: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));

/** One line a person reads (the edge's push text says the same). */
export function describeRule(r: AnyRule | null): string {
  if (!r) return 'alert';
  switch (r.kind) {
    case 'cross': return `crosses ${r.direction} ${r.level}`;
    case 'stop': return `stop-loss (${r.position}) at ${r.level}`;
    case 'take': return `take-profit (${r.position}) at ${r.level}`;
    case 'trailing': return `trailing stop (${r.position}) ${(r.distance * 100).toFixed(2)} %`;
    case 'move': return `moves ${(r.pct * 100).toFixed(2)} % within ${Math.round(r.windowMs / 60_000)} min`;
    case 'vol': return `volatility ≥ ${(r.threshold * 100).toFixed(2)} % within ${Math.round(r.windowMs / 60_000)} min`;
    case 'health': return `book health${r.exchange ? ` on ${r.exchange}` : ''}${r.maxSpreadBps ? `, spread > ${r.maxSpreadBps} bps` : ''}`;
    case 'limit': return `portfolio ${r.measure} > ${r.measure === 'drawdown' ? `${(r.threshold * 100).toFixed(1)} %` : r.threshold}`;
  }
}

export const describeFiring = (f: DeliveredFiring): string =>
  `${describeRule(f.rule)}${f.detail ? ` — ${f.detail}` : ` at ${f.price}`}${f.pnl === undefined ? '' : `, position P&L ${f.pnl >= 0 ? '+' : ''}${f.pnl.toFixed(2)}`}`;
