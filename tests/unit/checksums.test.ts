import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../shared/market/book';
import { KrakenChecksum, krakenDigest, OkxChecksum, okxDigest } from '../../shared/market/checksums';
import { crc32 } from '../../shared/market/crc32';

/** Random updates to both sides: [bid?, price, size, trailing zeros], then sometimes a truncation. */
const ops = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), { maxLength: 120 });

/** The checksum texts as the venues define them, built from scratch from the kept strings. */
const krakenText = (s: string) => s.replace('.', '').replace(/^0+/, '');
function krakenReference(b: OrderBook): number {
  let t = '';
  for (const side of [b.asks, b.bids]) for (let i = 0; i < Math.min(10, side.length); i++) t += krakenText(side.priceStrAt(i)!) + krakenText(side.sizeStrAt(i)!);
  return crc32(t) >>> 0;
}
function okxReference(b: OrderBook): number {
  const parts: string[] = [];
  for (let i = 0; i < 25; i++) {
    if (i < b.bids.length) parts.push(`${b.bids.priceStrAt(i)}:${b.bids.sizeStrAt(i)}`);
    if (i < b.asks.length) parts.push(`${b.asks.priceStrAt(i)}:${b.asks.sizeStrAt(i)}`);
  }
  return crc32(parts.join(':'));
}

describe('book checksums folded from level digests', () => {
  for (const [name, digest, Checksum, reference, depth] of [
    ['kraken', krakenDigest, KrakenChecksum, krakenReference, 10],
    ['okx', okxDigest, OkxChecksum, okxReference, 25],
  ] as const) {
    it(`${name}: after every update, the incremental checksum equals the one over the joined strings`, () => {
      fc.assert(
        fc.property(ops, (list) => {
          const book = new OrderBook(digest);
          const sum = new Checksum();
          for (const [bid, p, s, zeros] of list) {
            // Bids below 20, asks above: the book never crosses. Trailing zeros make the strings differ from String(number).
            const price = bid ? p / 2 : 20 + p;
            (bid ? book.bids : book.asks).set(price, s, `${price.toFixed(1)}${'0'.repeat(zeros)}`, `${s}.${'0'.repeat(zeros)}`);
            if (p % 7 === 0) book.bids.truncate(depth + (p % 3) - 1);
            expect(sum.of(book)).toBe(reference(book));
          }
        }),
      );
    });
  }
});
