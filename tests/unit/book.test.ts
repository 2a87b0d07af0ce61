import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../shared/market/book';
import { krakenDigest } from '../../shared/market/checksums';

describe('OrderBook', () => {
  it('keeps bids descending and asks ascending, removes on size 0, detects crossing', () => {
    const b = new OrderBook(krakenDigest);
    b.bids.set(100, 1, '100.0', '1.0');
    b.bids.set(102, 2, '102.0', '2.0');
    b.bids.set(101, 3, '101.0', '3.0');
    b.asks.set(104, 1);
    b.asks.set(103, 5);
    expect(b.bids.top()).toEqual([[102, 2], [101, 3], [100, 1]]);
    expect(b.bids.priceStr).toEqual(['102.0', '101.0', '100.0']);
    expect(b.asks.top(1)).toEqual([[103, 5]]);
    expect(b.bids.set(101, 0)).toBe(true);
    expect(b.bids.set(99, 0)).toBe(false);
    expect(b.bids.sizeStr).toEqual(['2.0', '1.0']);
    expect(b.crossed).toBe(false);
    b.bids.set(103, 1);
    expect(b.crossed).toBe(true);
    b.asks.truncate(1);
    expect(b.asks.top()).toEqual([[103, 5]]);
  });

  it('matches a Map-and-sort model under any sequence of updates', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 3 })), { maxLength: 400 }), (ops) => {
        const book = new OrderBook();
        const model = new Map<number, number>();
        for (const [p, s] of ops) {
          book.bids.set(p, s);
          if (s === 0) model.delete(p);
          else model.set(p, s);
        }
        expect(book.bids.top()).toEqual([...model].sort((a, b) => b[0] - a[0]));
      }),
    );
  });

  it('keeps each level\'s original strings and their checksum digests through inserts, removals and truncation', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 9 })), { maxLength: 400 }),
        fc.integer({ min: 1, max: 40 }),
        (ops, depth) => {
          const book = new OrderBook(krakenDigest);
          const model = new Map<number, [string, string]>();
          for (const [p, s, pad] of ops) {
            // The strings carry padding the numbers lose, so a string is provably the one given.
            const ps = `${p}.${'0'.repeat(pad)}`, ss = `${s}.${'0'.repeat(9 - pad)}`;
            book.asks.set(p, s, ps, ss);
            if (s === 0) model.delete(p);
            // A size change keeps the price string the level was inserted with.
            else model.set(p, [model.get(p)?.[0] ?? ps, ss]);
          }
          book.asks.truncate(depth);
          const want = [...model].sort((a, b) => a[0] - b[0]).slice(0, depth).map(([, [ps, ss]]) => `${ps} ${ss}`);
          expect(book.asks.priceStr!.map((p, i) => `${p} ${book.asks.sizeStr![i]}`)).toEqual(want);
          for (let r = 0; r < book.asks.length; r++) {
            expect(book.asks.priceDigestAt(r)).toBe(krakenDigest(book.asks.priceStrAt(r)!));
            expect(book.asks.sizeDigestAt(r)).toBe(krakenDigest(book.asks.sizeStrAt(r)!));
          }
        },
      ),
    );
  });
});

