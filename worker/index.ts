import { Hono } from 'hono';
import { onError } from './middleware/errors';
import { securityHeaders } from './middleware/security';
import { startFeeds } from './objects/stubs';
import { apiRoutes } from './routes/api';
import { benchRoutes } from './routes/bench';
import { graphqlRoutes } from './routes/graphql';
import { exchangeRoutes } from './routes/exchanges';
import { userSocketRoutes } from './routes/user-socket';
import { wsRoutes } from './routes/ws';

export { AlertDesk } from './objects/AlertDesk';
export { AuditLog } from './objects/AuditLog';
export { ExchangeFeed } from './objects/ExchangeFeed';
export { Portfolio } from './objects/Portfolio';
export { Relay } from './objects/Relay';
export { SymbolHub } from './objects/SymbolHub';
export { Throttle } from './objects/Throttle';
export { UserAccount } from './objects/UserAccount';

const app = new Hono<{ Bindings: Env }>()
  .use('*', securityHeaders)
  .route('/api/v1', apiRoutes)
  .route('/api/bench', benchRoutes)
  .route('/api/v1/exchanges', exchangeRoutes)
  .route('/ws/user', userSocketRoutes)
  .route('/ws', wsRoutes)
  .route('/graphql', graphqlRoutes)
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
