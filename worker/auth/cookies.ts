import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { randomToken } from './bytes';
import { ACCESS_TTL_S, REFRESH_TTL_MS } from './tokens';

/**
 * The app's credentials: the access JWT for every path (`__Host-` pins it to this origin), the refresh
 * token only for /api/v1/auth, both HttpOnly + Secure + SameSite=Strict; and a readable CSRF token the
 * app echoes in `x-csrf-token` on every state-changing request (double submit).
 */
export const ACCESS_COOKIE = '__Host-at';
export const REFRESH_COOKIE = '__Secure-rt';
export const CSRF_COOKIE = '__Host-csrf';
export const CSRF_HEADER = 'x-csrf-token';
const REFRESH_PATH = '/api/v1/auth';

export function setSessionCookies(c: Context, accessToken: string, refreshToken: string): string {
  const csrf = randomToken(18);
  setCookie(c, 'at', accessToken, { prefix: 'host', httpOnly: true, secure: true, sameSite: 'Strict', path: '/', maxAge: ACCESS_TTL_S });
  setCookie(c, 'rt', refreshToken, { prefix: 'secure', httpOnly: true, secure: true, sameSite: 'Strict', path: REFRESH_PATH, maxAge: REFRESH_TTL_MS / 1000 });
  setCookie(c, 'csrf', csrf, { prefix: 'host', httpOnly: false, secure: true, sameSite: 'Strict', path: '/', maxAge: REFRESH_TTL_MS / 1000 });
  return csrf;
}

export function clearSessionCookies(c: Context): void {
  deleteCookie(c, 'at', { prefix: 'host', path: '/', secure: true });
  deleteCookie(c, 'rt', { prefix: 'secure', path: REFRESH_PATH, secure: true });
  deleteCookie(c, 'csrf', { prefix: 'host', path: '/', secure: true });
}

export const cookie = (c: Context, name: string): string | undefined => getCookie(c, name);
