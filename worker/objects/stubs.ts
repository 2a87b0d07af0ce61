import { shards, venueConfigs } from '../config';
import type { AlertDesk } from './AlertDesk';
import type { AuditLog } from './AuditLog';
import type { ExchangeFeed } from './ExchangeFeed';
import type { Portfolio } from './Portfolio';
import type { Relay } from './Relay';
import type { SymbolHub } from './SymbolHub';
import type { Throttle } from './Throttle';
import type { UserAccount } from './UserAccount';

// `wrangler types` leaves namespaces untyped; name the class once here so every RPC call is checked.
export const hubStub = (env: Env, symbol: string) => (env.SYMBOL_HUB as DurableObjectNamespace<SymbolHub>).getByName(symbol);
export const feedStub = (env: Env, name: string) => (env.EXCHANGE_FEED as DurableObjectNamespace<ExchangeFeed>).getByName(name);
export const accountStub = (env: Env, userId: string) => (env.USER_ACCOUNT as DurableObjectNamespace<UserAccount>).getByName(userId);
export const throttleStub = (env: Env, key: string) => (env.THROTTLE as DurableObjectNamespace<Throttle>).getByName(key);
/** One chain for the deployment: every entry links to the one before, so the log cannot be sharded without splitting the chain. */
export const auditStub = (env: Env) => (env.AUDIT_LOG as DurableObjectNamespace<AuditLog>).getByName('global');
/** Relays are named `<region>:<shard>`; the region is a location hint, honoured when the object is first created. */
export const relayStub = (env: Env, name: string) => {
  const ns = env.RELAY as DurableObjectNamespace<Relay>;
  const region = name.split(':')[0];
  return ns.get(ns.idFromName(name), isHint(region) ? { locationHint: region } : {});
};

const HINTS = new Set(['wnam', 'enam', 'sam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me']);
export const isHint = (s: string | undefined): s is DurableObjectLocationHint => s !== undefined && HINTS.has(s);

export const alertDeskStub = (env: Env, symbol: string) => (env.ALERT_DESK as DurableObjectNamespace<AlertDesk>).getByName(symbol);
export const portfolioStub = (env: Env, user: string) => (env.PORTFOLIO as DurableObjectNamespace<Portfolio>).getByName(user);

/** Every connection of every configured venue, by feed name (`venue` or `venue:shard`). */
export const feedNames = (env: Env): string[] => venueConfigs(env).flatMap((c) => shards(c).map((s) => s.name));

/** Starts (idempotently) every configured venue's feeds; one venue failing does not stop the others. */
export const startFeeds = (env: Env) => Promise.allSettled(feedNames(env).map((name) => feedStub(env, name).start(name)));
