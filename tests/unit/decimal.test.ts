import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../shared/market/decimal';

describe('parseDecimal', () => {
  it('equals +s on venue-style decimals, bit for bit', () => {
    const decimal = fc.tuple(fc.stringMatching(/^\d{1,9}$/), fc.stringMatching(/^\d{0,9}$/), fc.boolean())
      .map(([i, f, dot]) => (dot ? `${i}.${f}` : i));
    fc.assert(fc.property(decimal, (s) => {
      expect(Object.is(parseDecimal(s), +s), s).toBe(true);
    }), { numRuns: 20_000 });
  });

  it('falls back to the general conversion for everything else', () => {
    for (const s of ['', '.', '-1.5', '1e5', ' 1', '1.2.3', 'abc', '0x10', '12345678901234567.5', '1234567890123456', 'Infinity']) {
      expect(Object.is(parseDecimal(s), +s), s).toBe(true);
    }
    expect(parseDecimal('61837.63000000')).toBe(61837.63);
    expect(parseDecimal('0.00006547')).toBe(0.00006547);
  });
});
