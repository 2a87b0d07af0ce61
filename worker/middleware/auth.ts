import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Profile, Role } from '../../shared/account/schema';
import { constantTimeEqual } from '../auth/bytes';
import { ACCESS_COOKIE, cookie, CSRF_COOKIE, CSRF_HEADER } from '../auth/cookies';
import { verifyAccessToken } from '../auth/tokens';
import { accountStub } from '../objects/stubs';
import { problem } from './errors';

export interface Auth { userId: string; sid: string; via: 'cookie' | 'bearer'; profile: Profile }
export type AppEnv = { Bindings: Env; Variables: { auth: Auth } };

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** This deployment's own origin plus any listed in APP_ORIGINS (a separately hosted app). */
export function allowedOrigin(c: Context<{ Bindings: Env }>, origin: string): boolean {
  if (origin === new URL(c.req.url).origin) return true;
  return (c.env.APP_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean).includes(origin);
}

/**
 * Cross-site requests never change state: a browser names the page that sent an unsafe request in
 * Origin, and a foreign one is refused before any handler (covers sign-in and sign-up, i.e. login CSRF).
 * Clients without Origin are not browsers, and carry no ambient cookies worth forging.
 */
export const originGuard: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const origin = c.req.header('origin');
  if (UNSAFE.has(c.req.method) && origin !== undefined && !allowedOrigin(c, origin)) throw problem(403, `cross-origin request from ${origin} refused`);
  await next();
};

/** Double submit: a cookie-authenticated change must echo the CSRF cookie, which another site cannot read. */
export function requireCsrf(c: Context): void {
  const sent = c.req.header(CSRF_HEADER) ?? '';
  const expected = cookie(c, CSRF_COOKIE) ?? '';
  if (!expected || !constantTimeEqual(sent, expected)) throw problem(403, `missing or wrong ${CSRF_HEADER} header`);
}

const unauthorized = (detail: string) => problem(401, detail, { 'www-authenticate': 'Bearer realm="edgetape", error="invalid_token"' });

/**
 * Who is calling: a bearer access token (API clients) or the access cookie (the app). Cookie callers must
 * also echo the CSRF cookie in a header on unsafe methods. The user's object then confirms the session
 * is still live and within the tier's rate, and supplies the current roles (a demotion is immediate).
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization');
  const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const token = bearer ?? cookie(c, ACCESS_COOKIE);
  if (!token) throw unauthorized('sign in first: no access token');
  const claims = await verifyAccessToken(c.env, token);
  if (!claims) throw unauthorized('the access token is invalid or expired');
  const via = bearer ? 'bearer' : 'cookie';
  if (via === 'cookie' && UNSAFE.has(c.req.method)) requireCsrf(c);
  const gate = await accountStub(c.env, claims.sub).gate(claims.sid);
  if (!gate.ok) throw gate.status === 429 ? problem(429, gate.detail, { 'retry-after': String(gate.retryAfterS ?? 60) }) : unauthorized(gate.detail);
  c.set('auth', { userId: claims.sub, sid: claims.sid, via, profile: gate.profile });
  await next();
});

export const requireRole = (role: Role) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!c.var.auth.profile.roles.includes(role)) throw problem(403, `this needs the ${role} role`);
    await next();
  });

/**
 * The one authorization rule for per-user resources: `/users/:userId/...` is reachable only by that user
 * (`me` names oneself). Mounted on the whole prefix, it also covers routes added later (portfolio, alerts).
 */
export const requireOwner = createMiddleware<AppEnv>(async (c, next) => {
  const id = c.req.param('userId');
  if (id !== 'me' && id !== c.var.auth.userId) throw problem(403, 'this resource belongs to another user');
  await next();
});
