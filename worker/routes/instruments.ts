import type { Venue } from '../../shared/market/types';
import { ADAPTERS } from '../ingest/registry';
import { configuredSymbols } from '../config';

export interface InstrumentInfo {
  symbol: string;
  base: string;
  quote: string;
  kind: 'spot' | 'perpetual' | 'future';
  /** Venues whose feed lists it here. */
  exchanges: Venue[];
}

/** The instruments this deployment serves, from SYMBOLS and the adapters it has. */
export function instruments(env: Env): InstrumentInfo[] {
  const venues = Object.keys(ADAPTERS) as Venue[];
  return configuredSymbols(env).map((symbol) => {
    const [base = '', quote = '', suffix] = symbol.split('-');
    const kind = suffix === 'PERP' ? 'perpetual' : suffix ? 'future' : 'spot';
    return { symbol, base, quote, kind, exchanges: venues };
  });
}
