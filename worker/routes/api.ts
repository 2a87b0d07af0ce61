import { Hono } from 'hono';
import { configuredSymbols, feedStub } from '../objects/stubs';
import { historyRoutes } from './history';
import { instruments } from './instruments';

export const apiRoutes = new Hono<{ Bindings: Env }>()
  .get('/status', async (c) => {
    const feed = await feedStub(c.env, 'binance').start('binance');
    return c.json({ mode: c.env.FEED_MODE === 'replay' ? 'replay' : 'live', symbols: configuredSymbols(c.env), feeds: [feed] });
  })
  .get('/instruments', (c) => c.json({ instruments: instruments(c.env) }))
  .route('/', historyRoutes);
