import type { Instrument, Venue } from '../../shared/market/types';

interface BinanceSymbol {
  symbol?: unknown;
  status?: unknown;
  baseAsset?: unknown;
  quoteAsset?: unknown;
  contractType?: unknown;
  deliveryDate?: unknown;
  filters?: { filterType?: unknown; tickSize?: unknown; stepSize?: unknown; minNotional?: unknown; notional?: unknown }[];
}

/** `1719561600000` → `240628` (UTC). */
const yymmdd = (ms: number): string => new Date(ms).toISOString().slice(2, 10).replace(/-/g, '');

/**
 * Instruments from Binance's exchangeInfo (spot `/api/v3/exchangeInfo`, USD-M `/fapi/v1/exchangeInfo`):
 * only those trading; tick and lot size from PRICE_FILTER and LOT_SIZE. USD-M contracts are one unit of
 * base each; perpetuals become `BASE-QUOTE-PERP`, quarterlies `BASE-QUOTE-YYMMDD`. Entries that do not
 * parse are listed in `errors` instead of silently skipped.
 */
export function parseBinanceExchangeInfo(body: string, venue: Extract<Venue, 'binance' | 'binance-usdm'>): { instruments: Instrument[]; errors: string[] } {
  const instruments: Instrument[] = [];
  const errors: string[] = [];
  let info: { symbols?: unknown };
  try {
    info = JSON.parse(body) as typeof info;
  } catch {
    return { instruments, errors: ['exchangeInfo is not JSON'] };
  }
  if (!info || !Array.isArray(info.symbols)) return { instruments, errors: ['exchangeInfo without symbols'] };
  for (const s of info.symbols as BinanceSymbol[]) {
    if (s?.status !== 'TRADING') continue;
    const filter = (type: string) => s.filters?.find((f) => f.filterType === type);
    const tickSize = Number(filter('PRICE_FILTER')?.tickSize);
    const lotSize = Number(filter('LOT_SIZE')?.stepSize);
    const { symbol: venueSymbol, baseAsset: base, quoteAsset: quote } = s;
    if (typeof venueSymbol !== 'string' || typeof base !== 'string' || typeof quote !== 'string' || !(tickSize > 0) || !(lotSize > 0)) {
      errors.push(`unusable instrument ${JSON.stringify(s.symbol)}`);
      continue;
    }
    // Spot says MIN_NOTIONAL (later NOTIONAL) .minNotional, USD-M MIN_NOTIONAL .notional.
    const notional = filter('MIN_NOTIONAL') ?? filter('NOTIONAL');
    const minNotional = Number(notional?.minNotional ?? notional?.notional);
    const common = { exchange: venue, venueSymbol, base, quote, tickSize, lotSize, contractSize: 1, ...(minNotional > 0 ? { minNotional } : {}) };
    if (venue === 'binance') {
      instruments.push({ ...common, symbol: `${base}-${quote}`, kind: 'spot' });
    } else if (s.contractType === 'PERPETUAL') {
      instruments.push({ ...common, symbol: `${base}-${quote}-PERP`, kind: 'perpetual' });
    } else if (typeof s.contractType === 'string' && s.contractType.endsWith('_QUARTER') && typeof s.deliveryDate === 'number') {
      instruments.push({ ...common, symbol: `${base}-${quote}-${yymmdd(s.deliveryDate)}`, kind: 'future', expiry: s.deliveryDate });
    } else {
      errors.push(`unknown contract type ${String(s.contractType)} for ${venueSymbol}`);
    }
  }
  return { instruments, errors };
}
