import { Hono } from 'hono';
import { z } from 'zod';
import { KycSubmission, PreferencesPatch, ViewBody } from '../../shared/account/schema';
import { authenticate, requireOwner, type AppEnv } from '../middleware/auth';
import { problem } from '../middleware/errors';
import { valid } from '../middleware/validate';
import { accountStub } from '../objects/stubs';
import { alertRoutes } from './alerts';
import { portfolioRoutes } from './portfolio';

/**
 * `/users/:userId/…` (`me` for oneself): everything that belongs to one person. `requireOwner` on the
 * whole prefix is the single authorization rule, so routes added here later (portfolio, alerts) inherit it.
 */
export const userRoutes = new Hono<AppEnv>()
  // `/:userId/*` also matches `/:userId` itself: one pass through authentication per request.
  .use('/:userId/*', authenticate, requireOwner)
  .get('/:userId', (c) => c.json(c.var.auth.profile))
  .get('/:userId/preferences', async (c) => c.json(await accountStub(c.env, c.var.auth.userId).preferences()))
  .patch('/:userId/preferences', valid('json', PreferencesPatch), async (c) => {
    const r = await accountStub(c.env, c.var.auth.userId).updatePreferences(c.req.valid('json'), c.var.auth.sid);
    if (!r.ok) throw problem(409, `preferences changed elsewhere (now version ${r.version}); reload and apply again`);
    return c.json({ version: r.version, prefs: r.prefs });
  })
  .get('/:userId/sessions', async (c) => c.json(await accountStub(c.env, c.var.auth.userId).sessions(c.var.auth.sid)))
  .get('/:userId/tracked', async (c) => c.json(await accountStub(c.env, c.var.auth.userId).tracked()))
  .delete('/:userId/tracked', async (c) => c.json({ cleared: await accountStub(c.env, c.var.auth.userId).clearTracked() }))
  .post('/:userId/views', valid('json', ViewBody), async (c) => {
    await accountStub(c.env, c.var.auth.userId).trackView(c.req.valid('json').symbol);
    return c.body(null, 204);
  })
  .get('/:userId/suggestions', valid('query', z.object({ limit: z.coerce.number().int().min(1).max(20).default(5) })), async (c) =>
    c.json(await accountStub(c.env, c.var.auth.userId).suggestions(c.req.valid('query').limit)))
  .post('/:userId/kyc', valid('json', KycSubmission), async (c) => {
    const r = await accountStub(c.env, c.var.auth.userId).submitKyc(c.req.valid('json'));
    if (r === 'not-allowed') throw problem(409, 'KYC is already submitted or verified');
    return c.json(r);
  })
  .route('/:userId/portfolio', portfolioRoutes)
  .route('/:userId/alerts', alertRoutes);

/** POST /ws-ticket: a single-use, 30-second ticket for the user channel (/ws/user?ticket=…). */
export const ticketRoutes = new Hono<AppEnv>().post('/', authenticate, async (c) =>
  c.json({ ticket: await accountStub(c.env, c.var.auth.userId).issueTicket(c.var.auth.sid), expiresIn: 30 }));
