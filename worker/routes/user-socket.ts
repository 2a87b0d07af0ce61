import { Hono } from 'hono';
import { opaqueOwner } from '../auth/tokens';
import { problem } from '../middleware/errors';
import { wsOriginGuard } from '../middleware/ws-guard';
import { accountStub, portfolioStub } from '../objects/stubs';
import { TICKET_REFUSED } from '../objects/UserAccount';

/**
 * `/ws/user?ticket=…`: the signed-in user's channel (preferences pushed live to all their sessions).
 * Browsers cannot set headers on a WebSocket and a token in a URL ends up in logs, so it takes a
 * single-use ticket from POST /api/v1/ws-ticket; the ticket names the user's object, which consumes it.
 */
const ticketOwner = (ticket: string | undefined): string => {
  const owner = opaqueOwner('wt', ticket);
  if (!owner) throw problem(401, 'a WebSocket ticket is required: POST /api/v1/ws-ticket, then connect with ?ticket=');
  return owner;
};

export const userSocketRoutes = new Hono<{ Bindings: Env }>()
  .get('/', wsOriginGuard, async (c) => accountStub(c.env, ticketOwner(c.req.query('ticket'))).fetch(c.req.raw))
  /**
   * `/ws/user/alerts?ticket=…`: the notification channel. Every unacknowledged firing on connect (so a
   * firing pending while the page was closed arrives on return), new ones live, `{"t":"ack",alertId,n}` back.
   */
  .get('/alerts', wsOriginGuard, async (c) => {
    const owner = ticketOwner(c.req.query('ticket'));
    if (!(await accountStub(c.env, owner).redeemTicket(c.req.query('ticket')!))) throw problem(401, TICKET_REFUSED);
    return portfolioStub(c.env, owner).fetch(c.req.raw);
  });
