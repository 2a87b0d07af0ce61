/** Continent (request.cf.continent) → Durable Object location hint; North America splits at the colo's longitude. */
const CONTINENT: Record<string, DurableObjectLocationHint> = { EU: 'weur', AS: 'apac', OC: 'oc', SA: 'sam', AF: 'afr', ME: 'me' };

/** The relay region for a request: a location hint, or `local` where the runtime gives no geography (wrangler dev). */
export function regionOf(cf: unknown): DurableObjectLocationHint | 'local' {
  const c = (cf ?? {}) as { continent?: string; longitude?: string; country?: string };
  if (c.continent === 'NA') return Number(c.longitude) < -100 ? 'wnam' : 'enam';
  if (c.continent === 'EU' && ['RU', 'UA', 'PL', 'RO', 'BG', 'GR', 'TR', 'FI'].includes(c.country ?? '')) return 'eeur';
  return (c.continent && CONTINENT[c.continent]) || 'local';
}
