import { Hono } from 'hono';
import { onError } from './middleware/errors';
import { feedStub } from './objects/stubs';
import { apiRoutes } from './routes/api';
import { graphqlRoutes } from './routes/graphql';
import { wsRoutes } from './routes/ws';

export { ExchangeFeed } from './objects/ExchangeFeed';
export { Relay } from './objects/Relay';
export { SymbolHub } from './objects/SymbolHub';

const app = new Hono<{ Bindings: Env }>()
  .route('/api/v1', apiRoutes)
  .route('/ws', wsRoutes)
  .route('/graphql', graphqlRoutes)
  .notFound((c) => c.json({ type: 'about:blank', title: 'Not Found', status: 404 }, 404))
  .onError(onError);

export type AppType = typeof app;

export default {
  fetch: app.fetch,
  /** The cron keeps feeds running with nobody watching, so alerts and candles never miss a tick. */
  async scheduled(_controller, env) {
    await feedStub(env, 'binance').start('binance');
  },
} satisfies ExportedHandler<Env>;
