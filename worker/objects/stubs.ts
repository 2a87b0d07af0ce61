import type { AlertDesk } from './AlertDesk';
import type { ExchangeFeed } from './ExchangeFeed';
import type { Portfolio } from './Portfolio';
import type { SymbolHub } from './SymbolHub';

// `wrangler types` leaves namespaces untyped; name the class once here so every RPC call is checked.
export const hubStub = (env: Env, symbol: string) => (env.SYMBOL_HUB as DurableObjectNamespace<SymbolHub>).getByName(symbol);
export const feedStub = (env: Env, venue: string) => (env.EXCHANGE_FEED as DurableObjectNamespace<ExchangeFeed>).getByName(venue);

export const alertDeskStub = (env: Env, symbol: string) => (env.ALERT_DESK as DurableObjectNamespace<AlertDesk>).getByName(symbol);
export const portfolioStub = (env: Env, user: string) => (env.PORTFOLIO as DurableObjectNamespace<Portfolio>).getByName(user);

/** Canonical symbols this deployment ingests, from the SYMBOLS variable. */
export const configuredSymbols = (env: Env): string[] =>
  env.SYMBOLS.split(',').map((s) => s.trim()).filter(Boolean);
