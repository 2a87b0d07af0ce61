import { DurableObject } from 'cloudflare:workers';

export type AuditType =
  | 'signup' | 'signin.success' | 'signin.failure' | 'signin.locked' | 'signin.oidc'
  | 'token.refresh-reuse' | 'signout' | 'signout.everywhere'
  | 'role.change' | 'kyc.submitted' | 'kyc.verified' | 'kyc.rejected';

export interface AuditInput { type: AuditType; actor: string; subject: string; data?: Record<string, unknown> }
export type AuditEntry = { seq: number; ts: number; type: AuditType; actor: string; subject: string; data: string; prev: string; hash: string };
export type ChainReport = { ok: true; entries: number; head: string } | { ok: false; entries: number; brokenAt: number; reason: string };

const GENESIS = '0'.repeat(64);

async function entryHash(e: Omit<AuditEntry, 'hash'>): Promise<string> {
  const canonical = JSON.stringify([e.prev, e.seq, e.ts, e.type, e.actor, e.subject, e.data]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The append-only trail: each entry carries the hash of the one before it, so changing, removing or
 * reordering any entry breaks every link after it. There is no update or delete method.
 */
export class AuditLog extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS entries (
      seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL,
      subject TEXT NOT NULL, data TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL)`);
    ctx.storage.sql.exec('CREATE INDEX IF NOT EXISTS entries_subject ON entries (subject, seq)');
  }

  /** Appends are serialized: hashing awaits, and two interleaved appends would fork the chain. */
  append(input: AuditInput): Promise<{ seq: number; hash: string }> {
    const next = this.tail.then(() => this.write(input));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async write(input: AuditInput): Promise<{ seq: number; hash: string }> {
    const last = this.ctx.storage.sql.exec<{ seq: number; hash: string }>('SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1').toArray()[0];
    const e = { seq: (last?.seq ?? 0) + 1, ts: Date.now(), type: input.type, actor: input.actor, subject: input.subject, data: JSON.stringify(input.data ?? {}), prev: last?.hash ?? GENESIS };
    const hash = await entryHash(e);
    this.ctx.storage.sql.exec('INSERT INTO entries (seq, ts, type, actor, subject, data, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      e.seq, e.ts, e.type, e.actor, e.subject, e.data, e.prev, hash);
    return { seq: e.seq, hash };
  }

  /** Walks the whole chain and names the first entry whose content, link or position does not hold. */
  async verify(): Promise<ChainReport> {
    let prev = GENESIS;
    let expected = 1;
    let entries = 0;
    for (const row of this.ctx.storage.sql.exec<AuditEntry>('SELECT * FROM entries ORDER BY seq')) {
      entries++;
      if (row.seq !== expected) return { ok: false, entries, brokenAt: expected, reason: `entry ${expected} is missing` };
      if (row.prev !== prev) return { ok: false, entries, brokenAt: row.seq, reason: 'link to the previous entry does not match' };
      if ((await entryHash(row)) !== row.hash) return { ok: false, entries, brokenAt: row.seq, reason: 'entry content does not match its hash' };
      prev = row.hash;
      expected++;
    }
    return { ok: true, entries, head: prev };
  }

  async list(opts: { subject?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const limit = Math.min(500, opts.limit ?? 100);
    const rows = opts.subject
      ? this.ctx.storage.sql.exec<AuditEntry>('SELECT * FROM entries WHERE subject = ? ORDER BY seq DESC LIMIT ?', opts.subject, limit)
      : this.ctx.storage.sql.exec<AuditEntry>('SELECT * FROM entries ORDER BY seq DESC LIMIT ?', limit);
    return rows.toArray();
  }

  /** The KYC queue is derived from the record itself: users whose latest KYC entry is a submission. */
  async kycQueue(): Promise<{ userId: string; submittedAt: number; data: string }[]> {
    return this.ctx.storage.sql.exec<{ userId: string; submittedAt: number; data: string; type: string }>(
      `SELECT e.subject AS userId, e.ts AS submittedAt, e.data AS data, e.type AS type FROM entries e
       JOIN (SELECT subject, MAX(seq) AS seq FROM entries WHERE type LIKE 'kyc.%' GROUP BY subject) l ON l.seq = e.seq
       WHERE e.type = 'kyc.submitted' ORDER BY e.seq`,
    ).toArray().map(({ userId, submittedAt, data }) => ({ userId, submittedAt, data }));
  }
}
