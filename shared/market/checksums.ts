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
 */
export class KrakenChecksum {
  of(book: OrderBook): number {
    assertDigest(book, krakenDigest, 'kraken');
    return crc32End(top10(top10(CRC32_START, book.asks), book.bids)) >>> 0;
  }
}

function top10(crc: number, side: BookSide): number {
  for (let i = 0, n = Math.min(10, side.length); i < n; i++) crc = crc32Append(crc32Append(crc, side.priceDigestAt(i)), side.sizeDigestAt(i));
  return crc;
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
