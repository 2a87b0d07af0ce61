import type { Venue } from '../shared/market/types';

/** An instrument as `GET /api/v1/instruments` lists it (the fields the app reads). */
export interface InstrumentRow {
  symbol: string;
  base: string;
  quote: string;
  kind: string;
  /** The venues that feed it. */
  exchanges: Venue[];
}

/** The instruments the edge serves; null when it cannot be asked (offline, or an error answer). */
export async function fetchInstruments(): Promise<InstrumentRow[] | null> {
  try {
    const res = await fetch('/api/v1/instruments');
    return res.ok ? ((await res.json()) as { instruments: InstrumentRow[] }).instruments : null;
  } catch {
    return null;
  }
}
