import type { BookSide, OrderBook } from './book';
import { CRC32_START, crc32Add, crc32AddCode, crc32Append, crc32Digest, crc32End } from './crc32';

// Book checksums as the venues define them, over the original strings: the book keeps each level's
// strings with a digest of the text the checksum reads (`new OrderBook(krakenDigest)`), computed once when
// the level changes, so a checksum folds the top levels' digests: no string reread, no sort, no allocation.

/** A longer decimal string cannot be a venue's; its digest is NaN, so the checksum fails and the book resyncs. */
const MAX_TEXT = 255;

/** Kraken reads a decimal string with the dot removed, then leading zeros removed. */
export function krakenDigest(s: string): number {
  let crc = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 || (n === 0 && c === 48)) continue; // '.', leading '0'
    crc = crc32AddCode(crc, c);
    n++;
  }
  return n > MAX_TEXT ? NaN : crc32Digest(crc, n);
}

/** OKX reads the string as sent. */
export const okxDigest = (s: string): number => (s.length > MAX_TEXT ? NaN : crc32Digest(crc32Add(0, s), s.length));

function assertDigest(book: OrderBook, digest: (s: string) => number, venue: string): void {
  if (book.bids.digest !== digest || book.asks.digest !== digest) throw new Error(`${venue} checksum needs a book built with ${digest.name}`);
}

/**
 * A CRC32 over a fixed sequence of top-of-book slots (one level each), folded from the levels' digests,
 * that keeps the running CRC after every slot: the book says from which rank it changed since the last
 * checksum (`takeChanged`), and only the slots from there on are folded again — most updates change none.
 * One instance per book.
 */
class SlotCrc {
  /** Per slot, the CRC after it and whether a level came up to it. */
  private readonly after: Int32Array;
  private readonly filled: Uint8Array;
  private crc = CRC32_START;
  private any = false;

  constructor(
    slots: number,
    /** Appends one level (its price and size digests) to a running CRC; `first` when no level precedes it. */
    private readonly add: (crc: number, price: number, size: number, first: boolean) => number,
  ) {
    this.after = new Int32Array(slots);
    this.filled = new Uint8Array(slots);
  }

  /** Starts at slot `from`: the slots before it are as at the last call. */
  begin(from: number): void {
    this.crc = from > 0 ? this.after[from - 1]! : CRC32_START;
    this.any = from > 0 && this.filled[from - 1] === 1;
  }

  /** Slot `k` holds the level at rank `i` of `side`, or nothing when the side is shorter. */
  slot(k: number, side: BookSide, i: number): void {
    if (i < side.length) {
      this.crc = this.add(this.crc, side.priceDigestAt(i), side.sizeDigestAt(i), !this.any);
      this.any = true;
    }
    this.after[k] = this.crc;
    this.filled[k] = this.any ? 1 : 0;
  }

  end(): number {
    return crc32End(this.crc);
  }
}

/**
 * Kraken's book checksum (WebSocket v1 and v2): CRC32 over the top 10 asks (best first) then the top 10
 * bids, each level as price then size with the dot and leading zeros removed, as an unsigned integer.
 * One instance per book.
 */
export class KrakenChecksum {
  private readonly crc = new SlotCrc(20, (crc, p, s) => crc32Append(crc32Append(crc, p), s));

  of(book: OrderBook): number {
    assertDigest(book, krakenDigest, 'kraken');
    const c = this.crc;
    const a = book.asks.takeChanged(), b = book.bids.takeChanged();
    const from = Math.min(a < 10 ? a : 20, b < 10 ? 10 + b : 20);
    c.begin(from);
    for (let k = from; k < 20; k++) c.slot(k, k < 10 ? book.asks : book.bids, k < 10 ? k : k - 10);
    return c.end() >>> 0;
  }
}

/**
 * OKX's book checksum: CRC32 (signed) over `bid:size:ask:size:…` for the best 25 levels, interleaved bid
 * first, taking the rest of the longer side alone, from the original strings. One instance per book.
 */
export class OkxChecksum {
  /** `price:size`, after a `:` unless it is the first level. */
  private readonly crc = new SlotCrc(50, (crc, p, s, first) => crc32Append(crc32AddCode(crc32Append(first ? crc : crc32AddCode(crc, 58), p), 58), s));

  of(book: OrderBook): number {
    assertDigest(book, okxDigest, 'okx');
    const c = this.crc;
    const b = book.bids.takeChanged(), a = book.asks.takeChanged();
    const from = Math.min(2 * b, 2 * a + 1, 50);
    c.begin(from);
    for (let k = from; k < 50; k++) c.slot(k, k % 2 === 0 ? book.bids : book.asks, k >> 1);
    return c.end();
  }
}
