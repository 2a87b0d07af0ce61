import { DurableObject } from 'cloudflare:workers';
import { CONSOLIDATED } from '../../shared/protocol/messages';
import { initialState, onPosition, type AlertRule, type AlertState, type Firing } from '../../shared/risk/alerts';
import { parseFillsCsv, type Fill, type RowError } from '../../shared/risk/fills';
import { drawdown, exposure, totalPnl } from '../../shared/risk/portfolio';
import { buildPositions, entryPrice, unrealized, type CostMethod, type Position } from '../../shared/risk/positions';
import { limitVerdict, stepCondition, type AnyRule, type LimitRule } from '../../shared/risk/rules';
import type { DeliveredFiring, InboxEntry, PortfolioReport, PortfolioSettings, StoredAlert } from '../../shared/risk/schema';
import { portfolioVar } from '../../shared/risk/var';
import { sendPush, type PushSubscription, type VapidKeys } from '../push';
import { freshBucket, spend, type Bucket } from '../middleware/ws-rate';
import { signWebhook } from '../webhook';
import { retryDelay } from '../retry';
import { alertDeskStub, hubStub } from './stubs';

export type { DeliveredFiring, InboxEntry };

type PositionRule = Extract<AlertRule, { position: 'long' | 'short' }>;

/** Marks, the equity curve and portfolio limits are refreshed once a minute (every 1-minute candle close). */
const MARK_EVERY_MS = 60_000;
const DEFAULT_CAPITAL = 100_000;
/** Equity points kept: a week of minutes. */
const EQUITY_KEEP = 7 * 1440;

const WEBHOOK_TIMEOUT_MS = 10_000;

/** One line a person reads in a notification. */
export function alertText(f: DeliveredFiring): string {
  const r = f.rule;
  if (!r) return `alert ${f.alertId} fired`;
  const pnl = f.pnl === undefined ? '' : `, position P&L ${f.pnl >= 0 ? '+' : ''}${f.pnl.toFixed(2)}`;
  switch (r.kind) {
    case 'cross':
      return `crossed ${r.direction} ${r.level}`;
    case 'stop':
      return `stop-loss ${r.level} hit${pnl}`;
    case 'take':
      return `take-profit ${r.level} hit${pnl}`;
    case 'trailing':
      return `trailing stop ${(r.distance * 100).toFixed(2)} % hit${pnl}`;
    case 'move':
      return `moved ${(r.pct * 100).toFixed(2)} % within ${Math.round(r.windowMs / 60_000)} min`;
    case 'vol':
      return `volatility reached ${(r.threshold * 100).toFixed(2)} % within ${Math.round(r.windowMs / 60_000)} min`;
    case 'health':
    case 'limit':
      return f.detail ?? `${r.kind} alert`;
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
    // Channel 'desk' (n = 0, body = symbol): tells a stop's AlertDesk to drop it once its position closed.
    sql.exec(`CREATE TABLE IF NOT EXISTS deliveries (channel TEXT NOT NULL, alert_id TEXT NOT NULL, n INTEGER NOT NULL, body TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT, PRIMARY KEY (channel, alert_id, n))`);
    // Every alert of this user (the AlertDesk of its instrument evaluates price and health rules); `state` for limits, evaluated here.
    sql.exec(`CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, symbol TEXT NOT NULL, rule TEXT NOT NULL, hysteresis REAL NOT NULL,
      note TEXT, created_at INTEGER NOT NULL, state TEXT)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS equity (ts INTEGER PRIMARY KEY, equity REAL NOT NULL)`);
  }

  // ── alerts ─────────────────────────────────────────────────────────────────────────────────────

  /**
   * Stores an alert. A stop, take-profit or trailing stop needs its position held, on the side it protects,
   * when it is stored: checked and stored with no await between, so no fill can close the position in between.
   */
  async saveAlert(a: Omit<StoredAlert, 'state'>): Promise<{ ok: true } | { ok: false; error: string }> {
    if (onPosition(a.rule) && !this.holding(this.positions(), a.rule, a.symbol)) return { ok: false, error: notHeld(a.rule, a.symbol) };
    const state = a.rule.kind === 'limit' ? JSON.stringify(initialState()) : null;
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO alerts (id, symbol, rule, hysteresis, note, created_at, state) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      a.id, a.symbol, JSON.stringify(a.rule), a.hysteresis, a.note, a.createdAt, state);
    if (a.rule.kind === 'limit') await this.scheduleMarks();
    return { ok: true };
  }

  /** The open position a stop on (`exchange`, `symbol`) would protect: its side, size and entry; undefined when flat. */
  heldPosition(exchange: string, symbol: string): { side: 'long' | 'short'; qty: number; entry: number } | undefined {
    const p = this.positions().find((x) => x.exchange === exchange && x.symbol === symbol && x.qty !== 0);
    return p && { side: p.qty > 0 ? 'long' : 'short', qty: Math.abs(p.qty), entry: entryPrice(p) };
  }

  /** The position a position rule is set on, if it is still open on the rule's side. */
  private holding(positions: Position[], rule: PositionRule, symbol: string): Position | undefined {
    return positions.find((p) => p.exchange === rule.exchange && p.symbol === symbol && (rule.position === 'long' ? p.qty > 0 : p.qty < 0));
  }

  /**
   * Inside a fill's transaction: every stop, take-profit and trailing stop whose position the fills closed (or
   * reversed) is disarmed here, and its desk is told to drop it through the deliveries outbox (at least once).
   * A firing the desk commits after this moment is void (see `receiveFiring`).
   */
  private disarmClosed(now: number): number {
    const sql = this.ctx.storage.sql;
    const live = this.alerts().filter((a): a is StoredAlert & { rule: PositionRule } => onPosition(a.rule) && a.rule.exchange !== undefined && a.state === null);
    if (!live.length) return 0;
    const positions = this.positions();
    let n = 0;
    for (const a of live) {
      if (this.holding(positions, a.rule, a.symbol)) continue;
      const reversed = positions.some((p) => p.exchange === a.rule.exchange && p.symbol === a.symbol && p.qty !== 0);
      const firings = sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM firings WHERE alert_id = ?`, a.id).one().n;
      const state: AlertState = { phase: 'done', firings, cancelled: { at: now, reason: reversed ? 'position reversed' : 'position closed' } };
      sql.exec(`UPDATE alerts SET state = ? WHERE id = ?`, JSON.stringify(state), a.id);
      sql.exec(`INSERT OR IGNORE INTO deliveries (channel, alert_id, n, body, next_at) VALUES ('desk', ?, 0, ?, ?)`, a.id, a.symbol, now);
      n++;
    }
    return n;
  }

  async deleteAlert(id: string): Promise<StoredAlert | undefined> {
    const a = this.alerts().find((x) => x.id === id);
    if (a) this.ctx.storage.sql.exec(`DELETE FROM alerts WHERE id = ?`, id);
    return a;
  }

  /** The user's alerts, newest first; `state` only for limits (the desks hold the others'). */
  alerts(): StoredAlert[] {
    return this.ctx.storage.sql
      .exec<{ id: string; symbol: string; rule: string; hysteresis: number; note: string | null; created_at: number; state: string | null }>(
        `SELECT id, symbol, rule, hysteresis, note, created_at, state FROM alerts ORDER BY created_at DESC, id`,
      )
      .toArray()
      .map((r) => ({ id: r.id, symbol: r.symbol, rule: JSON.parse(r.rule) as AnyRule, hysteresis: r.hysteresis, note: r.note, createdAt: r.created_at, state: r.state ? (JSON.parse(r.state) as AlertState) : null }));
  }

  // ── positions, P&L, equity ─────────────────────────────────────────────────────────────────────

  async addFill(f: Fill): Promise<void> {
    await this.storeFills([f]);
  }

  /** The fills and the disarming of the stops they close, in one transaction; then the marks and the desks told. */
  private async storeFills(fills: Fill[]): Promise<void> {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    let disarmed = 0;
    this.ctx.storage.transactionSync(() => {
      for (const f of fills) {
        sql.exec(`INSERT INTO fills (ts, exchange, symbol, side, price, amount, fee, ext_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          f.ts, f.exchange, f.symbol, f.side, f.price, f.amount, f.fee, f.id ?? null);
      }
      disarmed = this.disarmClosed(now);
    });
    await this.scheduleMarks();
    if (disarmed) await this.ctx.storage.setAlarm(now);
  }

  settings(): Required<PortfolioSettings> {
    const row = this.ctx.storage.sql.exec<{ value: string }>(`SELECT value FROM settings WHERE key = 'portfolio'`).toArray()[0];
    return { method: 'fifo', capital: DEFAULT_CAPITAL, ...(row ? (JSON.parse(row.value) as PortfolioSettings) : {}) };
  }

  async updateSettings(patch: PortfolioSettings): Promise<Required<PortfolioSettings>> {
    const next = { ...this.settings(), ...patch };
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO settings (key, value) VALUES ('portfolio', ?)`, JSON.stringify(next));
    return next;
  }

  /**
   * Positions under the chosen cost method, marked to each instrument's live consolidated mid from its
   * SymbolHub; exposure, concentration, the equity curve (capital + P&L, a point a minute) and drawdown.
   */
  async report(method?: CostMethod): Promise<PortfolioReport> {
    const settings = this.settings();
    const m = method ?? settings.method;
    const positions = this.positions(m);
    const marks = await this.marks(positions);
    const rows = positions.map((p) => {
      const mark = marks[p.symbol] ?? null;
      return { ...p, mark, entry: entryPrice(p), unrealized: mark === null ? null : unrealized(p, mark) };
    });
    const realized = positions.reduce((s, p) => s + p.realized, 0);
    const fees = positions.reduce((s, p) => s + p.fees, 0);
    const total = totalPnl(positions, marks);
    const now = Date.now();
    const equity = this.equityCurve();
    equity.push([now, settings.capital + total]);
    const dd = drawdown(equity.map((e) => e[1]));
    return {
      method: m, capital: settings.capital, positions: rows,
      pnl: { realized, fees, unrealized: total - realized + fees, total },
      exposure: exposure(positions, marks), equity,
      drawdown: { current: dd.drawdown[dd.drawdown.length - 1] ?? 0, max: dd.max },
      unmarked: [...new Set(positions.filter((p) => p.qty !== 0 && marks[p.symbol] === undefined).map((p) => p.symbol))],
    };
  }

  private equityCurve(): [number, number][] {
    return this.ctx.storage.sql.exec<{ ts: number; equity: number }>(`SELECT ts, equity FROM equity ORDER BY ts`).toArray().map((r) => [r.ts, r.equity]);
  }

  private async marks(positions: Position[]): Promise<Record<string, number>> {
    const symbols = [...new Set(positions.filter((p) => p.qty !== 0).map((p) => p.symbol))];
    const got = await Promise.all(symbols.map(async (s) => [s, (await hubStub(this.env, s).mark().catch(() => null))?.mid] as const));
    return Object.fromEntries(got.filter((g): g is readonly [string, number] => g[1] !== undefined));
  }

  private async scheduleMarks(): Promise<void> {
    const sql = this.ctx.storage.sql;
    if (sql.exec(`SELECT 1 FROM settings WHERE key = 'markAt'`).toArray().length) return;
    sql.exec(`INSERT INTO settings (key, value) VALUES ('markAt', ?)`, String(Date.now()));
    await this.ctx.storage.setAlarm(Date.now());
  }

  /** Marks are worth taking while a position is open or a limit alert is set; the next fill or alert restarts them. */
  private needsMarks(): boolean {
    return this.positions().some((p) => p.qty !== 0) || this.alerts().some((a) => a.rule.kind === 'limit');
  }

  /**
   * Once a minute: the equity point, then every limit alert on this minute's figures. A limit's state change
   * and its firing (inbox row and delivery rows) are one transaction, as on the desks.
   */
  private async markToMarket(now: number): Promise<void> {
    const report = await this.report();
    const sql = this.ctx.storage.sql;
    const eq = report.equity.at(-1)![1];
    const limits = this.alerts().filter((a): a is StoredAlert & { rule: LimitRule } => a.rule.kind === 'limit');
    const values: Record<LimitRule['measure'], number> = { exposure: report.exposure.gross, drawdown: report.drawdown.current, var: NaN };
    if (limits.some((l) => l.rule.measure === 'var')) values.var = await this.valueAtRisk(report);
    const changes: { id: string; state: AlertState; firing?: Firing }[] = [];
    for (const a of limits) {
      const value = values[a.rule.measure];
      if (!Number.isFinite(value)) continue;
      const before = a.state ?? initialState();
      const r = stepCondition(a.id, before, limitVerdict(a.rule, a.hysteresis, value), { seq: Math.floor(now / MARK_EVERY_MS), ts: now, price: value });
      if (r.state !== before) changes.push({ id: a.id, ...r });
    }
    const fresh: DeliveredFiring[] = [];
    this.ctx.storage.transactionSync(() => {
      sql.exec(`INSERT OR REPLACE INTO equity (ts, equity) VALUES (?, ?)`, now, eq);
      sql.exec(`DELETE FROM equity WHERE ts <= (SELECT ts FROM equity ORDER BY ts DESC LIMIT 1 OFFSET ?)`, EQUITY_KEEP);
      for (const c of changes) {
        sql.exec(`UPDATE alerts SET state = ? WHERE id = ?`, JSON.stringify(c.state), c.id);
        const rule = limits.find((l) => l.id === c.id)!.rule;
        const f: DeliveredFiring | undefined = c.firing && { ...c.firing, symbol: '*', rule, committedAt: now };
        if (f && this.storeFiring(f, now)) fresh.push(f);
      }
    });
    for (const f of fresh) this.announce(f, now);
  }

  /** 1-hour 95 % historical VaR, in quote currency, from the newest day of 1-minute consolidated closes. */
  private async valueAtRisk(report: PortfolioReport): Promise<number> {
    const held = report.positions.filter((p) => p.qty !== 0 && p.mark !== null);
    if (!held.length) return 0;
    const series = await Promise.all(held.map((p) => hubStub(this.env, p.symbol).recentCandles(CONSOLIDATED, '1m', 1_440)));
    // align on the minutes every instrument has
    const common = series.map((bars) => new Map(bars.map((b) => [b.time, b.close])));
    const times = [...common[0]!.keys()].filter((t) => common.every((m) => m.has(t))).sort((a, b) => a - b);
    if (times.length < 120) return NaN; // too little history to say anything
    return portfolioVar(held.map((p) => p.qty), common.map((m) => times.map((t) => m.get(t)!)), 0.95, 60).var;
  }

  /** All-or-nothing: a file with any bad row imports nothing and names every bad row. */
  async importFills(csv: string): Promise<{ ok: true; imported: number } | { ok: false; errors: RowError[] }> {
    const parsed = parseFillsCsv(csv);
    if (!parsed.ok) return parsed;
    const sql = this.ctx.storage.sql;
    const dupes = parsed.fills.filter((f) => f.id && sql.exec(`SELECT 1 FROM fills WHERE ext_id = ?`, f.id).toArray().length);
    if (dupes.length) return { ok: false, errors: dupes.map((f) => ({ line: 0, message: `fill id ${f.id} was imported before` })) };
    await this.storeFills(parsed.fills);
    return { ok: true, imported: parsed.fills.length };
  }

  fills(): Fill[] {
    return this.ctx.storage.sql
      .exec<{ ts: number; exchange: string; symbol: string; side: string; price: number; amount: number; fee: number; ext_id: string | null }>(
        `SELECT ts, exchange, symbol, side, price, amount, fee, ext_id FROM fills ORDER BY ts, seq`,
      )
      .toArray()
      .map((r) => ({ ts: r.ts, exchange: r.exchange as Fill['exchange'], symbol: r.symbol, side: r.side as Fill['side'], price: r.price, amount: r.amount, fee: r.fee, ...(r.ext_id ? { id: r.ext_id } : {}) }));
  }

  positions(method: CostMethod = this.settings().method): Position[] {
    return buildPositions(this.fills(), method);
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

  /**
   * From the AlertDesk's outbox: idempotent on (alert id, firing number). A stop's firing carries the position's
   * P&L at the firing price; one the desk committed after the stop was disarmed by its position's closing fill is void.
   */
  async receiveFiring(delivered: DeliveredFiring): Promise<{ fresh: boolean }> {
    const now = Date.now();
    const own = this.alerts().find((a) => a.id === delivered.alertId);
    const cancelled = own?.state?.cancelled;
    if (cancelled && (delivered.committedAt ?? now) >= cancelled.at) return { fresh: false };
    const rule = delivered.rule ?? own?.rule ?? null;
    const symbol = delivered.symbol || own?.symbol || '';
    const held = rule && onPosition(rule) && rule.exchange !== undefined ? this.holding(this.positions(), rule, symbol) : undefined;
    const f: DeliveredFiring = { ...delivered, symbol, rule, ...(held ? { pnl: unrealized(held, delivered.price) } : {}) };
    let fresh = false;
    this.ctx.storage.transactionSync(() => {
      fresh = this.storeFiring(f, now);
    });
    if (fresh) this.announce(f, now);
    return { fresh };
  }

  /** Inside a transaction: the inbox row and one delivery row per channel, once per (alert id, firing number). */
  private storeFiring(f: DeliveredFiring, now: number): boolean {
    const sql = this.ctx.storage.sql;
    const body = JSON.stringify(f);
    if (sql.exec(`INSERT OR IGNORE INTO firings (alert_id, n, body, received_at) VALUES (?, ?, ?, ?)`, f.alertId, f.n, body, now).rowsWritten === 0) return false;
    const channels = [...(this.webhook() ? ['webhook'] : []), ...this.pushSubs().map((p) => `push:${p.id}`)];
    for (const ch of channels) sql.exec(`INSERT OR IGNORE INTO deliveries (channel, alert_id, n, body, next_at) VALUES (?, ?, ?, ?, ?)`, ch, f.alertId, f.n, body, now);
    return true;
  }

  /** A new firing to every open notification socket (the rest get it on reconnect until acknowledged), and its deliveries started. */
  private announce(f: DeliveredFiring, now: number): void {
    if (this.ctx.storage.sql.exec(`SELECT 1 FROM deliveries LIMIT 1`).toArray().length) void this.ctx.storage.setAlarm(now);
    const msg = JSON.stringify({ t: 'firing', firing: f, receivedAt: now });
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(msg);
      } catch {
        // closing socket: the firing stays unacknowledged and is sent again on reconnect
      }
    }
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
    pair[1].serializeAttachment(freshBucket(Date.now()));
    for (const e of await this.inbox()) {
      if (e.ackedAt === null) pair[1].send(JSON.stringify({ t: 'firing', firing: e.firing, receivedAt: e.receivedAt }));
    }
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const bucket = (ws.deserializeAttachment() as Bucket | null) ?? freshBucket(Date.now());
    const verdict = spend(bucket, Date.now());
    ws.serializeAttachment(bucket);
    if (verdict === 'close') return ws.close(1008, 'message rate limit exceeded');
    if (verdict === 'refuse') return ws.send(JSON.stringify({ t: 'error', code: 'rate_limited', message: 'slow down: at most 10 messages a second' }));
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
    const markAt = Number(sql.exec<{ value: string }>(`SELECT value FROM settings WHERE key = 'markAt'`).toArray()[0]?.value ?? NaN);
    if (markAt <= now) {
      await this.markToMarket(now);
      // decided after the marks, on the fills and alerts as they are now (one may have arrived meanwhile)
      if (this.needsMarks()) sql.exec(`UPDATE settings SET value = ? WHERE key = 'markAt'`, String(now + MARK_EVERY_MS));
      else sql.exec(`DELETE FROM settings WHERE key = 'markAt'`);
    }
    const due = sql.exec<{ channel: string; alert_id: string; n: number; body: string; attempts: number }>(
      `SELECT channel, alert_id, n, body, attempts FROM deliveries WHERE next_at <= ? ORDER BY next_at LIMIT 50`, now,
    ).toArray();
    for (const row of due) {
      const done = () => sql.exec(`DELETE FROM deliveries WHERE channel = ? AND alert_id = ? AND n = ?`, row.channel, row.alert_id, row.n);
      try {
        const status = row.channel === 'desk'
          ? (await alertDeskStub(this.env, row.body).remove(row.alert_id), 'sent')
          : await this.dispatch(row.channel, row.body, `${row.alert_id}:${row.n}`);
        if (status === 'gone') sql.exec(`DELETE FROM push_subs WHERE id = ?`, row.channel.slice('push:'.length));
        done();
      } catch (err) {
        const wait = retryDelay(row.attempts);
        sql.exec(`UPDATE deliveries SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE channel = ? AND alert_id = ? AND n = ?`,
          now + wait, err instanceof Error ? err.message : String(err), row.channel, row.alert_id, row.n);
      }
    }
    const next = sql.exec<{ t: number | null }>(`SELECT MIN(next_at) AS t FROM deliveries`).one().t;
    const mark = Number(sql.exec<{ value: string }>(`SELECT value FROM settings WHERE key = 'markAt'`).toArray()[0]?.value ?? NaN);
    const at = Math.min(next ?? Infinity, Number.isFinite(mark) ? mark : Infinity);
    if (Number.isFinite(at)) await this.ctx.storage.setAlarm(Math.max(at, Date.now()));
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

const notHeld = (rule: PositionRule, symbol: string): string =>
  `you hold no ${rule.position} ${symbol} position on ${rule.exchange ?? 'any exchange'}: a ${rule.kind === 'take' ? 'take-profit' : rule.kind === 'trailing' ? 'trailing stop' : 'stop-loss'} is set on an open position`;
