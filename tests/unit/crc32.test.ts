import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CRC32_START, crc32, crc32Add, crc32Append, crc32Digest, crc32End } from '../../shared/market/crc32';

describe('crc32', () => {
  it('is the zlib CRC-32', () => {
    expect(crc32('123456789') >>> 0).toBe(0xcbf43926);
  });

  it('appending a text by its digest equals hashing the joined text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 255 }), (a, b) => {
        const digest = crc32Digest(crc32Add(0, b), b.length);
        expect(crc32End(crc32Append(crc32Add(CRC32_START, a), digest))).toBe(crc32(a + b));
      }),
    );
  });
});
