import { Hono } from 'hono';
import { onError } from './middleware/errors';
import { startFeeds } from './objects/stubs';
import { apiRoutes } from './routes/api';
import { exchangeRoutes } from './routes/exchanges';
import { wsRoutes } from './routes/ws';

export { AlertDesk } from './objects/AlertDesk';
export { ExchangeFeed } from './objects/ExchangeFeed';
export { Portfolio } from './objects/Portfolio';
export { SymbolHub } from './objects/SymbolHub';

const app = new Hono<{ Bindings: Env }>()
  .route('/api/v1', apiRoutes)
  .route('/api/v1/exchanges', exchangeRoutes)
  .route('/ws', wsRoutes)
  .notFound((c) => c.json({ type: 'about:blank', title: 'Not Found', status: 404 }, 404))
  .onError(onError);

export type AppType = typeof app;

export default {
  fetch: app.fetch,
  /** The cron keeps feeds running with nobody watching, so alerts and candles never miss a tick. */
  async scheduled(_controller, env) {
    await startFeeds(env);
  },
} satisfies ExportedHandler<Env>;
