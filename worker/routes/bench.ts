import { Hono } from 'hono';
import type { FeedStatus, MarketEvent } from '../../shared/market/types';
import { hubStub, relayStub } from '../objects/stubs';

/**
 * `/api/bench`, answered only with BENCH=on (the edge fan-out benchmark's stack): synthetic ingest into one
 * hub through the same RPC a feed uses, and a relay's hop traces. Anywhere else it does not exist.
 */
export const benchRoutes = new Hono<{ Bindings: Env }>()
  .use('*', async (c, next) => {
    if (c.env.BENCH !== 'on') return c.notFound();
    await next();
  })
  .post('/ingest/:symbol', async (c) => {
    const { events, feed } = await c.req.json<{ events: MarketEvent[]; feed: FeedStatus }>();
    const now = Date.now();
    return c.json(await hubStub(c.env, c.req.param('symbol')).ingest(events, feed, { recv: now, feedSend: now }));
  })
  .get('/hops/:relay', async (c) => c.json(await relayStub(c.env, c.req.param('relay')).hops()));
