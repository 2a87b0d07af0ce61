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

/** `:price:size`: one level after the first. */
const okxLevel = (crc: number, side: BookSide, i: number): number =>
  crc32Append(crc32AddCode(crc32Append(crc32AddCode(crc, 58), side.priceDigestAt(i)), 58), side.sizeDigestAt(i));

function assertDigest(book: OrderBook, digest: (s: string) => number, venue: string): void {
  if (book.bids.digest !== digest || book.asks.digest !== digest) throw new Error(`${venue} checksum needs a book built with ${digest.name}`);
}

/**
 * Kraken's book checksum (WebSocket v1 and v2): CRC32 over the top 10 asks (best first) then the top 10
 * bids, each level as price then size with the dot and leading zeros removed, as an unsigned integer.
 * One instance per book: it keeps the running CRC after each of the 20 slots, and most updates change
 * none of the top levels or only later slots, so the unchanged leading slots are not folded again.
 */
export class KrakenChecksum {
  /** Per slot, the price and size digests at the last call (-1: empty slot), and the running CRC after it. */
  private readonly last = new Float64Array(40).fill(-2);
  private readonly after = new Int32Array(20);

  of(book: OrderBook): number {
    assertDigest(book, krakenDigest, 'kraken');
    const last = this.last;
    let crc = CRC32_START;
    let same = true;
    for (let k = 0; k < 20; k++) {
      const side = k < 10 ? book.asks : book.bids;
      const i = k < 10 ? k : k - 10;
      const dp = i < side.length ? side.priceDigestAt(i) : -1;
      const ds = i < side.length ? side.sizeDigestAt(i) : -1;
      if (same && last[2 * k] === dp && last[2 * k + 1] === ds) {
        crc = this.after[k]!;
        continue;
      }
      same = false;
      last[2 * k] = dp;
      last[2 * k + 1] = ds;
      if (dp >= 0) crc = crc32Append(crc32Append(crc, dp), ds);
      this.after[k] = crc;
    }
    return crc32End(crc) >>> 0;
  }
}

/**
 * OKX's book checksum: CRC32 (signed) over `bid:size:ask:size:…` for the best 25 levels, interleaved bid
 * first, taking the rest of the longer side alone, from the original strings.
 */
export class OkxChecksum {
  of(book: OrderBook): number {
    assertDigest(book, okxDigest, 'okx');
    const { bids, asks } = book;
    // The text starts without a ':': the first level's price goes straight on the start value.
    let crc = CRC32_START;
    let first = true;
    for (let i = 0; i < 25; i++) {
      for (let k = 0; k < 2; k++) {
        const side = k === 0 ? bids : asks;
        if (i >= side.length) continue;
        if (first) {
          crc = crc32Append(crc32AddCode(crc32Append(crc, side.priceDigestAt(i)), 58), side.sizeDigestAt(i));
          first = false;
        } else crc = okxLevel(crc, side, i);
      }
    }
    return crc32End(crc);
  }
}
