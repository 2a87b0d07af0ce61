import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Preferences, Profile, Suggestion, TrackedView } from '../../shared/account/schema';
import { hashPassword, PBKDF2_ITERATIONS, verifyPassword } from '../../worker/auth/passwords';
import { accountStub, auditStub } from '../../worker/objects/stubs';
import { admin, api, GOOD_PASSWORD, Jar, ORIGIN, problemOf, signUp, signUpApp, ticketFor, uniqueEmail, userSocket } from './accounts';

describe('password sign-up and sign-in', () => {
  it('hashes with PBKDF2-SHA256 at the Workers ceiling of 100,000 iterations with a 128-bit salt', async () => {
    // Production Workers refuse one call above 100,000 (cloudflare/workerd#1346); local workerd does not enforce it.
    expect(PBKDF2_ITERATIONS).toBe(100_000);
    const { user } = await signUp(uniqueEmail('hash'));
    await runInDurableObject(accountStub(env, user.id), async (_i, state) => {
      const row = state.storage.sql.exec<{ password: string }>('SELECT password FROM account').one();
      const stored = JSON.parse(row.password) as { iterations: number; salt: string; hash: string };
      expect(stored.iterations).toBe(100_000);
      expect(stored.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(row.password).not.toContain(GOOD_PASSWORD);
    });
    const stored = await hashPassword(GOOD_PASSWORD);
    expect(await verifyPassword(GOOD_PASSWORD, stored)).toBe(true);
    expect(await verifyPassword(`${GOOD_PASSWORD} `, stored)).toBe(false);
    // A record asking for more work than the ceiling is refused without deriving anything.
    expect(await verifyPassword(GOOD_PASSWORD, { ...stored, iterations: 10_000_000 })).toBe(false);
  });

  it('gives two accounts with the same password different salts and hashes', async () => {
    const [a, b] = [await signUp(), await signUp()];
    const pw = async (id: string) => runInDurableObject(accountStub(env, id), async (_i, s) => JSON.parse(s.storage.sql.exec<{ password: string }>('SELECT password FROM account').one().password) as { salt: string; hash: string });
    const [pa, pb] = [await pw(a.user.id), await pw(b.user.id)];
    expect(pa.salt).not.toBe(pb.salt);
    expect(pa.hash).not.toBe(pb.hash);
  });

  it('applies the NIST SP 800-63B rules: length, breached list, repetition, sequences, context words', async () => {
    const cases: [string, RegExp][] = [
      ['short pw', /at least 12/],
      ['password1234', /breached/],
      ['Bitcoin2024!!', /breached/],
      ['aaaaaaaaaaaaaa', /repetitive/],
      ['abcdefghijklmn', /sequence/],
      ['margaret-hamilton-1969', /name or email/],
      ['x'.repeat(129), /at most 128/],
    ];
    for (const [password, msg] of cases) {
      const res = await api('/api/v1/auth/signup', { body: { email: uniqueEmail(), password, name: 'Margaret Hamilton', client: 'api' }, ip: '192.0.2.50' });
      expect(res.status, password).toBe(400);
      expect((await problemOf(res)).detail).toMatch(msg);
    }
    // Long passphrases with spaces and any Unicode are fine; no composition rules.
    const ok = await api('/api/v1/auth/signup', { body: { email: uniqueEmail(), password: 'ça marche très bien ici 🙂', name: 'Ana', client: 'api' }, ip: '192.0.2.51' });
    expect(ok.status).toBe(201);
  });

  it('signs in, refuses a duplicate sign-up and a wrong password with one message for unknown and known emails', async () => {
    const { email } = await signUp();
    const dup = await api('/api/v1/auth/signup', { body: { email, password: GOOD_PASSWORD, name: 'X', client: 'api' } });
    expect(dup.status).toBe(409);
    const good = await api('/api/v1/auth/signin', { body: { email: email.toUpperCase(), password: GOOD_PASSWORD, client: 'api' } });
    expect(good.status).toBe(200);
    const wrong = await problemOf(await api('/api/v1/auth/signin', { body: { email, password: 'not the password at all', client: 'api' }, ip: '192.0.2.9' }));
    const unknown = await problemOf(await api('/api/v1/auth/signin', { body: { email: uniqueEmail('nobody'), password: 'not the password at all', client: 'api' }, ip: '192.0.2.9' }));
    expect(wrong.detail).toBe(unknown.detail);
    expect(wrong.status).toBe(401);
  });

  it('gives the app HttpOnly Secure SameSite=Strict cookies and never the tokens in the body', async () => {
    const jar = new Jar();
    const res = await api('/api/v1/auth/signup', { body: { email: uniqueEmail(), password: GOOD_PASSWORD, name: 'App' }, cookies: jar });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.accessToken).toBeUndefined();
    expect(body.refreshToken).toBeUndefined();
    const cookies = res.headers.getSetCookie();
    const at = cookies.find((c) => c.startsWith('__Host-at='))!;
    const rt = cookies.find((c) => c.startsWith('__Secure-rt='))!;
    for (const c of [at, rt]) expect(c).toMatch(/HttpOnly/i), expect(c).toMatch(/Secure/), expect(c).toMatch(/SameSite=Strict/);
    expect(at).toMatch(/Path=\/;|Path=\/$/);
    expect(rt).toMatch(/Path=\/api\/v1\/auth/);
    expect(cookies.find((c) => c.startsWith('__Host-csrf='))).not.toMatch(/HttpOnly/i);
    expect(body.csrf).toBe(jar.get('__Host-csrf'));
  });

  it('refreshes with rotation, then signs out one session and everywhere', async () => {
    const u = await signUp();
    const r1 = await api('/api/v1/auth/refresh', { body: { refreshToken: u.refreshToken } });
    expect(r1.status).toBe(200);
    const t1 = (await r1.json()) as { refreshToken: string; accessToken: string };
    expect(t1.refreshToken).not.toBe(u.refreshToken);
    const other = (await (await api('/api/v1/auth/signin', { body: { email: u.email, password: GOOD_PASSWORD, client: 'api' } })).json()) as { accessToken: string; refreshToken: string };
    const sessions = (await (await api('/api/v1/users/me/sessions', { token: t1.accessToken })).json()) as { current: boolean }[];
    expect(sessions.length).toBe(2);
    expect(sessions.filter((s) => s.current).length).toBe(1);
    expect((await api('/api/v1/auth/signout', { body: {}, token: t1.accessToken })).status).toBe(204);
    expect((await api('/api/v1/users/me', { token: t1.accessToken })).status).toBe(401);
    expect((await api('/api/v1/users/me', { token: other.accessToken })).status).toBe(200);
    expect((await api('/api/v1/auth/signout', { body: { everywhere: true }, token: other.accessToken })).status).toBe(204);
    expect((await api('/api/v1/users/me', { token: other.accessToken })).status).toBe(401);
    expect((await api('/api/v1/auth/refresh', { body: { refreshToken: other.refreshToken } })).status).toBe(401);
  });

  it('publishes its public key as a JWKS without the private part', async () => {
    const { keys } = (await (await SELF.fetch(`${ORIGIN}/api/v1/auth/jwks.json`)).json()) as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys[0]!.d).toBeUndefined();
  });
});

describe('preferences, live sync and personalization', () => {
  it('pushes a preference change from one session to the user’s other open sessions, not to other users', async () => {
    const a = await signUp();
    const a2 = (await (await api('/api/v1/auth/signin', { body: { email: a.email, password: GOOD_PASSWORD, client: 'api' } })).json()) as { accessToken: string };
    const b = await signUp();
    const sockA = await userSocket(await ticketFor(a2.accessToken), ORIGIN);
    const sockB = await userSocket(await ticketFor(b.accessToken));
    expect(sockA.res.status).toBe(101);
    await sockA.until((f) => f.length === 1);
    await sockB.until((f) => f.length === 1);
    expect(sockA.frames[0]).toMatchObject({ t: 'prefs', version: 0, prefs: { theme: 'dark' } });
    const watchlists = [{ id: 'main', name: 'Majors', symbols: ['BTC-USDT', 'ETH-USDT'] }];
    const res = await api('/api/v1/users/me/preferences', { method: 'PATCH', body: { base: 0, set: { watchlists, theme: 'light' } }, token: a.accessToken });
    expect(res.status).toBe(200);
    const pushed = (await sockA.until((f) => f.length === 2))[1] as { t: string; version: number; prefs: Preferences };
    expect(pushed.version).toBe(1);
    expect(pushed.prefs.watchlists).toEqual(watchlists);
    expect(pushed.prefs.theme).toBe('light');
    expect(pushed.prefs.timeZone).toBe('UTC');
    // A stale base is refused, not merged.
    expect((await api('/api/v1/users/me/preferences', { method: 'PATCH', body: { base: 0, set: { theme: 'dark' } }, token: a.accessToken })).status).toBe(409);
    await new Promise((r) => setTimeout(r, 50));
    expect(sockB.frames).toHaveLength(1);
    const got = (await (await api('/api/v1/users/me/preferences', { token: a2.accessToken })).json()) as { version: number; prefs: Preferences };
    expect(got).toEqual({ version: 1, prefs: pushed.prefs });
    sockA.ws!.close();
    sockB.ws!.close();
  });

  it('stores named workspace layouts beside older sections, and refuses one that repeats or invents a panel', async () => {
    const u = await signUp();
    const patch = (set: unknown) => api('/api/v1/users/me/preferences', { method: 'PATCH', body: { set }, token: u.accessToken });
    // a user whose preferences predate workspaces reads none
    expect(((await (await api('/api/v1/users/me/preferences', { token: u.accessToken })).json()) as { prefs: Preferences }).prefs.workspaces).toBeUndefined();
    const scalping = { id: 'scalping', name: 'Scalping', columns: [{ width: 1, panels: [{ id: 'watchlist' }] }, { width: 2, panels: [{ id: 'chart', height: 600 }, { id: 'ladder' }] }] };
    expect((await patch({ workspaces: [scalping], activeWorkspace: 'scalping' })).status).toBe(200);
    expect((await patch({ theme: 'light' })).status).toBe(200);
    const got = ((await (await api('/api/v1/users/me/preferences', { token: u.accessToken })).json()) as { version: number; prefs: Preferences });
    expect(got.version).toBe(2);
    expect(got.prefs.workspaces).toEqual([scalping]);
    expect(got.prefs.activeWorkspace).toBe('scalping');
    const twice = { ...scalping, columns: [{ width: 1, panels: [{ id: 'chart' }, { id: 'chart' }] }] };
    const unknown = { ...scalping, columns: [{ width: 1, panels: [{ id: 'orderentry' }] }] };
    for (const bad of [twice, unknown]) expect((await patch({ workspaces: [bad] })).status).toBe(400);
    expect((await patch({ activeWorkspace: '../etc' })).status).toBe(400);
  });

  it('tracks viewed instruments, ranks suggestions not yet on a watchlist, and clears on request', async () => {
    const u = await signUp();
    for (const s of ['SOL-USDT', 'ETH-USDT', 'SOL-USDT', 'BTC-USDT', 'SOL-USDT', 'ETH-USDT', 'XRP-USDT']) {
      expect((await api('/api/v1/users/me/views', { body: { symbol: s }, token: u.accessToken })).status).toBe(204);
    }
    await api('/api/v1/users/me/preferences', { method: 'PATCH', body: { set: { watchlists: [{ id: 'main', name: 'Main', symbols: ['BTC-USDT'] }] } }, token: u.accessToken });
    const sug = (await (await api('/api/v1/users/me/suggestions?limit=3', { token: u.accessToken })).json()) as Suggestion[];
    expect(sug.map((s) => [s.symbol, s.views])).toEqual([['SOL-USDT', 3], ['ETH-USDT', 2], ['XRP-USDT', 1]]);
    const tracked = (await (await api('/api/v1/users/me/tracked', { token: u.accessToken })).json()) as TrackedView[];
    expect(tracked.map((t) => t.symbol)).toEqual(['XRP-USDT', 'ETH-USDT', 'SOL-USDT', 'BTC-USDT', 'SOL-USDT', 'ETH-USDT', 'SOL-USDT']);
    expect(await (await api('/api/v1/users/me/tracked', { method: 'DELETE', token: u.accessToken })).json()).toEqual({ cleared: 7 });
    expect(await (await api('/api/v1/users/me/tracked', { token: u.accessToken })).json()).toEqual([]);
    expect(await (await api('/api/v1/users/me/suggestions', { token: u.accessToken })).json()).toEqual([]);
  });
});

describe('KYC workflow and audit trail', () => {
  it('moves unverified → submitted → rejected(reason) → submitted → verified, raising the tier limits, all recorded', async () => {
    const u = await signUp();
    const boss = await admin();
    expect(u.user.kyc.status).toBe('unverified');
    expect(u.user.limits).toEqual({ tier: 0, alerts: 5, apiPerMinute: 120 });
    const submit = () => api('/api/v1/users/me/kyc', { body: { legalName: 'Test Trader', country: 'DE', documentRef: 'passport-123' }, token: u.accessToken });
    expect(((await (await submit()).json()) as Profile).kyc.status).toBe('submitted');
    expect((await submit()).status).toBe(409);
    const queue = (await (await api('/api/v1/admin/kyc', { token: boss.accessToken })).json()) as { userId: string }[];
    expect(queue.map((q) => q.userId)).toContain(u.user.id);
    const rej = await api(`/api/v1/admin/kyc/${u.user.id}`, { body: { decision: 'rejected', reason: 'document unreadable' }, token: boss.accessToken });
    expect(((await rej.json()) as Profile).kyc).toMatchObject({ status: 'rejected', reason: 'document unreadable' });
    expect((await api(`/api/v1/admin/kyc/${u.user.id}`, { body: { decision: 'verified' }, token: boss.accessToken })).status).toBe(409);
    await submit();
    const ok = (await (await api(`/api/v1/admin/kyc/${u.user.id}`, { body: { decision: 'verified' }, token: boss.accessToken })).json()) as Profile;
    expect(ok.kyc.status).toBe('verified');
    expect(ok.limits).toEqual({ tier: 1, alerts: 100, apiPerMinute: 600 });
    const after = (await (await api('/api/v1/admin/kyc', { token: boss.accessToken })).json()) as { userId: string }[];
    expect(after.map((q) => q.userId)).not.toContain(u.user.id);
    const trail = (await (await api(`/api/v1/admin/audit?subject=${u.user.id}`, { token: boss.accessToken })).json()) as { type: string; actor: string }[];
    expect(trail.map((e) => e.type).reverse()).toEqual(['signup', 'kyc.submitted', 'kyc.rejected', 'kyc.submitted', 'kyc.verified']);
    expect(trail[0]!.actor).toBe(boss.user.id);
    expect(await (await api('/api/v1/admin/audit/verify', { token: boss.accessToken })).json()).toMatchObject({ ok: true });
  });

  it('holds an unverified account to its tier’s API rate (120/min), counted per account', async () => {
    const u = await signUp();
    const codes = new Map<number, number>();
    for (let i = 0; i < 121; i++) {
      const st = (await api('/api/v1/users/me', { token: u.accessToken })).status;
      codes.set(st, (codes.get(st) ?? 0) + 1);
    }
    expect(Object.fromEntries(codes)).toEqual({ 200: 120, 429: 1 });
    const res = await api('/api/v1/users/me', { token: u.accessToken });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await problemOf(res)).detail).toMatch(/120\/min for KYC tier 0/);
    // Another account is not slowed by this one.
    expect((await api('/api/v1/users/me', { token: (await signUp()).accessToken })).status).toBe(200);
  });

  it('records a role change, and a demoted admin loses admin routes on the next request', async () => {
    const boss = await admin();
    const u = await signUp();
    const up = await api(`/api/v1/admin/users/${u.user.id}/roles`, { method: 'PUT', body: { roles: ['trader', 'admin'] }, token: boss.accessToken });
    expect(((await up.json()) as Profile).roles).toEqual(['admin', 'trader']);
    expect((await api('/api/v1/admin/kyc', { token: u.accessToken })).status).toBe(200);
    await api(`/api/v1/admin/users/${u.user.id}/roles`, { method: 'PUT', body: { roles: ['trader'] }, token: boss.accessToken });
    expect((await api('/api/v1/admin/kyc', { token: u.accessToken })).status).toBe(403);
    const entries = await auditStub(env).list({ subject: u.user.id });
    expect(entries.filter((e) => e.type === 'role.change').map((e) => JSON.parse(e.data) as { to: string[] })).toEqual([{ from: ['admin', 'trader'], to: ['trader'] }, { from: ['trader'], to: ['trader', 'admin'] }]);
  });
});
