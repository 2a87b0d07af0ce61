import { createMiddleware } from 'hono/factory';
import { allowedOrigin } from './auth';
import { problem } from './errors';

/**
 * Every WebSocket upgrade: a browser page from a foreign origin is refused (cross-site WebSocket
 * hijacking); clients that send no Origin are not browsers. Anonymous market data (/ws) needs nothing more.
 */
export const wsOriginGuard = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw problem(426, 'expected a WebSocket upgrade');
  const origin = c.req.header('origin');
  if (origin !== undefined && !allowedOrigin(c, origin)) throw problem(403, `WebSocket from origin ${origin} refused`);
  await next();
});
