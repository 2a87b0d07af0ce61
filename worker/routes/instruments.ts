import type { Venue } from '../../shared/market/types';
import type { InstrumentSpec } from '../ingest/instrument-lists';
import { configuredSymbols, shards, venueConfigs } from '../config';
import { feedStub } from '../objects/stubs';

export interface InstrumentInfo {
  symbol: string;
  base: string;
  quote: string;
  kind: 'spot' | 'perpetual' | 'future';
  /** Venues whose feed lists it here. */
  exchanges: Venue[];
  /** Per venue that ingests it, tick, lot and contract size from the venue's instrument list (absent until fetched). */
  specs: Partial<Record<Venue, InstrumentSpec>>;
}

/**
 * The instruments this deployment serves, from SYMBOLS and the adapters it has, with the specs each venue's
 * feed last read from its instrument list. A feed that cannot answer leaves its venue out of `specs`.
 */
export async function instruments(env: Env): Promise<InstrumentInfo[]> {
  const configs = venueConfigs(env);
  const specs = new Map<string, Partial<Record<Venue, InstrumentSpec>>>();
  const feeds = configs.flatMap((c) => shards(c).map((s) => ({ venue: c.venue, name: s.name })));
  const answers = await Promise.allSettled(feeds.map((f) => feedStub(env, f.name).instrumentSpecs()));
  answers.forEach((a, i) => {
    if (a.status !== 'fulfilled') return;
    for (const [symbol, spec] of Object.entries(a.value.specs)) {
      const bySymbol = specs.get(symbol) ?? {};
      bySymbol[feeds[i]!.venue] = spec;
      specs.set(symbol, bySymbol);
    }
  });
  return configuredSymbols(env).map((symbol) => {
    const [base = '', quote = '', suffix] = symbol.split('-');
    const kind = suffix === 'PERP' ? 'perpetual' : suffix ? 'future' : 'spot';
    return { symbol, base, quote, kind, exchanges: configs.filter((c) => c.symbols.includes(symbol)).map((c) => c.venue), specs: specs.get(symbol) ?? {} };
  });
}
