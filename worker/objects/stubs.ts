import type { ExchangeFeed } from './ExchangeFeed';
import type { Relay } from './Relay';
import type { SymbolHub } from './SymbolHub';

// `wrangler types` leaves namespaces untyped; name the class once here so every RPC call is checked.
export const hubStub = (env: Env, symbol: string) => (env.SYMBOL_HUB as DurableObjectNamespace<SymbolHub>).getByName(symbol);
export const feedStub = (env: Env, venue: string) => (env.EXCHANGE_FEED as DurableObjectNamespace<ExchangeFeed>).getByName(venue);
/** Relays are named `<region>:<shard>`; the region is a location hint, honoured when the object is first created. */
export const relayStub = (env: Env, name: string) => {
  const ns = env.RELAY as DurableObjectNamespace<Relay>;
  const region = name.split(':')[0];
  return ns.get(ns.idFromName(name), isHint(region) ? { locationHint: region } : {});
};

const HINTS = new Set(['wnam', 'enam', 'sam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me']);
export const isHint = (s: string | undefined): s is DurableObjectLocationHint => s !== undefined && HINTS.has(s);

/** Canonical symbols this deployment ingests, from the SYMBOLS variable. */
export const configuredSymbols = (env: Env): string[] =>
  env.SYMBOLS.split(',').map((s) => s.trim()).filter(Boolean);
