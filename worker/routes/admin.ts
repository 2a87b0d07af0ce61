import { Hono } from 'hono';
import { z } from 'zod';
import { KycDecision, RolesBody } from '../../shared/account/schema';
import { authenticate, requireRole, type AppEnv } from '../middleware/auth';
import { problem } from '../middleware/errors';
import { valid } from '../middleware/validate';
import { accountStub, auditStub } from '../objects/stubs';

const UserParam = z.object({ userId: z.string().regex(/^u_[A-Za-z0-9_-]{22}$/, 'a user id') });

/** Admin only: the KYC queue and decisions, role changes, and the audit trail with its chain check. */
export const adminRoutes = new Hono<AppEnv>()
  .use('*', authenticate, requireRole('admin'))
  .get('/kyc', async (c) => c.json(await auditStub(c.env).kycQueue()))
  .post('/kyc/:userId', valid('param', UserParam), valid('json', KycDecision), async (c) => {
    const d = c.req.valid('json');
    const r = await accountStub(c.env, c.req.valid('param').userId).decideKyc(d.decision, d.decision === 'rejected' ? d.reason : null, c.var.auth.userId);
    if (r === null) throw problem(404, 'no such user');
    if (r === 'not-submitted') throw problem(409, 'only a submitted KYC application can be decided');
    return c.json(r);
  })
  .put('/users/:userId/roles', valid('param', UserParam), valid('json', RolesBody), async (c) => {
    const r = await accountStub(c.env, c.req.valid('param').userId).setRoles(c.req.valid('json').roles, c.var.auth.userId);
    if (!r) throw problem(404, 'no such user');
    return c.json(r);
  })
  .get('/audit', valid('query', z.object({ subject: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) })), async (c) =>
    c.json(await auditStub(c.env).list(c.req.valid('query'))))
  .get('/audit/verify', async (c) => c.json(await auditStub(c.env).verify()));
