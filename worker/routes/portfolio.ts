import { Hono } from 'hono';
import { ManualFill, PortfolioQuery, PortfolioSettings } from '../../shared/risk/schema';
import { MAX_FILL_ROWS } from '../../shared/risk/fills';
import type { AppEnv } from '../middleware/auth';
import { problem } from '../middleware/errors';
import { valid } from '../middleware/validate';
import { portfolioStub } from '../objects/stubs';

/**
 * `/users/:userId/portfolio` (behind `requireOwner`): positions under FIFO or average cost, P&L marked to
 * each instrument's live consolidated mid, exposure, concentration, equity curve and drawdown; fills by hand
 * or from a CSV that is imported whole or not at all.
 */
export const portfolioRoutes = new Hono<AppEnv>()
  .get('/', valid('query', PortfolioQuery), async (c) => c.json(await portfolioStub(c.env, c.var.auth.userId).report(c.req.valid('query').method)))
  .get('/fills', async (c) => c.json(await portfolioStub(c.env, c.var.auth.userId).fills()))
  .post('/fills', valid('json', ManualFill), async (c) => {
    const f = c.req.valid('json');
    await portfolioStub(c.env, c.var.auth.userId).addFill({ ...f, ts: f.ts ?? Date.now() });
    return c.json(await portfolioStub(c.env, c.var.auth.userId).report(), 201);
  })
  /** The CSV as the body (text/csv). 422 lists every bad row, by line, and nothing is stored. */
  .post('/fills/import', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^text\/(csv|plain)\b/i.test(type)) throw problem(415 as 400, 'send the fills as text/csv: timestamp,exchange,symbol,side,price,amount[,fee][,id]');
    const r = await portfolioStub(c.env, c.var.auth.userId).importFills(await c.req.text());
    if (r.ok) return c.json(r);
    return c.json({
      type: 'about:blank', title: 'Unprocessable Content', status: 422, instance: new URL(c.req.url).pathname,
      detail: `${r.errors.length} bad row${r.errors.length === 1 ? '' : 's'}; nothing was imported (at most ${MAX_FILL_ROWS} rows per file)`,
      errors: r.errors,
    }, 422, { 'content-type': 'application/problem+json' });
  })
  .get('/settings', async (c) => c.json(await portfolioStub(c.env, c.var.auth.userId).settings()))
  .put('/settings', valid('json', PortfolioSettings), async (c) => c.json(await portfolioStub(c.env, c.var.auth.userId).updateSettings(c.req.valid('json'))));
