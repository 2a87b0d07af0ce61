import { Hono } from 'hono';
import { opaqueOwner } from '../auth/tokens';
import { problem } from '../middleware/errors';
import { wsOriginGuard } from '../middleware/ws-guard';
import { accountStub } from '../objects/stubs';

/**
 * `/ws/user?ticket=…`: the signed-in user's channel (preferences pushed live to all their sessions).
 * Browsers cannot set headers on a WebSocket and a token in a URL ends up in logs, so it takes a
 * single-use ticket from POST /api/v1/ws-ticket; the ticket names the user's object, which consumes it.
 */
export const userSocketRoutes = new Hono<{ Bindings: Env }>().get('/', wsOriginGuard, async (c) => {
  const owner = opaqueOwner('wt', c.req.query('ticket'));
  if (!owner) throw problem(401, 'a WebSocket ticket is required: POST /api/v1/ws-ticket, then connect with ?ticket=');
  return accountStub(c.env, owner).fetch(c.req.raw);
});
