import { DurableObject } from 'cloudflare:workers';
import { AlertBook, initialState, type Alert, type AlertState, type Firing, type Tick } from '../../shared/risk/alerts';
import { healthVerdict, stepCondition, type AnyRule, type HealthObservation, type HealthRule } from '../../shared/risk/rules';
import { retryDelay } from '../retry';
import { portfolioStub } from './stubs';

/** An alert as the desk stores it: a price rule (in the AlertBook) or a book-health rule. */
export interface DeskAlert extends Omit<Alert, 'rule'> {
  user: string;
  rule: AnyRule;
}

interface HealthAlert { alert: Omit<Alert, 'rule'> & { rule: HealthRule }; state: AlertState }

/**
 * The alerts on one instrument's trade stream (named by symbol), evaluated at the edge on every tick so
 * they fire with no browser open. A batch of ticks, the alert states it changes and the outbox entries
 * for its firings are written in one SQLite transaction; delivery from the outbox is at least once with
 * the key (alert id, firing number), and the user's Portfolio stores each key once — so each firing is
 * seen exactly once. Alarms drive delivery and its retries.
 */
export class AlertDesk extends DurableObject<Env> {
  private book!: AlertBook;
  /** No tick has ever been committed here: the stream's history is not this desk's to evaluate. */
  private fresh: boolean;
  private readonly users = new Map<string, string>();
  /** Book-health alerts: few, checked on every health observation. */
  private readonly health = new Map<string, HealthAlert>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, user TEXT NOT NULL, alert TEXT NOT NULL, state TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS outbox (alert_id TEXT NOT NULL, n INTEGER NOT NULL, user TEXT NOT NULL, firing TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT, PRIMARY KEY (alert_id, n))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
    const next = sql.exec<{ value: number }>(`SELECT value FROM meta WHERE key = 'nextSeq'`).toArray()[0]?.value;
    this.fresh = next === undefined;
    this.book = new AlertBook(next ?? 1);
    for (const row of sql.exec<{ user: string; alert: string; state: string }>(`SELECT user, alert, state FROM alerts`)) {
      const alert = JSON.parse(row.alert) as DeskAlert;
      this.place(alert, JSON.parse(row.state) as AlertState);
      this.users.set(alert.id, row.user);
    }
  }

  /** Adds or replaces an alert (re-armed from scratch). */
  async upsert(a: DeskAlert): Promise<void> {
    const { user, ...alert } = a;
    const state = initialState();
    this.ctx.storage.sql.exec(
      `INSERT INTO alerts (id, user, alert, state) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET user = excluded.user, alert = excluded.alert, state = excluded.state`,
      alert.id, user, JSON.stringify(alert), JSON.stringify(state),
    );
    this.book.remove(alert.id);
    this.health.delete(alert.id);
    this.place(alert, state);
    this.users.set(alert.id, user);
  }

  private place(alert: Omit<DeskAlert, 'user'>, state: AlertState): void {
    if (alert.rule.kind === 'health') this.health.set(alert.id, { alert: alert as HealthAlert['alert'], state });
    else if (alert.rule.kind !== 'limit') this.book.add(alert as Alert, state);
  }

  async remove(id: string): Promise<void> {
    this.ctx.storage.sql.exec(`DELETE FROM alerts WHERE id = ?`, id);
    this.book.remove(id);
    this.health.delete(id);
    this.users.delete(id);
  }

  async get(id: string): Promise<{ alert: Omit<DeskAlert, 'user'>; state: AlertState } | undefined> {
    const row = this.ctx.storage.sql.exec<{ alert: string; state: string }>(`SELECT alert, state FROM alerts WHERE id = ?`, id).toArray()[0];
    return row ? { alert: JSON.parse(row.alert) as DeskAlert, state: JSON.parse(row.state) as AlertState } : undefined;
  }

  /** Current states of these alerts (for the user's alert list). */
  async states(ids: string[]): Promise<Record<string, AlertState>> {
    const out: Record<string, AlertState> = {};
    for (const id of ids) {
      const s = this.book.state(id) ?? this.health.get(id)?.state;
      if (s) out[id] = s;
    }
    return out;
  }

  /**
   * The hub's feed health and consolidated spread for this instrument: book-health alerts are evaluated
   * on it, their state changes and outbox entries committed together, exactly like a tick's.
   */
  async observe(o: HealthObservation): Promise<{ fired: number }> {
    const firings: Firing[] = [];
    const changed: { id: string; state: AlertState }[] = [];
    for (const [id, h] of this.health) {
      const { state, firing } = stepCondition(id, h.state, healthVerdict(h.alert.rule, h.alert.hysteresis, o), { seq: o.seq, ts: o.ts, price: o.mid ?? 0 });
      if (state === h.state) continue;
      h.state = state;
      changed.push({ id, state });
      if (firing) firings.push(firing);
    }
    if (changed.length) await this.commit(changed, firings);
    return { fired: firings.length };
  }

  /**
   * Ticks from the hub's trade stream, each with its sequence number, in any order and possibly repeated.
   * Returns the next sequence number the desk needs, so the hub can resend what a restart lost, and whether
   * it has book-health alerts: the hub sends its periodic health observations only then (feed state changes always).
   */
  async ticks(ticks: Tick[]): Promise<{ nextSeq: number; fired: number; fresh: boolean; health: boolean }> {
    const firings: Firing[] = [];
    for (const t of ticks) firings.push(...this.book.apply(t));
    await this.commit(this.book.drainChanged(), firings, this.book.nextSeq);
    if (this.book.nextSeq > 1) this.fresh = false;
    return { nextSeq: this.book.nextSeq, fired: firings.length, fresh: this.fresh, health: this.health.size > 0 };
  }

  /** State changes and the outbox entries of their firings in one transaction; then the delivery alarm. */
  private async commit(changed: { id: string; state: AlertState }[], firings: Firing[], nextSeq?: number): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      const sql = this.ctx.storage.sql;
      for (const { id, state } of changed) sql.exec(`UPDATE alerts SET state = ? WHERE id = ?`, JSON.stringify(state), id);
      for (const f of firings) {
        sql.exec(`INSERT OR IGNORE INTO outbox (alert_id, n, user, firing, next_at) VALUES (?, ?, ?, ?, ?)`,
          f.alertId, f.n, this.users.get(f.alertId) ?? '', JSON.stringify({ ...f, committedAt: now }), now);
      }
      if (nextSeq !== undefined) sql.exec(`INSERT INTO meta (key, value) VALUES ('nextSeq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, nextSeq);
    });
    if (firings.length) await this.ctx.storage.setAlarm(now);
  }

  /** The stream continues from `seq` (a new desk, or a gap the hub can no longer fill): nothing before it is evaluated. */
  async resync(seq: number): Promise<void> {
    this.book.resetSequence(seq);
    this.fresh = false;
    this.ctx.storage.sql.exec(`INSERT INTO meta (key, value) VALUES ('nextSeq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, seq);
  }

  /** Pending deliveries, oldest first (for health pages and tests). */
  async outbox(): Promise<{ alertId: string; n: number; attempts: number; lastError: string | null }[]> {
    return this.ctx.storage.sql
      .exec<{ alert_id: string; n: number; attempts: number; last_error: string | null }>(`SELECT alert_id, n, attempts, last_error FROM outbox ORDER BY next_at`)
      .toArray()
      .map((r) => ({ alertId: r.alert_id, n: r.n, attempts: r.attempts, lastError: r.last_error }));
  }

  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    const due = sql.exec<{ alert_id: string; n: number; user: string; firing: string; attempts: number }>(
      `SELECT alert_id, n, user, firing, attempts FROM outbox WHERE next_at <= ? ORDER BY next_at LIMIT 100`, now,
    ).toArray();
    for (const row of due) {
      try {
        const firing = JSON.parse(row.firing) as Firing;
        const alert = (await this.get(row.alert_id))?.alert;
        await portfolioStub(this.env, row.user).receiveFiring({ ...firing, symbol: alert?.symbol ?? '', rule: alert?.rule ?? null });
        sql.exec(`DELETE FROM outbox WHERE alert_id = ? AND n = ?`, row.alert_id, row.n);
      } catch (err) {
        const wait = retryDelay(row.attempts);
        sql.exec(`UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE alert_id = ? AND n = ?`,
          now + wait, err instanceof Error ? err.message : String(err), row.alert_id, row.n);
      }
    }
    const next = sql.exec<{ t: number | null }>(`SELECT MIN(next_at) AS t FROM outbox`).one().t;
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }
}
