import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { RefreshBody, SignIn, SignUp, type Profile, type Role } from '../../shared/account/schema';
import { clearSessionCookies, cookie, REFRESH_COOKIE, setSessionCookies } from '../auth/cookies';
import { signingKeys, userIdFor } from '../auth/keys';
import { authorizationUrl, decodeTx, encodeTx, oidcConfigured, redeem, stateMatches } from '../auth/oidc';
import { burnPasswordCheck, passwordProblem } from '../auth/passwords';
import type { PolicyName } from '../auth/throttle';
import { ACCESS_TTL_S, opaqueOwner, signAccessToken } from '../auth/tokens';
import { authenticate, requireCsrf, type AppEnv } from '../middleware/auth';
import { problem } from '../middleware/errors';
import { valid } from '../middleware/validate';
import type { AuditInput } from '../objects/AuditLog';
import type { SessionMeta } from '../objects/UserAccount';
import { accountStub, auditStub, throttleStub } from '../objects/stubs';

type C = Context<AppEnv>;
const OIDC_COOKIE = 'oidc';
const OIDC_PATH = '/api/v1/auth/oidc';

const clientIp = (c: C): string => c.req.header('cf-connecting-ip') ?? 'unknown';
const meta = (c: C): SessionMeta => ({ userAgent: c.req.header('user-agent') ?? '', ip: clientIp(c) });
const audit = (c: C, e: AuditInput) => auditStub(c.env).append(e);
const rolesFor = (env: Env, email: string | null): Role[] =>
  email && (env.ADMIN_EMAILS ?? '').split(',').map((s) => s.trim().toLowerCase()).includes(email) ? ['admin', 'trader'] : ['trader'];

/** Refuses while any of the keys is locked out, saying for how long. */
async function throttled(c: C, keys: string[]): Promise<void> {
  const waits = await Promise.all(keys.map((k) => throttleStub(c.env, k).check()));
  const wait = Math.max(...waits);
  if (wait > 0) throw problem(429, `too many attempts; try again in ${Math.ceil(wait / 1000)} s`, { 'retry-after': String(Math.ceil(wait / 1000)) });
}
const fail = (c: C, keys: [string, PolicyName][]) => Promise.all(keys.map(([k, p]) => throttleStub(c.env, k).fail(p)));

/**
 * Answers a signed-in user: the app gets cookies (its JS never sees a token), API clients get both
 * tokens in the body and no cookies.
 */
async function issue(c: C, client: 'app' | 'api', profile: Profile, sid: string, refreshToken: string, status: 200 | 201 = 200) {
  const accessToken = await signAccessToken(c.env, { sub: profile.id, sid, roles: profile.roles, kyc: profile.kyc.status });
  if (client === 'api') return c.json({ user: profile, accessToken, refreshToken, tokenType: 'Bearer', expiresIn: ACCESS_TTL_S }, status);
  const csrf = setSessionCookies(c, accessToken, refreshToken);
  return c.json({ user: profile, csrf, expiresIn: ACCESS_TTL_S }, status);
}

const redirectUri = (c: C): string => `${new URL(c.req.url).origin}${OIDC_PATH}/callback`;

export const authRoutes = new Hono<AppEnv>()
  .post('/signup', valid('json', SignUp), async (c) => {
    const { email, password, name, client } = c.req.valid('json');
    const ipKey = `signup:${clientIp(c)}`;
    await throttled(c, [ipKey]);
    await fail(c, [[ipKey, 'signup']]); // every sign-up counts against the address
    const weak = passwordProblem(password, [email.split('@')[0]!, ...name.split(/\s+/)]);
    if (weak) throw problem(400, weak);
    const id = await userIdFor(c.env, `email:${email}`);
    const account = accountStub(c.env, id);
    if (!(await account.register({ id, email, name, provider: 'password', password, roles: rolesFor(c.env, email) }))) {
      throw problem(409, 'an account with this email already exists; sign in instead');
    }
    const { sid, refreshToken } = await account.openSession(meta(c));
    return issue(c, client, (await account.profile())!, sid, refreshToken, 201);
  })

  .post('/signin', valid('json', SignIn), async (c) => {
    const { email, password, client } = c.req.valid('json');
    const id = await userIdFor(c.env, `email:${email}`);
    const keys = [`ip:${clientIp(c)}`, `acct:${id}`];
    try {
      await throttled(c, keys);
    } catch (err) {
      await audit(c, { type: 'signin.locked', actor: clientIp(c), subject: id });
      throw err;
    }
    const account = accountStub(c.env, id);
    const result = await account.checkPassword(password);
    if (result === 'none') await burnPasswordCheck(password);
    if (result !== 'ok') {
      await fail(c, [[keys[0]!, 'ip'], [keys[1]!, 'account']]);
      await audit(c, { type: 'signin.failure', actor: clientIp(c), subject: id, data: { known: result !== 'none' } });
      throw problem(401, 'the email or the password is wrong');
    }
    await throttleStub(c.env, keys[1]!).reset();
    const { sid, refreshToken } = await account.openSession(meta(c));
    await audit(c, { type: 'signin.success', actor: id, subject: id, data: { ip: clientIp(c), sid } });
    return issue(c, client, (await account.profile())!, sid, refreshToken);
  })

  /** Rotates the refresh token: the old one is spent; presenting a spent one ends its whole family. */
  .post('/refresh', valid('json', RefreshBody), async (c) => {
    const fromBody = c.req.valid('json').refreshToken;
    const token = fromBody ?? cookie(c, REFRESH_COOKIE);
    const owner = opaqueOwner('rt', token);
    if (!owner || !token) throw problem(401, 'no valid refresh token');
    if (!fromBody) requireCsrf(c);
    const r = await accountStub(c.env, owner).refresh(token, meta(c));
    if (!r.ok) {
      if (!fromBody) clearSessionCookies(c);
      throw problem(401, r.reason === 'reused' ? 'this refresh token was already used; the session has been ended everywhere it was used' : `refresh token ${r.reason}`);
    }
    return issue(c, fromBody ? 'api' : 'app', r.profile, r.sid, r.refreshToken);
  })

  .post('/signout', authenticate, valid('json', z.strictObject({ everywhere: z.boolean().default(false) })), async (c) => {
    const { userId, sid } = c.var.auth;
    await accountStub(c.env, userId).signOut(sid, c.req.valid('json').everywhere);
    clearSessionCookies(c);
    return c.body(null, 204);
  })

  /** Public keys for API clients that verify access tokens themselves. */
  .get('/jwks.json', async (c) => {
    const { publicJwk } = await signingKeys(c.env);
    return c.json({ keys: [publicJwk] }, 200, { 'cache-control': 'public, max-age=300' });
  })

  .get('/providers', (c) => c.json({ oidc: oidcConfigured(c.env) ? { name: c.env.OIDC_NAME || 'Single sign-on', start: `${OIDC_PATH}/start` } : null }))

  .get('/oidc/start', async (c) => {
    if (!oidcConfigured(c.env)) throw problem(404, 'no OpenID Connect provider is configured');
    const { url, tx } = await authorizationUrl(c.env, redirectUri(c));
    setCookie(c, OIDC_COOKIE, encodeTx(tx), { prefix: 'secure', httpOnly: true, secure: true, sameSite: 'Lax', path: OIDC_PATH, maxAge: 600 });
    return c.redirect(url, 302);
  })

  .get('/oidc/callback', valid('query', z.object({ code: z.string().min(1).max(2048).optional(), state: z.string().max(512).optional(), error: z.string().max(200).optional() })), async (c) => {
    const q = c.req.valid('query');
    const tx = decodeTx(getCookie(c, OIDC_COOKIE, 'secure'));
    deleteCookie(c, OIDC_COOKIE, { prefix: 'secure', path: OIDC_PATH, secure: true });
    if (q.error) throw problem(400, `the provider refused: ${q.error}`);
    if (!tx || !q.state || !stateMatches(tx, q.state)) throw problem(400, 'sign-in state does not match this browser; start again');
    if (!q.code) throw problem(400, 'the provider sent no authorization code');
    let claims;
    try {
      claims = await redeem(c.env, tx, q.code, redirectUri(c));
    } catch (err) {
      await audit(c, { type: 'signin.failure', actor: clientIp(c), subject: 'oidc', data: { reason: (err as Error).message.slice(0, 200) } });
      throw problem(401, 'the provider’s answer could not be verified');
    }
    const id = await userIdFor(c.env, `oidc:${claims.iss}|${claims.sub}`);
    const email = typeof claims.email === 'string' ? claims.email.toLowerCase().slice(0, 254) : null;
    const name = (typeof claims.name === 'string' && claims.name.trim()) || email || claims.sub;
    const account = accountStub(c.env, id);
    await account.register({ id, email, name: name.slice(0, 80), provider: 'oidc', roles: ['trader'] });
    const { sid, refreshToken } = await account.openSession(meta(c));
    await audit(c, { type: 'signin.oidc', actor: id, subject: id, data: { iss: claims.iss, ip: clientIp(c), sid } });
    const profile = (await account.profile())!;
    const accessToken = await signAccessToken(c.env, { sub: id, sid, roles: profile.roles, kyc: profile.kyc.status });
    setSessionCookies(c, accessToken, refreshToken);
    return c.redirect('/#/account', 302);
  });
