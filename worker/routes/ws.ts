import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { configuredSymbols } from '../config';
import { wsOriginGuard } from '../middleware/ws-guard';
import { hubStub, startFeeds } from '../objects/stubs';

/**
 * `/ws?symbol=BTC-USDT`: the browser's socket, handed to the instrument's hub. Market data is public, so
 * no ticket is needed here (the user channel, /ws/user, requires one); the Origin check still applies.
 */
export const wsRoutes = new Hono<{ Bindings: Env }>().get('/', wsOriginGuard, async (c) => {
  const symbols = configuredSymbols(c.env);
  const symbol = c.req.query('symbol') ?? symbols[0];
  if (!symbol || !symbols.includes(symbol)) throw new HTTPException(404, { message: `unknown symbol ${symbol ?? ''}` });
  // A viewer is the reason to have a feed: make sure it runs (idempotent; its alarm keeps it alive).
  c.executionCtx.waitUntil(startFeeds(c.env));
  const url = new URL(c.req.url);
  url.searchParams.set('symbol', symbol);
  return hubStub(c.env, symbol).fetch(new Request(url, c.req.raw));
});
