import { Hono } from 'hono';
import { configuredSymbols } from '../config';
import { startFeeds } from '../objects/stubs';

export const apiRoutes = new Hono<{ Bindings: Env }>().get('/status', async (c) => {
  const started = await startFeeds(c.env);
  const feeds = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  return c.json({ mode: c.env.FEED_MODE === 'replay' ? 'replay' : 'live', symbols: configuredSymbols(c.env), feeds });
});
