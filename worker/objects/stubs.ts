import type { AuditLog } from './AuditLog';
import type { ExchangeFeed } from './ExchangeFeed';
import type { SymbolHub } from './SymbolHub';
import type { Throttle } from './Throttle';
import type { UserAccount } from './UserAccount';

// `wrangler types` leaves namespaces untyped; name the class once here so every RPC call is checked.
export const hubStub = (env: Env, symbol: string) => (env.SYMBOL_HUB as DurableObjectNamespace<SymbolHub>).getByName(symbol);
export const feedStub = (env: Env, venue: string) => (env.EXCHANGE_FEED as DurableObjectNamespace<ExchangeFeed>).getByName(venue);
export const accountStub = (env: Env, userId: string) => (env.USER_ACCOUNT as DurableObjectNamespace<UserAccount>).getByName(userId);
export const throttleStub = (env: Env, key: string) => (env.THROTTLE as DurableObjectNamespace<Throttle>).getByName(key);
/** One chain for the deployment: every entry links to the one before, so the log cannot be sharded without splitting the chain. */
export const auditStub = (env: Env) => (env.AUDIT_LOG as DurableObjectNamespace<AuditLog>).getByName('global');

/** Canonical symbols this deployment ingests, from the SYMBOLS variable. */
export const configuredSymbols = (env: Env): string[] =>
  env.SYMBOLS.split(',').map((s) => s.trim()).filter(Boolean);
