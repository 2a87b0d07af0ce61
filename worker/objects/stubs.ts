import type { ExchangeFeed } from './ExchangeFeed';
import type { SymbolHub } from './SymbolHub';

// `wrangler types` leaves namespaces untyped; name the class once here so every RPC call is checked.
export const hubStub = (env: Env, symbol: string) => (env.SYMBOL_HUB as DurableObjectNamespace<SymbolHub>).getByName(symbol);
export const feedStub = (env: Env, venue: string) => (env.EXCHANGE_FEED as DurableObjectNamespace<ExchangeFeed>).getByName(venue);

/** Canonical symbols this deployment ingests, from the SYMBOLS variable. */
export const configuredSymbols = (env: Env): string[] =>
  env.SYMBOLS.split(',').map((s) => s.trim()).filter(Boolean);
