/** `2019-10-17 09-AM` (CryptoDataDownload): 12-AM is 00:00, 12-PM is 12:00. */
const CDD_DATE = /^(\d{4}-\d{2}-\d{2}) (\d{2})-(AM|PM)$/;

/** Unix ms from ms or s epochs (told apart by size), `YYYY-MM-DD HH:MM:SS[.ffffff]` (naive = UTC), ISO, or CDD dates. */
export function parseTimestamp(s: string): number {
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const v = Number(t);
    return v < 1e11 ? Math.round(v * 1000) : Math.round(v);
  }
  const cdd = CDD_DATE.exec(t);
  if (cdd) {
    const h = (Number(cdd[2]) % 12) + (cdd[3] === 'PM' ? 12 : 0);
    return Date.parse(`${cdd[1]}T${String(h).padStart(2, '0')}:00:00Z`);
  }
  let iso = t.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`unreadable timestamp "${s}"`);
  return ms;
}
