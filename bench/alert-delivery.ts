import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { InboxEntry, NotifyServerMsg, StoredAlert } from '../shared/risk/schema';
import { DEFAULT_RECORDING } from '../tools/fake-exchange/main';
import { readRecording } from '../tools/fake-exchange/recording';
import { DATA_DIR } from '../tools/paths';
import { startStack } from '../tools/stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]! : NaN);

interface Client {
  token: string;
  keys: Set<string>;
  /** ms from the desk's commit of a firing to this client's receipt, live pushes only. */
  live: number[];
  /** the same for firings replayed on reconnect (committed while the socket was down). */
  replayed: number[];
  frames: number;
  ws?: WebSocket;
  connectedAt: number;
}

/**
 * Firing-to-delivery latency over the notification WebSocket in wrangler dev: users with cross alerts around
 * the replay's opening prices (hysteresis 0.001 %, so they fire and re-arm as the price oscillates), each on
 * its own /ws/user/alerts socket, acknowledging every firing as the app does. Two phases, side by side on the
 * same replay: a steady socket, and a socket dropped and reopened every `dropEveryMs` (fault injection).
 * Afterwards every firing the desks committed is compared with what the clients saw: lost and doubled.
 */
export async function deliveryLatency(o: { users: number; phaseMs: number; dropEveryMs: number; speed: number }) {
  const prices = readRecording(join(DATA_DIR, DEFAULT_RECORDING.split(',')[0]!))
    .filter((r) => r.frame.includes('@trade'))
    .map((r) => Number((JSON.parse(r.frame) as { data: { p: string } }).data.p));
  const lo = Math.min(...prices);
  const hi = Math.max(...prices);
  const state = mkdtempSync(join(tmpdir(), 'edgetape-bench-alerts-'));
  const stack = await startStack({ replay: DEFAULT_RECORDING, speed: o.speed, loop: true, port: 0, persistTo: state, log: () => {} });
  const api = async <T>(path: string, token: string | undefined, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<T> => {
    const res = await fetch(`${stack.url}/api/v1${path}`, {
      method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), 'cf-connecting-ip': `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
  const clients: Client[] = [];
  try {
    const connect = async (c: Client) => {
      const { ticket } = await api<{ ticket: string }>('/ws-ticket', c.token, {});
      const ws = new WebSocket(`${stack.url.replace('http', 'ws')}/ws/user/alerts?ticket=${encodeURIComponent(ticket)}`);
      c.ws = ws;
      ws.on('message', (data) => {
        const now = Date.now();
        const m = JSON.parse(String(data)) as NotifyServerMsg;
        if (m.t !== 'firing') return;
        c.frames++;
        const key = `${m.firing.alertId}:${m.firing.n}`;
        if (c.keys.has(key)) return;
        c.keys.add(key);
        const ms = now - (m.firing.committedAt ?? now);
        (m.firing.committedAt! < c.connectedAt ? c.replayed : c.live).push(ms);
        ws.send(JSON.stringify({ t: 'ack', alertId: m.firing.alertId, n: m.firing.n }));
      });
      await new Promise<void>((ok, fail) => {
        ws.once('open', () => ok());
        ws.once('error', fail);
      });
      c.connectedAt = Date.now();
    };
    for (let u = 0; u < o.users; u++) {
      const { accessToken } = await api<{ accessToken: string }>('/auth/signup', undefined, { email: `bench${u}.${Date.now()}@example.test`, password: 'quiet harbour lights flicker', name: `Trader ${u}`, client: 'api' });
      const c: Client = { token: accessToken, keys: new Set(), live: [], replayed: [], frames: 0, connectedAt: 0 };
      clients.push(c);
      await connect(c); // listening before the first firing
      // five alerts per user (the unverified tier's limit), levels spread over the replay's range so crossings come all along
      for (let i = 0; i < 5; i++) {
        const k = u * 5 + i;
        const level = Math.round((lo + ((hi - lo) * (k + 0.5)) / (o.users * 5)) * 100) / 100;
        await api('/users/me/alerts', accessToken, { symbol: 'BTC-USDT', rule: { kind: 'cross', direction: k % 2 ? 'above' : 'below', level }, hysteresis: 0.00001 });
      }
    }
    const phase = async (drop: boolean) => {
      for (const c of clients) {
        c.live = [];
        c.replayed = [];
        c.frames = 0;
      }
      const t0 = Date.now();
      let next = t0 + o.dropEveryMs;
      while (Date.now() - t0 < o.phaseMs) {
        await sleep(200);
        if (drop && Date.now() >= next) {
          next += o.dropEveryMs;
          for (const c of clients) c.ws?.terminate(); // as a tablet losing its link: no close handshake
          await sleep(1_000); // firings keep being committed meanwhile
          await Promise.all(clients.map(connect));
        }
      }
      await sleep(3_000);
      const live = clients.flatMap((c) => c.live);
      const replayed = clients.flatMap((c) => c.replayed);
      const frames = clients.reduce((s, c) => s + c.frames, 0);
      const unique = live.length + replayed.length;
      return {
        firings: unique, framesReceived: frames, redeliveredFrames: frames - unique,
        live: { n: live.length, p50ms: pct(live, 0.5), p99ms: pct(live, 0.99), maxMs: Math.max(...live) },
        onReconnect: { n: replayed.length, p50ms: pct(replayed, 0.5), p99ms: pct(replayed, 0.99) },
      };
    };
    const steady = await phase(false);
    const faults = await phase(true);
    // Every firing the edge committed against every key a client saw (deduplicated by key, as the app does).
    let committed = 0;
    let inbox = 0;
    let unseen = 0;
    for (const c of clients) {
      const alerts = await api<StoredAlert[]>('/users/me/alerts', c.token);
      committed += alerts.reduce((s, a) => s + (a.state?.firings ?? 0), 0);
      const got = await api<InboxEntry[]>('/users/me/alerts/firings', c.token);
      inbox += got.length;
      unseen += got.filter((e) => !c.keys.has(`${e.firing.alertId}:${e.firing.n}`)).length;
    }
    return { users: o.users, alerts: o.users * 5, speed: o.speed, phaseMs: o.phaseMs, dropEveryMs: o.dropEveryMs, steady, faults, committed, inbox, unseenByClients: unseen };
  } finally {
    for (const c of clients) c.ws?.terminate();
    await stack.stop();
    rmSync(state, { recursive: true, force: true });
  }
}
