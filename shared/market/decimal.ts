const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * The number a venue's plain decimal string ("61837.63000000") denotes — of `s`, or of `s[from, to)` without
 * slicing it — exactly as `+s` would give it, in a fraction of the time: up to 15 digits form an integer below
 * 2^53 and 10^k is exact, so one IEEE division is correctly rounded (Clinger's fast path). Anything else —
 * signs, exponents, more digits, no digits — takes the general conversion.
 */
export function parseDecimal(s: string, from = 0, to = s.length): number {
  if (to - from > 16) return +s.slice(from, to);
  let m = 0;
  let digits = 0;
  let scale = -1;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0) scale = 0;
    else return +s.slice(from, to);
  }
  if (digits === 0 || digits > 15) return +s.slice(from, to);
  return scale > 0 ? m / POW10[scale]! : m;
}

/**
 * A tick or lot size as the plain decimal a venue writes (1e-8 → "0.00000001", 0.1 → "0.1"). The number came
 * from the venue's string, and JS prints the shortest string that reads back to it, so this is the venue's
 * value without its padding zeros ("0.01000000" → "0.01"): the decimals it shows are the precision that matters.
 */
export function decimalText(n: number): string {
  const s = String(n);
  const m = /^(\d)(?:\.(\d+))?e-(\d+)$/.exec(s);
  return m ? `0.${'0'.repeat(Number(m[3]) - 1)}${m[1]}${m[2] ?? ''}` : s;
}
