import { Hono } from 'hono';
import type { AppEnv } from '../middleware/auth';
import { originGuard } from '../middleware/auth';
import { limitBody } from '../middleware/security';
import { configuredSymbols, feedStub } from '../objects/stubs';
import { adminRoutes } from './admin';
import { authRoutes } from './auth';
import { ticketRoutes, userRoutes } from './users';

export const apiRoutes = new Hono<AppEnv>()
  .use('*', originGuard, limitBody)
  .get('/status', async (c) => {
    const feed = await feedStub(c.env, 'binance').start('binance');
    return c.json({ mode: c.env.FEED_MODE === 'replay' ? 'replay' : 'live', symbols: configuredSymbols(c.env), feeds: [feed] });
  })
  .route('/auth', authRoutes)
  .route('/users', userRoutes)
  .route('/ws-ticket', ticketRoutes)
  .route('/admin', adminRoutes);
