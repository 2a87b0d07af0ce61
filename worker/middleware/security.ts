import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { API_CSP, COMMON_HEADERS } from '../../shared/security/headers';
import { problem } from './errors';

/** Security headers on every Worker response (errors included); the static app gets the same set from dist/_headers. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  if (c.res.status === 101) return;
  // A response from a Durable Object has immutable headers; a copy can take ours.
  c.res = new Response(c.res.body, c.res);
  for (const [k, v] of Object.entries(COMMON_HEADERS)) c.res.headers.set(k, v);
  c.res.headers.set('Content-Security-Policy', API_CSP);
  c.res.headers.set('Cache-Control', c.res.headers.get('Cache-Control') ?? 'no-store');
};

/** No API body is larger than a full preferences document; 64 KiB leaves room and stops memory abuse. */
export const MAX_BODY = 64 * 1024;
/** A fills CSV is the one large body: 8 MiB holds about 100,000 fills. */
export const MAX_IMPORT_BODY = 8 * 1024 * 1024;
const limit = (max: number) => bodyLimit({ maxSize: max, onError: () => { throw problem(413, `request body exceeds ${max} bytes`); } });
const small = limit(MAX_BODY);
const large = limit(MAX_IMPORT_BODY);
export const limitBody: MiddlewareHandler = (c, next) => (c.req.method === 'POST' && c.req.path.endsWith('/portfolio/fills/import') ? large : small)(c, next);
