const cache = new Map<number, Intl.NumberFormat>();
/** Most decimals a price tick has on any venue we list (satoshi-priced pairs). */
const MAX_DECIMALS = 8;
/** Before the instrument's tick is known: cents. */
export const DEFAULT_PRICE_DECIMALS = 2;

/** Fixed decimals, shown in tabular figures (CSS) so digits don't jump as prices move. */
export function fmt(v: number | null | undefined, decimals = DEFAULT_PRICE_DECIMALS): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  let f = cache.get(decimals);
  if (!f) cache.set(decimals, (f = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })));
  return f.format(v);
}

/** Decimals of a tick size or of a price as sent (0.01 → 2, 61800.3 → 1, 1e-8 → 8), at most 8. */
export function decimalsOf(x: number): number {
  for (let d = 0; d < MAX_DECIMALS; d++) if (Math.abs(Math.round(x * 10 ** d) - x * 10 ** d) < 1e-9 * Math.max(1, Math.abs(x) * 10 ** d)) return d;
  return MAX_DECIMALS;
}

/** Intl.NumberFormat's limit on fraction digits. */
const MAX_TICK_DECIMALS = 20;

/**
 * Decimals of a tick size as the venue writes it — the `tick` string of `/api/v1/instruments` ("0.01" → 2,
 * "0.00001000" → 5, "0.5" → 1, "25" → 0): exact, where `decimalsOf` on prices seen is only a guess.
 */
export function tickDecimals(tick: string): number {
  const dot = tick.indexOf('.');
  return dot < 0 ? 0 : Math.min(tick.replace(/0+$/, '').length - dot - 1, MAX_TICK_DECIMALS);
}

/** A price at the instrument's tick precision (cents until it is known). */
export const price = (v: number | null | undefined, decimals: number | null | undefined): string => fmt(v, decimals ?? DEFAULT_PRICE_DECIMALS);

/** A price as a screen reader should say it: digits without grouping commas, "unknown" for none. */
export const spoken = (v: number | null | undefined, decimals: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? 'unknown' : v.toFixed(decimals ?? DEFAULT_PRICE_DECIMALS);

/**
 * Local wall-clock time of a Unix-ms timestamp, with seconds. One formatter for every call: `toLocaleTimeString`
 * with options builds a new ICU formatter per call, which was the tape's main cost while ingesting.
 */
const CLOCK = new Intl.DateTimeFormat([], { hour: 'numeric', minute: '2-digit', second: '2-digit', hour12: false });
export const clock = (ts: number): string => CLOCK.format(ts);

/** The same instant in UTC, for a title on hover: times are shown local, the edge and candles keep UTC. */
export const utc = (ts: number): string => `${new Date(ts).toISOString().replace('T', ' ').slice(0, 23)} UTC`;

/** Bytes in kB or MB, for the traffic meter. */
export const bytes = (n: number): string => (n >= 1e6 ? `${fmt(n / 1e6, 2)} MB` : `${fmt(n / 1e3, 1)} kB`);
