import type { Venue } from '../../shared/market/types';

export const FOCUS_KEY = 'edgetape.focus.v2';

/** The instrument this device focused last, or BTC-USDT on Binance: read by the app and, before it loads, the entry. */
export function storedFocus(): { symbol: string; venue: Venue } {
  try {
    const stored = JSON.parse(localStorage.getItem(FOCUS_KEY) ?? 'null') as { symbol?: string; venue?: Venue } | null;
    if (stored?.symbol && stored.venue) return { symbol: stored.symbol, venue: stored.venue };
  } catch {
    // a damaged entry: the default instrument
  }
  return { symbol: 'BTC-USDT', venue: 'binance' };
}
