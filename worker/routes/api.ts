import { Hono } from 'hono';
import type { AppEnv } from '../middleware/auth';
import { originGuard } from '../middleware/auth';
import { limitBody } from '../middleware/security';
import { configuredSymbols } from '../config';
import { startFeeds } from '../objects/stubs';
import { adminRoutes } from './admin';
import { authRoutes } from './auth';
import { historyRoutes } from './history';
import { instruments } from './instruments';
import { ticketRoutes, userRoutes } from './users';

export const apiRoutes = new Hono<AppEnv>()
  .use('*', originGuard, limitBody)
  .get('/status', async (c) => {
    const started = await startFeeds(c.env);
    const feeds = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    return c.json({ mode: c.env.FEED_MODE === 'replay' ? 'replay' : 'live', symbols: configuredSymbols(c.env), feeds });
  })
  .route('/auth', authRoutes)
  .route('/users', userRoutes)
  .route('/ws-ticket', ticketRoutes)
  .route('/admin', adminRoutes)
  .get('/instruments', async (c) => c.json({ instruments: await instruments(c.env) }))
  .route('/', historyRoutes);
