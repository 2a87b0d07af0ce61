import { VENUES, type Venue } from '../shared/market/types';
import { ADAPTERS } from './ingest/registry';

/** One venue as this deployment ingests it. */
export interface VenueConfig {
  venue: Venue;
  /** Socket base handed to `adapter.url()`. */
  ws: string;
  /** REST base that `sink.snapshot` paths are appended to. */
  rest: string;
  /** Canonical symbols to ingest. */
  symbols: string[];
  /** Overrides of the adapter's limits, for operators and tests. */
  perConnection?: number;
  rotateMs?: number;
  staleMs?: number;
}

/** Instruments per connection when neither the configuration nor the adapter says. */
const DEFAULT_PER_CONNECTION = 50;

type Raw = Record<string, unknown>;
const vars = (env: Env) => env as unknown as Record<string, string | undefined>;
/** `binance-usdm` → `BINANCE_USDM`, the prefix of its optional URL override variables. */
export const envPrefix = (venue: string): string => venue.toUpperCase().replace(/-/g, '_');
const positive = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);

/**
 * The venues from the VENUES variable (a JSON object keyed by venue name), in their listed order.
 * `<VENUE>_WS_URL` / `<VENUE>_REST_URL` (e.g. BINANCE_WS_URL) override a venue's URLs, and SYMBOLS is the
 * default instrument list, so replay mode and tests can repoint one venue without restating the rest.
 */
export function venueConfigs(env: Env): VenueConfig[] {
  let raw: unknown;
  try {
    raw = JSON.parse(vars(env).VENUES ?? '{}');
  } catch (err) {
    throw new Error(`VENUES is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('VENUES must be a JSON object keyed by venue');
  const fallback = symbolList(env);
  return Object.entries(raw as Record<string, Raw>).map(([venue, c]) => {
    if (!(VENUES as readonly string[]).includes(venue)) throw new Error(`VENUES names unknown venue ${venue}; known: ${VENUES.join(', ')}`);
    const prefix = envPrefix(venue);
    const ws = vars(env)[`${prefix}_WS_URL`] ?? c.ws;
    const rest = vars(env)[`${prefix}_REST_URL`] ?? c.rest;
    if (typeof ws !== 'string' || typeof rest !== 'string') throw new Error(`VENUES.${venue} needs "ws" and "rest" URLs`);
    const symbols = Array.isArray(c.symbols) ? c.symbols.filter((s): s is string => typeof s === 'string') : fallback;
    return {
      venue: venue as Venue, ws, rest, symbols,
      perConnection: positive(c.perConnection), rotateMs: positive(c.rotateMs), staleMs: positive(c.staleMs),
    };
  });
}

export function venueConfig(env: Env, venue: Venue): VenueConfig | undefined {
  return venueConfigs(env).find((c) => c.venue === venue);
}

/** The instruments clients may open: every symbol some venue ingests, and SYMBOLS. */
export const configuredSymbols = (env: Env): string[] =>
  [...new Set([...venueConfigs(env).flatMap((c) => c.symbols), ...symbolList(env)])];

const symbolList = (env: Env): string[] => (env.SYMBOLS ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/**
 * A venue's connections: its symbols cut to the per-connection limit. One connection is the object
 * named `venue`; more are `venue:0`, `venue:1`, … so a single-connection venue keeps its plain name.
 */
export function shards(c: VenueConfig): { name: string; symbols: string[] }[] {
  const per = c.perConnection ?? ADAPTERS[c.venue]?.(c.symbols).maxSymbolsPerConnection ?? DEFAULT_PER_CONNECTION;
  const out: { name: string; symbols: string[] }[] = [];
  for (let i = 0; i < c.symbols.length; i += per) out.push({ name: `${c.venue}:${out.length}`, symbols: c.symbols.slice(i, i + per) });
  if (out.length <= 1) return [{ name: c.venue, symbols: c.symbols }];
  return out;
}

/** `venue` or `venue:shard` → its parts. */
export function parseFeedName(name: string): { venue: Venue; shard: number } | undefined {
  const [venue, shard = '0'] = name.split(':');
  if (!(VENUES as readonly string[]).includes(venue ?? '') || !/^\d+$/.test(shard)) return undefined;
  return { venue: venue as Venue, shard: Number(shard) };
}
