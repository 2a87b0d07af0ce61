import { decimalText } from '../../shared/market/decimal';
import type { Venue } from '../../shared/market/types';
import { INSTRUMENT_LISTS, type InstrumentSpec } from '../ingest/instrument-lists';

const LIST_TIMEOUT_MS = 15_000;

/** What a feed keeps of its venue's instrument list: its instruments' specs, and when and how the last fetch went. */
export interface SpecsState {
  specs: Record<string, InstrumentSpec>;
  /** Last successful fetch, Unix ms (0: never). */
  fetchedAt: number;
  /** The instruments that fetch looked for: a feed given others fetches again at once. */
  symbols?: string[];
  error?: string;
}

/**
 * GETs the venue's instrument list from its REST base and keeps the specs of `symbols`. A list that fails to
 * load or parse is reported in `errors`; the others still count (OKX publishes spot, swaps and futures apart).
 */
export async function fetchSpecs(venue: Venue, rest: string, symbols: readonly string[]): Promise<{ specs: Record<string, InstrumentSpec>; errors: string[] }> {
  const list = INSTRUMENT_LISTS[venue];
  if (!list) return { specs: {}, errors: [`no instrument list for ${venue}`] };
  const wanted = new Set(symbols);
  const specs: Record<string, InstrumentSpec> = {};
  const errors: string[] = [];
  for (const path of list.paths) {
    try {
      const res = await fetch(`${rest.replace(/\/+$/, '')}${path}`, { signal: AbortSignal.timeout(LIST_TIMEOUT_MS) });
      const body = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      for (const i of list.parse(body, path)) {
        if (!wanted.has(i.symbol) || specs[i.symbol] || !(i.tickSize > 0) || !(i.lotSize > 0)) continue;
        specs[i.symbol] = {
          venueSymbol: i.venueSymbol, tickSize: i.tickSize, lotSize: i.lotSize, contractSize: i.contractSize,
          tick: decimalText(i.tickSize), lot: decimalText(i.lotSize), ...(i.contractValue ? { contractValue: i.contractValue } : {}),
          ...(i.minNotional ? { minNotional: i.minNotional } : {}),
        };
      }
    } catch (err) {
      errors.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { specs, errors };
}
