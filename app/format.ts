const cache = new Map<number, Intl.NumberFormat>();

/** Fixed decimals in tabular figures so digits don't jump as prices move. */
export function fmt(v: number | null | undefined, decimals = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  let f = cache.get(decimals);
  if (!f) cache.set(decimals, (f = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })));
  return f.format(v);
}

/** Local wall-clock time of a Unix-ms timestamp, with seconds. */
export const clock = (ts: number): string => new Date(ts).toLocaleTimeString([], { hour12: false });
