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
 * CRC is linear, so the bids' part is kept apart — its register from 0 and its length, per slot — and
 * joined to the asks' CRC at the end in one or two lookups: a change on one side refolds only that side's
 * slots from the changed rank on (an ask change no longer refolds all ten bids). One instance per book.
 */
export class KrakenChecksum {
  /** Per slot, the asks' running CRC after it (from CRC32_START), the bids' register after it (from 0) and length. */
  private readonly askAfter = new Int32Array(10);
  private readonly bidAfter = new Int32Array(10);
  private readonly bidLength = new Int32Array(10);

  of(book: OrderBook): number {
    assertDigest(book, krakenDigest, 'kraken');
    const a = book.asks.takeChanged(), b = book.bids.takeChanged();
    if (a < 10) {
      const asks = book.asks;
      let crc = a > 0 ? this.askAfter[a - 1]! : CRC32_START;
      for (let k = a; k < 10; k++) {
        if (k < asks.length) crc = crc32Append(crc32Append(crc, asks.priceDigestAt(k)), asks.sizeDigestAt(k));
        this.askAfter[k] = crc;
      }
    }
    if (b < 10) {
      const bids = book.bids;
      let reg = b > 0 ? this.bidAfter[b - 1]! : 0;
      let n = b > 0 ? this.bidLength[b - 1]! : 0;
      for (let k = b; k < 10; k++) {
        if (k < bids.length) {
          const p = bids.priceDigestAt(k), q = bids.sizeDigestAt(k);
          reg = crc32Append(crc32Append(reg, p), q);
          n += (p & 0xff) + (q & 0xff);
        }
        this.bidAfter[k] = reg;
        this.bidLength[k] = n;
      }
    }
    // The asks' CRC run through as many zero bytes as the bids' text has, plus the bids' register.
    let crc = this.askAfter[9]!;
    let n = this.bidLength[9]!;
    for (; n > 255; n -= 255) crc = crc32Append(crc, crc32Digest(0, 255));
    return crc32End(crc32Append(crc, crc32Digest(this.bidAfter[9]!, n))) >>> 0;
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
