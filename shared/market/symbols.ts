/** `BASE-QUOTE` spot, `BASE-QUOTE-PERP` perpetual, `BASE-QUOTE-YYMMDD` dated future. */
export const CANONICAL_SYMBOL = /^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}(-(PERP|\d{6}))?$/;

/** Canonical `BASE-QUOTE` for a venue's concatenated spot symbol given the quote assets it trades in. */
const QUOTES = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'GBP', 'USD', 'TRY', 'BRL'];

/** `quotes` narrows the candidates to a venue's own quote assets where the default list is ambiguous (USDTUSD). */
export function splitConcatenated(raw: string, quotes: readonly string[] = QUOTES): string | undefined {
  const s = raw.toUpperCase();
  for (const q of quotes) if (s.length > q.length && s.endsWith(q)) return `${s.slice(0, -q.length)}-${q}`;
  return undefined;
}

/** `BTC-USDT` → `btcusdt`, Binance's lower-case stream prefix. */
export const binanceStreamSymbol = (canonical: string): string => canonical.replace(/-/g, '').toLowerCase();
