import { DurableObject } from 'cloudflare:workers';
import type { AlertRule, Firing } from '../../shared/risk/alerts';
import { parseFillsCsv, type Fill, type RowError } from '../../shared/risk/fills';
import { buildPositions, type CostMethod, type Position } from '../../shared/risk/positions';
import { sendPush, type PushSubscription, type VapidKeys } from '../push';
import { signWebhook } from '../webhook';
import { retryDelay } from '../retry';

export interface DeliveredFiring extends Firing {
  symbol: string;
  rule: AlertRule | null;
}

export interface InboxEntry {
  firing: DeliveredFiring;
  receivedAt: number;
  ackedAt: number | null;
}

const WEBHOOK_TIMEOUT_MS = 10_000;

/** One line a person reads in a notification. */
function alertText(f: DeliveredFiring): string {
  const r = f.rule;
  if (!r) return `alert ${f.alertId} fired`;
  switch (r.kind) {
    case 'cross':
      return `crossed ${r.direction} ${r.level}`;
    case 'stop':
      return `stop-loss ${r.level} hit`;
    case 'take':
      return `take-profit ${r.level} hit`;
    case 'trailing':
      return `trailing stop ${(r.distance * 100).toFixed(2)} % hit`;
    case 'move':
      return `moved ${(r.pct * 100).toFixed(2)} % within ${Math.round(r.windowMs / 60_000)} min`;
    case 'vol':
      return `volatility reached ${(r.threshold * 100).toFixed(2)} % within ${Math.round(r.windowMs / 60_000)} min`;
  }
}

/**
 * One trader's portfolio (named by user id): fills and positions, and the inbox of alert firings.
 * The inbox keeps each (alert id, firing number) once, however often the AlertDesk delivers it, and
 * hands it on once: to open notification sockets (again on reconnect until acknowledged) and to the
 * user's webhook, signed, through its own outbox with retries.
 */
export class Portfolio extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS fills (seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, exchange TEXT NOT NULL,
      symbol TEXT NOT NULL, side TEXT NOT NULL, price REAL NOT NULL, amount REAL NOT NULL, fee REAL NOT NULL, ext_id TEXT UNIQUE)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS firings (alert_id TEXT NOT NULL, n INTEGER NOT NULL, body TEXT NOT NULL,
      received_at INTEGER NOT NULL, acked_at INTEGER, PRIMARY KEY (alert_id, n))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS push_subs (id TEXT PRIMARY KEY, sub TEXT NOT NULL)`);
    // One row per firing and channel ('webhook', 'push:<id>'): at least once, each with the same idempotency key.
    sql.exec(`CREATE TABLE IF NOT EXISTS deliveries (channel TEXT NOT NULL, alert_id TEXT NOT NULL, n INTEGER NOT NULL, body TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT, PRIMARY KEY (channel, alert_id, n))`);
  }

  /** All-or-nothing: a file with any bad row imports nothing and names every bad row. */
  async importFills(csv: string): Promise<{ ok: true; imported: number } | { ok: false; errors: RowError[] }> {
    const parsed = parseFillsCsv(csv);
    if (!parsed.ok) return parsed;
    const sql = this.ctx.storage.sql;
    const dupes = parsed.fills.filter((f) => f.id && sql.exec(`SELECT 1 FROM fills WHERE ext_id = ?`, f.id).toArray().length);
    if (dupes.length) return { ok: false, errors: dupes.map((f) => ({ line: 0, message: `fill id ${f.id} was imported before` })) };
    this.ctx.storage.transactionSync(() => {
      for (const f of parsed.fills) {
        sql.exec(`INSERT INTO fills (ts, exchange, symbol, side, price, amount, fee, ext_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          f.ts, f.exchange, f.symbol, f.side, f.price, f.amount, f.fee, f.id ?? null);
      }
    });
    return { ok: true, imported: parsed.fills.length };
  }

  async fills(): Promise<Fill[]> {
    return this.ctx.storage.sql
      .exec<{ ts: number; exchange: string; symbol: string; side: string; price: number; amount: number; fee: number; ext_id: string | null }>(
        `SELECT ts, exchange, symbol, side, price, amount, fee, ext_id FROM fills ORDER BY ts, seq`,
      )
      .toArray()
      .map((r) => ({ ts: r.ts, exchange: r.exchange as Fill['exchange'], symbol: r.symbol, side: r.side as Fill['side'], price: r.price, amount: r.amount, fee: r.fee, ...(r.ext_id ? { id: r.ext_id } : {}) }));
  }

  async positions(method: CostMethod): Promise<Position[]> {
    return buildPositions(await this.fills(), method);
  }

  /** Signed webhook target for firings; `null` removes it. */
  async setWebhook(hook: { url: string; secret: string } | null): Promise<{ ok: true } | { ok: false; error: string }> {
    if (!hook) {
      this.ctx.storage.sql.exec(`DELETE FROM settings WHERE key = 'webhook'`);
      return { ok: true };
    }
    let url: URL;
    try {
      url = new URL(hook.url);
    } catch {
      return { ok: false, error: 'webhook url is not a URL' };
    }
    const http = url.protocol === 'http:' && this.env.ALLOW_HTTP_WEBHOOKS === 'true';
    if (url.protocol !== 'https:' && !http) return { ok: false, error: 'webhook url must be https' };
    if (hook.secret.length < 16 || hook.secret.length > 256) return { ok: false, error: 'webhook secret must be 16 to 256 characters' };
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO settings (key, value) VALUES ('webhook', ?)`, JSON.stringify({ url: url.href, secret: hook.secret }));
    return { ok: true };
  }

  /** From the AlertDesk's outbox: idempotent on (alert id, firing number). */
  async receiveFiring(f: DeliveredFiring): Promise<{ fresh: boolean }> {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    const body = JSON.stringify(f);
    let fresh = false;
    const channels = [...(this.webhook() ? ['webhook'] : []), ...this.pushSubs().map((p) => `push:${p.id}`)];
    this.ctx.storage.transactionSync(() => {
      fresh = sql.exec(`INSERT OR IGNORE INTO firings (alert_id, n, body, received_at) VALUES (?, ?, ?, ?)`, f.alertId, f.n, body, now).rowsWritten > 0;
      if (fresh) {
        for (const ch of channels) {
          sql.exec(`INSERT OR IGNORE INTO deliveries (channel, alert_id, n, body, next_at) VALUES (?, ?, ?, ?, ?)`, ch, f.alertId, f.n, body, now);
        }
      }
    });
    if (!fresh) return { fresh };
    const msg = JSON.stringify({ t: 'firing', firing: f, receivedAt: now });
    for (const ws of this.ctx.getWebSockets()) ws.send(msg);
    if (channels.length) await this.ctx.storage.setAlarm(now);
    return { fresh };
  }

  async inbox(): Promise<InboxEntry[]> {
    return this.ctx.storage.sql
      .exec<{ body: string; received_at: number; acked_at: number | null }>(`SELECT body, received_at, acked_at FROM firings ORDER BY received_at, alert_id, n`)
      .toArray()
      .map((r) => ({ firing: JSON.parse(r.body) as DeliveredFiring, receivedAt: r.received_at, ackedAt: r.acked_at }));
  }

  async ack(alertId: string, n: number): Promise<boolean> {
    return this.ctx.storage.sql.exec(`UPDATE firings SET acked_at = ? WHERE alert_id = ? AND n = ? AND acked_at IS NULL`, Date.now(), alertId, n).rowsWritten > 0;
  }

  /** Notification socket: every unacknowledged firing on connect, then new ones live; `{"t":"ack","alertId","n"}` acknowledges. */
  override async fetch(): Promise<Response> {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    for (const e of await this.inbox()) {
      if (e.ackedAt === null) pair[1].send(JSON.stringify({ t: 'firing', firing: e.firing, receivedAt: e.receivedAt }));
    }
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    if (typeof raw !== 'string' || raw.length > 512) return ws.send(JSON.stringify({ t: 'error', code: 'bad_message', message: 'expected a small JSON ack' }));
    try {
      const m = JSON.parse(raw) as { t?: unknown; alertId?: unknown; n?: unknown };
      if (m.t === 'ack' && typeof m.alertId === 'string' && Number.isInteger(m.n)) {
        await this.ack(m.alertId, m.n as number);
        return ws.send(JSON.stringify({ t: 'acked', alertId: m.alertId, n: m.n }));
      }
    } catch {
      // fall through to the error frame
    }
    ws.send(JSON.stringify({ t: 'error', code: 'bad_message', message: 'expected {"t":"ack","alertId":…,"n":…}' }));
  }

  /** Browser push subscriptions for firings (needs the VAPID keys in the environment). */
  async addPushSubscription(sub: PushSubscription): Promise<{ ok: true } | { ok: false; error: string }> {
    if (!this.vapid()) return { ok: false, error: 'web push is not configured on this deployment (VAPID keys)' };
    let url: URL;
    try {
      url = new URL(sub.endpoint);
    } catch {
      return { ok: false, error: 'push endpoint is not a URL' };
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.env.ALLOW_HTTP_WEBHOOKS === 'true')) return { ok: false, error: 'push endpoint must be https' };
    const id = [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(url.href)))].slice(0, 8).map((b) => b.toString(16).padStart(2, '0')).join('');
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO push_subs (id, sub) VALUES (?, ?)`, id, JSON.stringify({ endpoint: url.href, keys: sub.keys }));
    return { ok: true };
  }

  /** Deliveries due now on every channel, each keyed; failures back off and retry; a gone push subscription is dropped. */
  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    const due = sql.exec<{ channel: string; alert_id: string; n: number; body: string; attempts: number }>(
      `SELECT channel, alert_id, n, body, attempts FROM deliveries WHERE next_at <= ? ORDER BY next_at LIMIT 50`, now,
    ).toArray();
    for (const row of due) {
      const done = () => sql.exec(`DELETE FROM deliveries WHERE channel = ? AND alert_id = ? AND n = ?`, row.channel, row.alert_id, row.n);
      try {
        const status = await this.dispatch(row.channel, row.body, `${row.alert_id}:${row.n}`);
        if (status === 'gone') sql.exec(`DELETE FROM push_subs WHERE id = ?`, row.channel.slice('push:'.length));
        done();
      } catch (err) {
        const wait = retryDelay(row.attempts);
        sql.exec(`UPDATE deliveries SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE channel = ? AND alert_id = ? AND n = ?`,
          now + wait, err instanceof Error ? err.message : String(err), row.channel, row.alert_id, row.n);
      }
    }
    const next = sql.exec<{ t: number | null }>(`SELECT MIN(next_at) AS t FROM deliveries`).one().t;
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }

  /** One delivery attempt; throws to retry. 'gone': the channel no longer exists, drop it. */
  private async dispatch(channel: string, body: string, key: string): Promise<'sent' | 'gone'> {
    if (channel === 'webhook') {
      const hook = this.webhook();
      if (!hook) return 'gone';
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key, 'x-edgetape-signature': await signWebhook(hook.secret, Math.floor(Date.now() / 1000), body) },
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
      return 'sent';
    }
    const sub = this.pushSubs().find((p) => `push:${p.id}` === channel);
    const vapid = this.vapid();
    if (!sub || !vapid) return 'gone';
    const f = JSON.parse(body) as DeliveredFiring;
    const res = await sendPush(sub.sub, JSON.stringify({ title: `${f.symbol} alert`, body: `${alertText(f)} at ${f.price}`, key }), vapid);
    if (res.status === 404 || res.status === 410) return 'gone';
    if (!res.ok) throw new Error(`push service answered ${res.status}`);
    return 'sent';
  }

  private pushSubs(): { id: string; sub: PushSubscription }[] {
    return this.ctx.storage.sql.exec<{ id: string; sub: string }>(`SELECT id, sub FROM push_subs`).toArray().map((r) => ({ id: r.id, sub: JSON.parse(r.sub) as PushSubscription }));
  }

  private vapid(): VapidKeys | undefined {
    const { VAPID_PUBLIC_KEY: pub, VAPID_PRIVATE_KEY: priv, VAPID_SUBJECT: subject } = this.env as unknown as Record<string, string | undefined>;
    return pub && priv ? { publicKey: pub, privateKey: JSON.parse(priv) as JsonWebKey, subject: subject ?? 'mailto:alerts@edgetape.invalid' } : undefined;
  }

  private webhook(): { url: string; secret: string } | undefined {
    const row = this.ctx.storage.sql.exec<{ value: string }>(`SELECT value FROM settings WHERE key = 'webhook'`).toArray()[0];
    return row ? (JSON.parse(row.value) as { url: string; secret: string }) : undefined;
  }
}
