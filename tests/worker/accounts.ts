import { SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import type { Profile } from '../../shared/account/schema';

export const ORIGIN = 'http://edge.test';
export const GOOD_PASSWORD = 'orderbook depth at dawn 42';

export interface Call { method?: string; body?: unknown; raw?: BodyInit; token?: string; cookies?: Jar; headers?: Record<string, string>; ip?: string }

/** The Worker as an API client or a browser sees it; `cookies` plays the browser's cookie jar. */
export async function api(path: string, o: Call = {}): Promise<Response> {
  const headers: Record<string, string> = { 'cf-connecting-ip': o.ip ?? '198.51.100.7', ...o.headers };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.cookies) headers.cookie = o.cookies.header();
  const res = await SELF.fetch(`${ORIGIN}${path}`, {
    method: o.method ?? (o.body !== undefined || o.raw !== undefined ? 'POST' : 'GET'),
    headers, body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)), redirect: 'manual',
  });
  o.cookies?.take(res);
  return res;
}

export class Jar {
  private jar = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, i), pair!.slice(i + 1)];
      if (/max-age=0/i.test(line) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }
  get(name: string): string | undefined {
    return this.jar.get(name);
  }
  header(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

let n = 0;
export const uniqueEmail = (tag = 'trader') => `${tag}.${Date.now().toString(36)}.${n++}@edgetape.test`;
/** A fresh client address, so the per-address sign-up limit only bites where a test means it to. */
export const uniqueIp = () => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n++ & 255}`;

export interface ApiUser { user: Profile; accessToken: string; refreshToken: string; email: string }

/** Signs up through the API (bearer client) and returns its tokens. */
export async function signUp(email = uniqueEmail(), name = 'Test Trader', ip = uniqueIp()): Promise<ApiUser> {
  const res = await api('/api/v1/auth/signup', { body: { email, password: GOOD_PASSWORD, name, client: 'api' }, ip });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  return { ...((await res.json()) as Omit<ApiUser, 'email'>), email };
}

export async function signUpApp(email = uniqueEmail()): Promise<{ jar: Jar; csrf: string; user: Profile }> {
  const jar = new Jar();
  const res = await api('/api/v1/auth/signup', { body: { email, password: GOOD_PASSWORD, name: 'App Trader' }, cookies: jar, headers: { origin: ORIGIN }, ip: uniqueIp() });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrf: string; user: Profile };
  return { jar, csrf: body.csrf, user: body.user };
}

/** The admin comes from ADMIN_EMAILS (set in tests/worker/vitest.config.ts); signs in if already signed up. */
export async function admin(): Promise<ApiUser> {
  const email = 'admin@edgetape.test';
  const up = await api('/api/v1/auth/signup', { body: { email, password: GOOD_PASSWORD, name: 'Ada Admin', client: 'api' }, ip: '203.0.113.200' });
  if (up.status === 201) return { ...((await up.json()) as Omit<ApiUser, 'email'>), email };
  const res = await api('/api/v1/auth/signin', { body: { email, password: GOOD_PASSWORD, client: 'api' }, ip: '203.0.113.200' });
  if (res.status !== 200) throw new Error(`admin sign-in failed: ${res.status} ${await res.text()}`);
  return { ...((await res.json()) as Omit<ApiUser, 'email'>), email };
}

export async function problemOf(res: Response): Promise<{ status: number; detail: string; type: string }> {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as { status: number; detail: string; type: string };
}

/** A user-channel socket (optionally with a ticket/origin); resolves with the upgrade response and a frame log. */
export async function userSocket(ticket?: string, origin?: string) {
  const headers: Record<string, string> = { upgrade: 'websocket' };
  if (origin) headers.origin = origin;
  const res = await SELF.fetch(`${ORIGIN}/ws/user${ticket ? `?ticket=${encodeURIComponent(ticket)}` : ''}`, { headers });
  const frames: unknown[] = [];
  const ws = res.webSocket;
  if (ws) {
    ws.accept();
    ws.addEventListener('message', (e) => frames.push(JSON.parse(e.data as string)));
  }
  const until = async (pred: (f: unknown[]) => boolean, ms = 5000) => {
    // performance.now(): a test may hold Date.now still to drive the objects' clocks.
    const end = performance.now() + ms;
    while (!pred(frames)) {
      if (performance.now() > end) throw new Error(`condition not met; frames: ${JSON.stringify(frames.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return frames;
  };
  return { res, ws, frames, until };
}

export async function ticketFor(token: string): Promise<string> {
  const res = await api('/api/v1/ws-ticket', { method: 'POST', token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { ticket: string }).ticket;
}

/**
 * The browser's side of the OpenID Connect flow against the local provider: start → provider → callback.
 * `tamper` may change the login cookie or the callback URL on the way, as an attacker would.
 */
export async function oidcSignIn(tamper: { cookie?: (v: string) => string; callback?: (u: URL) => void } = {}) {
  const jar = new Jar();
  const start = await api('/api/v1/auth/oidc/start', { cookies: jar });
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location')!);
  const atProvider = await fetch(authorize, { redirect: 'manual' });
  expect(atProvider.status).toBe(302);
  const callback = new URL(atProvider.headers.get('location')!);
  tamper.callback?.(callback);
  if (tamper.cookie) {
    const name = '__Secure-oidc';
    const v = jar.get(name)!;
    jar.take(new Response(null, { headers: { 'set-cookie': `${name}=${tamper.cookie(v)}; Path=/` } }));
  }
  const done = await api(`${callback.pathname}${callback.search}`, { cookies: jar });
  return { jar, authorize, callback, done };
}

/** The login transaction inside the OIDC cookie, to show what an attacker would change. */
export const editTx = (v: string, edit: (tx: Record<string, unknown>) => void): string => {
  const tx = JSON.parse(atob(v.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  edit(tx);
  return btoa(JSON.stringify(tx)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
