import { splitConcatenated } from '../../shared/market/symbols';
import { BinanceAdapter, type BinanceOptions } from './binance';

/** `BTCUSDT` → `BTC-USDT-PERP`, `BTCUSDT_240927` → `BTC-USDT-240927`. */
function canonicalOf(raw: string): string | undefined {
  const [pair, expiry] = raw.split('_');
  const base = splitConcatenated(pair!);
  if (!base) return undefined;
  if (expiry === undefined) return `${base}-PERP`;
  return /^\d{6}$/.test(expiry) ? `${base}-${expiry}` : undefined;
}

function venueSymbolOf(canonical: string): string {
  const [base, quote, tail] = canonical.split('-');
  return `${base}${quote}${tail && tail !== 'PERP' ? `_${tail}` : ''}`;
}

export const BINANCE_USDM: BinanceOptions = {
  venue: 'binance-usdm',
  depthPath: '/fapi/v1/depth',
  streams: ['trade', 'bookTicker', 'depth@100ms', 'markPrice@1s', 'forceOrder'],
  chainsByPu: true,
  canonicalOf,
  venueSymbolOf,
};

/** Binance USD-M futures: the spot adapter with `pu` chaining, mark price / funding and liquidations. */
export class BinanceUsdmAdapter extends BinanceAdapter {
  constructor(symbols: readonly string[]) {
    super(symbols, BINANCE_USDM);
  }
}
