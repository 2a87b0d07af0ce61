import { shards, venueConfigs } from '../config';
import type { AlertDesk } from './AlertDesk';
import type { ExchangeFeed } from './ExchangeFeed';
import type { Portfolio } from './Portfolio';
import type { SymbolHub } from './SymbolHub';

// `wrangler types` leaves namespaces untyped; name the class once here so every RPC call is checked.
export const hubStub = (env: Env, symbol: string) => (env.SYMBOL_HUB as DurableObjectNamespace<SymbolHub>).getByName(symbol);
export const feedStub = (env: Env, name: string) => (env.EXCHANGE_FEED as DurableObjectNamespace<ExchangeFeed>).getByName(name);

export const alertDeskStub = (env: Env, symbol: string) => (env.ALERT_DESK as DurableObjectNamespace<AlertDesk>).getByName(symbol);
export const portfolioStub = (env: Env, user: string) => (env.PORTFOLIO as DurableObjectNamespace<Portfolio>).getByName(user);

/** Every connection of every configured venue, by feed name (`venue` or `venue:shard`). */
export const feedNames = (env: Env): string[] => venueConfigs(env).flatMap((c) => shards(c).map((s) => s.name));

/** Starts (idempotently) every configured venue's feeds; one venue failing does not stop the others. */
export const startFeeds = (env: Env) => Promise.allSettled(feedNames(env).map((name) => feedStub(env, name).start(name)));
