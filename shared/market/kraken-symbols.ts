import type { Instrument } from './types';

/** Kraken's own asset codes where they differ from the common ones (v1 and REST; v2 uses the common ones). */
const TO_COMMON: Record<string, string> = { XBT: 'BTC', XDG: 'DOGE' };
const TO_KRAKEN: Record<string, string> = { BTC: 'XBT', DOGE: 'XDG' };

/** `XBT/CHF` (v1 wsname) or `BTC/CHF` (v2) → `BTC-CHF`. */
export const krakenCanonical = (pair: string): string => pair.split('/').map((a) => TO_COMMON[a] ?? a).join('-');
/** `BTC-CHF` → `XBT/CHF`, the v1 WebSocket pair name. */
export const krakenV1Pair = (canonical: string): string => canonical.split('-').map((a) => TO_KRAKEN[a] ?? a).join('/');
/** `BTC-CHF` → `BTC/CHF`, the v2 symbol. */
export const krakenV2Symbol = (canonical: string): string => canonical.replace('-', '/');

interface AssetPair {
  wsname?: string;
  pair_decimals?: number;
  lot_decimals?: number;
  tick_size?: string;
  status?: string;
}

/** GET /0/public/AssetPairs → spot instruments (pairs without a wsname, the dark-pool `.d` ones, are skipped). */
export function parseKrakenInstruments(body: string): Instrument[] {
  const res = JSON.parse(body) as { error?: string[]; result?: Record<string, AssetPair> };
  if (!res.result) throw new Error(`kraken AssetPairs: ${res.error?.join('; ') ?? 'no result'}`);
  const out: Instrument[] = [];
  for (const [name, p] of Object.entries(res.result)) {
    if (!p.wsname || name.endsWith('.d')) continue;
    const symbol = krakenCanonical(p.wsname);
    const [base, quote] = symbol.split('-') as [string, string];
    out.push({
      exchange: 'kraken', symbol, venueSymbol: p.wsname, kind: 'spot', base, quote,
      tickSize: p.tick_size ? +p.tick_size : 10 ** -(p.pair_decimals ?? 0),
      lotSize: 10 ** -(p.lot_decimals ?? 0), contractSize: 1,
    });
  }
  return out;
}
