import { Hono } from 'hono';
import type { z } from 'zod';
import { onPosition } from '../../shared/risk/alerts';
import type { AnyRule } from '../../shared/risk/rules';
import { Ack, AlertId, NewAlert, PushSub, Rule, Webhook, type StoredAlert } from '../../shared/risk/schema';
import type { AppEnv } from '../middleware/auth';
import { problem } from '../middleware/errors';
import { valid } from '../middleware/validate';
import { alertDeskStub, portfolioStub } from '../objects/stubs';

/**
 * A stop, take-profit or trailing stop is set on a position the user holds: its side and size are the
 * position's (a stated side must match), and without such a position it is refused.
 */
async function onHeld(portfolio: ReturnType<typeof portfolioStub>, symbol: string, rule: z.output<typeof Rule>): Promise<AnyRule> {
  if (!onPosition(rule)) return rule;
  const held = await portfolio.heldPosition(rule.exchange, symbol);
  const what = rule.kind === 'stop' ? 'stop-loss' : rule.kind === 'take' ? 'take-profit' : 'trailing stop';
  if (!held) throw problem(422, `you hold no ${symbol} position on ${rule.exchange}: a ${what} is set on an open position`);
  if (rule.position && rule.position !== held.side) throw problem(422, `your ${symbol} position on ${rule.exchange} is ${held.side}, not ${rule.position}`);
  return { ...rule, position: held.side, qty: held.qty };
}

const newId = (): string => `a_${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;

/**
 * `/users/:userId/alerts` (behind `requireOwner`). Price and book-health rules live on their instrument's
 * AlertDesk (evaluated at the edge on every tick), portfolio limits in the user's Portfolio; the Portfolio
 * lists them all and keeps the firing history, acknowledgements and the delivery settings.
 */
export const alertRoutes = new Hono<AppEnv>()
  .get('/', async (c) => {
    const alerts = await portfolioStub(c.env, c.var.auth.userId).alerts();
    const bySymbol = new Map<string, string[]>();
    for (const a of alerts) if (a.rule.kind !== 'limit') bySymbol.set(a.symbol, [...(bySymbol.get(a.symbol) ?? []), a.id]);
    const states = Object.assign({}, ...(await Promise.all([...bySymbol].map(([s, ids]) => alertDeskStub(c.env, s).states(ids)))));
    return c.json(alerts.map((a): StoredAlert => ({ ...a, state: a.state ?? states[a.id] ?? null })));
  })
  .post('/', valid('json', NewAlert), async (c) => {
    const { symbol, rule, hysteresis, note } = c.req.valid('json');
    const user = c.var.auth.userId;
    const portfolio = portfolioStub(c.env, user);
    const max = c.var.auth.profile.limits.alerts;
    if ((await portfolio.alerts()).length >= max) throw problem(409, `your tier allows ${max} alerts; delete some first`);
    const alert = { id: newId(), symbol: rule.kind === 'limit' ? '*' : symbol, rule: await onHeld(portfolio, symbol, rule), hysteresis, note: note ?? null, createdAt: Date.now() };
    // The desk first: an alert the user sees listed is always being evaluated.
    const desk = alert.rule.kind === 'limit' ? undefined : alertDeskStub(c.env, alert.symbol);
    await desk?.upsert({ id: alert.id, user, symbol: alert.symbol, rule: alert.rule, hysteresis });
    const saved = await portfolio.saveAlert(alert);
    if (!saved.ok) {
      await desk?.remove(alert.id); // the position closed meanwhile
      throw problem(422, saved.error);
    }
    return c.json({ ...alert, state: { phase: 'armed', firings: 0 } } satisfies StoredAlert, 201);
  })
  .get('/firings', async (c) => c.json(await portfolioStub(c.env, c.var.auth.userId).inbox()))
  .post('/firings/ack', valid('json', Ack), async (c) => {
    const { alertId, n } = c.req.valid('json');
    return c.json({ acked: await portfolioStub(c.env, c.var.auth.userId).ack(alertId, n) });
  })
  .put('/webhook', valid('json', Webhook), async (c) => {
    const r = await portfolioStub(c.env, c.var.auth.userId).setWebhook(c.req.valid('json'));
    if (!r.ok) throw problem(400, r.error);
    return c.body(null, 204);
  })
  .delete('/webhook', async (c) => {
    await portfolioStub(c.env, c.var.auth.userId).setWebhook(null);
    return c.body(null, 204);
  })
  /** The VAPID public key a browser subscribes with (`applicationServerKey`), or 404 when push is not configured. */
  .get('/push/key', (c) => {
    const key = (c.env as unknown as Record<string, string | undefined>).VAPID_PUBLIC_KEY;
    if (!key) throw problem(404, 'web push is not configured on this deployment');
    return c.json({ publicKey: key });
  })
  .post('/push', valid('json', PushSub), async (c) => {
    const { endpoint, keys } = c.req.valid('json');
    const r = await portfolioStub(c.env, c.var.auth.userId).addPushSubscription({ endpoint, keys });
    if (!r.ok) throw problem(400, r.error);
    return c.body(null, 204);
  })
  .delete('/:id', valid('param', AlertId), async (c) => {
    const gone = await portfolioStub(c.env, c.var.auth.userId).deleteAlert(c.req.valid('param').id);
    if (!gone) throw problem(404, 'no such alert');
    if (gone.rule.kind !== 'limit') await alertDeskStub(c.env, gone.symbol).remove(gone.id);
    return c.body(null, 204);
  });
