import { DurableObject } from 'cloudflare:workers';
import {
  DEFAULT_PREFERENCES, limitsFor, UserClientMsg,
  type KycStatus, type Preferences, type PreferencesPatch, type Profile, type Role, type SessionInfo, type Suggestion,
  type TrackedView, type UserServerMsg,
} from '../../shared/account/schema';
import { randomToken, sha256 } from '../auth/bytes';
import { hashPassword, verifyPassword, type PasswordHash } from '../auth/passwords';
import { mintOpaque, REFRESH_TTL_MS, TICKET_TTL_MS } from '../auth/tokens';
import { freshBucket, spend, type Bucket } from '../middleware/ws-rate';
import type { AuditInput } from './AuditLog';
import { auditStub } from './stubs';

type AccountRow = {
  id: string; email: string | null; name: string; provider: 'password' | 'oidc'; password: string | null; roles: string;
  kyc_status: KycStatus; kyc_reason: string | null; kyc_legal_name: string | null; kyc_country: string | null;
  kyc_document: string | null; kyc_updated: number; created: number;
};
interface SocketAttachment { sid: string; bucket: Bucket }

export interface Registration { id: string; email: string | null; name: string; provider: 'password' | 'oidc'; password?: string; roles: Role[] }
export interface SessionMeta { userAgent: string; ip: string }
export type RefreshResult =
  | { ok: true; sid: string; refreshToken: string; profile: Profile }
  | { ok: false; reason: 'unknown' | 'reused' | 'revoked' | 'expired' };
export type Gate = { ok: true; profile: Profile } | { ok: false; status: 401 | 429; detail: string; retryAfterS?: number };

const MAX_VIEWS = 500;
const VIEW_HALF_LIFE_MS = 3 * 24 * 3600_000;
const MAX_SESSIONS = 50;

/**
 * Everything that belongs to one person, in one object named by their user id: the account, its
 * sessions and hashed refresh tokens, single-use socket tickets, preferences (pushed live to the user's
 * open sockets), what they viewed, and their KYC state. Every value goes into SQLite as a bound parameter.
 */
export const TICKET_REFUSED = 'the WebSocket ticket is unknown, spent or expired; ask POST /api/v1/ws-ticket for a new one';

export class UserAccount extends DurableObject<Env> {
  private sql: SqlStorage;
  private apiWindow = { start: 0, count: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS account (
        k INTEGER PRIMARY KEY CHECK (k = 1), id TEXT NOT NULL, email TEXT, name TEXT NOT NULL, provider TEXT NOT NULL,
        password TEXT, roles TEXT NOT NULL, kyc_status TEXT NOT NULL, kyc_reason TEXT, kyc_legal_name TEXT,
        kyc_country TEXT, kyc_document TEXT, kyc_updated INTEGER NOT NULL, created INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS prefs (k INTEGER PRIMARY KEY CHECK (k = 1), version INTEGER NOT NULL, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY, created INTEGER NOT NULL, last_used INTEGER NOT NULL, user_agent TEXT NOT NULL,
        ip TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, expires INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS refresh (hash TEXT PRIMARY KEY, sid TEXT NOT NULL, used INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS tickets (hash TEXT PRIMARY KEY, sid TEXT NOT NULL, expires INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS views (symbol TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS views_at ON views (at);`);
  }

  // ── account ──────────────────────────────────────────────────────────────────────────────────────

  /** Creates the account once; false when it already exists (the caller says so without revealing more). */
  async register(r: Registration): Promise<boolean> {
    if (this.row()) return false;
    const pw: PasswordHash | null = r.password === undefined ? null : await hashPassword(r.password);
    const now = Date.now();
    this.sql.exec(
      `INSERT INTO account (k, id, email, name, provider, password, roles, kyc_status, kyc_updated, created)
       VALUES (1, ?, ?, ?, ?, ?, ?, 'unverified', ?, ?)`,
      r.id, r.email, r.name, r.provider, pw && JSON.stringify(pw), JSON.stringify(r.roles), now, now,
    );
    await this.audit({ type: 'signup', actor: r.id, subject: r.id, data: { provider: r.provider } });
    return true;
  }

  /** 'none' for an account that does not exist or has no password (OIDC only). */
  async checkPassword(password: string): Promise<'ok' | 'bad' | 'none'> {
    const stored = this.row()?.password;
    if (!stored) return 'none';
    return (await verifyPassword(password, JSON.parse(stored) as PasswordHash)) ? 'ok' : 'bad';
  }

  async profile(): Promise<Profile | null> {
    const r = this.row();
    return r ? toProfile(r) : null;
  }

  // ── sessions and tokens ─────────────────────────────────────────────────────────────────────────

  /** A session is a refresh-token family: every rotation stays in it, and reuse of any spent member ends it. */
  async openSession(meta: SessionMeta): Promise<{ sid: string; refreshToken: string }> {
    const row = this.mustRow();
    const sid = randomToken(12);
    const now = Date.now();
    this.sql.exec('INSERT INTO sessions (id, created, last_used, user_agent, ip, expires) VALUES (?, ?, ?, ?, ?, ?)',
      sid, now, now, meta.userAgent.slice(0, 200), meta.ip.slice(0, 64), now + REFRESH_TTL_MS);
    // The oldest sessions give way, so a script cannot grow the table without bound.
    this.sql.exec('DELETE FROM sessions WHERE id NOT IN (SELECT id FROM sessions WHERE revoked = 0 ORDER BY last_used DESC LIMIT ?)', MAX_SESSIONS);
    return { sid, refreshToken: await this.mintRefresh(row.id, sid) };
  }

  async refresh(token: string, meta: SessionMeta): Promise<RefreshResult> {
    const row = this.row();
    if (!row) return { ok: false, reason: 'unknown' };
    const found = this.sql.exec<{ sid: string; used: number }>('SELECT sid, used FROM refresh WHERE hash = ?', await sha256(token)).toArray()[0];
    if (!found) return { ok: false, reason: 'unknown' };
    const session = this.liveSession(found.sid);
    if (found.used) {
      // A spent token came back: someone holds a copy. End the family so neither copy works.
      this.revoke(found.sid);
      await this.audit({ type: 'token.refresh-reuse', actor: row.id, subject: row.id, data: { sid: found.sid, ip: meta.ip } });
      return { ok: false, reason: 'reused' };
    }
    if (!session) return { ok: false, reason: 'revoked' };
    if (session.expires < Date.now()) return { ok: false, reason: 'expired' };
    this.sql.exec('UPDATE refresh SET used = 1 WHERE hash = ?', await sha256(token));
    this.sql.exec('UPDATE sessions SET last_used = ?, ip = ?, user_agent = ? WHERE id = ?', Date.now(), meta.ip.slice(0, 64), meta.userAgent.slice(0, 200), found.sid);
    return { ok: true, sid: found.sid, refreshToken: await this.mintRefresh(row.id, found.sid), profile: toProfile(row) };
  }

  /** Every authenticated request passes here: the session must be live (sign-out is immediate) and within the tier's API rate. */
  async gate(sid: string): Promise<Gate> {
    const row = this.row();
    if (!row || !this.liveSession(sid)) return { ok: false, status: 401, detail: 'the session has ended; sign in again' };
    const profile = toProfile(row);
    const now = Date.now();
    if (now - this.apiWindow.start >= 60_000) this.apiWindow = { start: now, count: 0 };
    if (++this.apiWindow.count > profile.limits.apiPerMinute) {
      return { ok: false, status: 429, detail: `API rate of ${profile.limits.apiPerMinute}/min for KYC tier ${profile.limits.tier} exceeded`, retryAfterS: Math.ceil((this.apiWindow.start + 60_000 - now) / 1000) };
    }
    return { ok: true, profile };
  }

  async signOut(sid: string, everywhere: boolean): Promise<void> {
    const row = this.mustRow();
    if (everywhere) for (const s of this.sql.exec<{ id: string }>('SELECT id FROM sessions WHERE revoked = 0').toArray()) this.revoke(s.id);
    else this.revoke(sid);
    await this.audit({ type: everywhere ? 'signout.everywhere' : 'signout', actor: row.id, subject: row.id, data: { sid } });
  }

  async sessions(currentSid: string): Promise<SessionInfo[]> {
    return this.sql.exec<{ id: string; created: number; last_used: number; user_agent: string; ip: string }>(
      'SELECT id, created, last_used, user_agent, ip FROM sessions WHERE revoked = 0 AND expires > ? ORDER BY last_used DESC', Date.now(),
    ).toArray().map((s) => ({ id: s.id, createdAt: s.created, lastUsedAt: s.last_used, userAgent: s.user_agent, ip: s.ip, current: s.id === currentSid }));
  }

  /** A WebSocket ticket: single use, 30 s, bound to the session that asked for it. */
  async issueTicket(sid: string): Promise<string> {
    const row = this.mustRow();
    const ticket = mintOpaque('wt', row.id);
    this.sql.exec('DELETE FROM tickets WHERE expires < ?', Date.now());
    this.sql.exec('INSERT INTO tickets (hash, sid, expires) VALUES (?, ?, ?)', await sha256(ticket), sid, Date.now() + TICKET_TTL_MS);
    return ticket;
  }

  // ── the user channel ───────────────────────────────────────────────────────────────────────────

  /** Spends a WebSocket ticket (any of this user's channels): the session it was issued to, if still live. */
  async redeemTicket(ticket: string): Promise<string | null> {
    const hash = await sha256(ticket);
    const found = this.sql.exec<{ sid: string; expires: number }>('SELECT sid, expires FROM tickets WHERE hash = ?', hash).toArray()[0];
    this.sql.exec('DELETE FROM tickets WHERE hash = ?', hash);
    return found && found.expires >= Date.now() && this.liveSession(found.sid) ? found.sid : null;
  }

  /** The Worker has checked the Origin; the ticket is consumed here, in the same object that issued it. */
  override async fetch(request: Request): Promise<Response> {
    const sid = await this.redeemTicket(new URL(request.url).searchParams.get('ticket') ?? '');
    if (!sid) return problem(401, TICKET_REFUSED);
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [sid]);
    pair[1].serializeAttachment({ sid, bucket: freshBucket(Date.now()) } satisfies SocketAttachment);
    const { version, prefs } = await this.preferences();
    send(pair[1], { t: 'prefs', version, prefs, origin: null });
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const att = ws.deserializeAttachment() as SocketAttachment;
    const verdict = spend(att.bucket, Date.now());
    ws.serializeAttachment(att);
    if (verdict === 'close') return ws.close(1008, 'message rate limit exceeded');
    if (verdict === 'refuse') return send(ws, { t: 'error', code: 'rate_limited', message: 'slow down: at most 10 messages a second' });
    if (typeof raw !== 'string' || raw.length > 1024) return send(ws, { t: 'error', code: 'too_large', message: 'frames are JSON text of at most 1024 bytes' });
    let parsed;
    try {
      parsed = UserClientMsg.safeParse(JSON.parse(raw));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) return send(ws, { t: 'error', code: 'bad_message', message: 'expected {t:"ping",ts} or {t:"view",symbol}' });
    if (parsed.data.t === 'ping') send(ws, { t: 'pong', ts: parsed.data.ts });
    else await this.trackView(parsed.data.symbol);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, 'closing');
    } catch {
      // already closed
    }
  }

  // ── preferences ────────────────────────────────────────────────────────────────────────────────

  async preferences(): Promise<{ version: number; prefs: Preferences }> {
    const r = this.sql.exec<{ version: number; json: string }>('SELECT version, json FROM prefs').toArray()[0];
    return r ? { version: r.version, prefs: JSON.parse(r.json) as Preferences } : { version: 0, prefs: DEFAULT_PREFERENCES };
  }

  /**
   * Replaces the given sections and pushes the result to every open session of this user. A stale
   * `base` version is refused rather than merged, so one device never silently overwrites another.
   */
  async updatePreferences(patch: PreferencesPatch, originSid: string): Promise<{ ok: true; version: number; prefs: Preferences } | { ok: false; version: number }> {
    const current = await this.preferences();
    if (patch.base !== undefined && patch.base !== current.version) return { ok: false, version: current.version };
    const prefs = { ...current.prefs, ...patch.set };
    const version = current.version + 1;
    this.sql.exec('INSERT INTO prefs (k, version, json) VALUES (1, ?, ?) ON CONFLICT (k) DO UPDATE SET version = excluded.version, json = excluded.json', version, JSON.stringify(prefs));
    const msg = JSON.stringify({ t: 'prefs', version, prefs, origin: originSid } satisfies UserServerMsg);
    for (const ws of this.ctx.getWebSockets()) trySend(ws, msg);
    return { ok: true, version, prefs };
  }

  // ── personalization ────────────────────────────────────────────────────────────────────────────

  async trackView(symbol: string): Promise<void> {
    this.sql.exec('INSERT INTO views (symbol, at) VALUES (?, ?)', symbol, Date.now());
    this.sql.exec('DELETE FROM views WHERE rowid NOT IN (SELECT rowid FROM views ORDER BY at DESC LIMIT ?)', MAX_VIEWS);
  }

  async tracked(): Promise<TrackedView[]> {
    return this.sql.exec<TrackedView>('SELECT symbol, at FROM views ORDER BY at DESC, rowid DESC').toArray();
  }

  async clearTracked(): Promise<number> {
    return this.sql.exec('DELETE FROM views').rowsWritten;
  }

  /** Instruments viewed but not yet on a watchlist, ranked by views decayed with a three-day half-life. */
  async suggestions(limit = 5): Promise<Suggestion[]> {
    const { prefs } = await this.preferences();
    const listed = new Set(prefs.watchlists.flatMap((w) => w.symbols));
    const now = Date.now();
    const scores = new Map<string, Suggestion>();
    for (const v of await this.tracked()) {
      if (listed.has(v.symbol)) continue;
      const s = scores.get(v.symbol) ?? { symbol: v.symbol, score: 0, views: 0 };
      s.score += 0.5 ** ((now - v.at) / VIEW_HALF_LIFE_MS);
      s.views++;
      scores.set(v.symbol, s);
    }
    return [...scores.values()].sort((a, b) => b.score - a.score || a.symbol.localeCompare(b.symbol)).slice(0, limit)
      .map((s) => ({ ...s, score: Math.round(s.score * 1000) / 1000 }));
  }

  // ── KYC and roles ──────────────────────────────────────────────────────────────────────────────

  async submitKyc(sub: { legalName: string; country: string; documentRef: string }): Promise<Profile | 'not-allowed'> {
    const row = this.mustRow();
    if (row.kyc_status === 'submitted' || row.kyc_status === 'verified') return 'not-allowed';
    this.sql.exec(`UPDATE account SET kyc_status = 'submitted', kyc_reason = NULL, kyc_legal_name = ?, kyc_country = ?, kyc_document = ?, kyc_updated = ?`,
      sub.legalName, sub.country, sub.documentRef, Date.now());
    await this.audit({ type: 'kyc.submitted', actor: row.id, subject: row.id, data: { country: sub.country } });
    return toProfile(this.mustRow());
  }

  /** Only a submission can be decided; the decision, its reason and the admin go into the audit trail. */
  async decideKyc(decision: 'verified' | 'rejected', reason: string | null, adminId: string): Promise<Profile | 'not-submitted' | null> {
    const row = this.row();
    if (!row) return null;
    if (row.kyc_status !== 'submitted') return 'not-submitted';
    this.sql.exec('UPDATE account SET kyc_status = ?, kyc_reason = ?, kyc_updated = ?', decision, reason, Date.now());
    await this.audit({ type: decision === 'verified' ? 'kyc.verified' : 'kyc.rejected', actor: adminId, subject: row.id, data: { reason } });
    return toProfile(this.mustRow());
  }

  async setRoles(roles: Role[], adminId: string): Promise<Profile | null> {
    const row = this.row();
    if (!row) return null;
    this.sql.exec('UPDATE account SET roles = ?', JSON.stringify([...new Set(roles)].sort()));
    await this.audit({ type: 'role.change', actor: adminId, subject: row.id, data: { from: JSON.parse(row.roles), to: roles } });
    return toProfile(this.mustRow());
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────────

  private row(): AccountRow | undefined {
    return this.sql.exec<AccountRow>('SELECT * FROM account WHERE k = 1').toArray()[0];
  }

  private mustRow(): AccountRow {
    const r = this.row();
    if (!r) throw new Error('no such account');
    return r;
  }

  private liveSession(sid: string): { expires: number } | undefined {
    return this.sql.exec<{ expires: number }>('SELECT expires FROM sessions WHERE id = ? AND revoked = 0', sid).toArray()[0];
  }

  private async mintRefresh(userId: string, sid: string): Promise<string> {
    const token = mintOpaque('rt', userId);
    this.sql.exec('INSERT INTO refresh (hash, sid, created) VALUES (?, ?, ?)', await sha256(token), sid, Date.now());
    return token;
  }

  /** Ends a session: its refresh family, its pending tickets and its open sockets. */
  private revoke(sid: string): void {
    this.sql.exec('UPDATE sessions SET revoked = 1 WHERE id = ?', sid);
    this.sql.exec('DELETE FROM refresh WHERE sid = ? AND used = 0', sid);
    this.sql.exec('DELETE FROM tickets WHERE sid = ?', sid);
    for (const ws of this.ctx.getWebSockets(sid)) {
      trySend(ws, JSON.stringify({ t: 'signed-out' } satisfies UserServerMsg));
      try {
        ws.close(4401, 'signed out');
      } catch {
        // already closed
      }
    }
  }

  private async audit(e: AuditInput): Promise<void> {
    await auditStub(this.env).append(e);
  }
}

function toProfile(r: AccountRow): Profile {
  return {
    id: r.id, email: r.email, name: r.name, roles: JSON.parse(r.roles) as Role[], provider: r.provider, createdAt: r.created,
    kyc: { status: r.kyc_status, reason: r.kyc_reason, legalName: r.kyc_legal_name, country: r.kyc_country, updatedAt: r.kyc_updated },
    limits: limitsFor(r.kyc_status),
  };
}

const problem = (status: number, detail: string): Response =>
  new Response(JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status, detail }), { status, headers: { 'content-type': 'application/problem+json' } });

const send = (ws: WebSocket, msg: UserServerMsg): void => trySend(ws, JSON.stringify(msg));

function trySend(ws: WebSocket, data: string): void {
  try {
    ws.send(data);
  } catch {
    // closed between getWebSockets() and send()
  }
}

