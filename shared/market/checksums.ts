import type { BookSide, OrderBook } from './book';
import { CRC32_START, crc32Add, crc32AddCode, crc32End } from './crc32';

// Book checksums as the venues define them, read in place from the book's kept strings (`new OrderBook(true)`).

/** Adds a decimal string as Kraken's checksum reads it: the dot removed, then leading zeros removed. */
function addDigits(crc: number, s: string): number {
  let lead = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) continue; // '.'
    if (lead && c === 48) continue; // leading '0'
    lead = false;
    crc = crc32AddCode(crc, c);
  }
  return crc;
}

function addTop10(crc: number, side: BookSide): number {
  const n = Math.min(10, side.length);
  const ps = side.priceStr!, ss = side.sizeStr!;
  for (let i = 0; i < n; i++) crc = addDigits(addDigits(crc, ps[i]!), ss[i]!);
  return crc;
}

/**
 * Kraken's book checksum (WebSocket v1 and v2): CRC32 over the top 10 asks (best first) then the top 10
 * bids, each level as price then size with the dot and leading zeros removed, as an unsigned integer.
 * Reads the book's kept strings in place: no joined string, no sort.
 */
export const krakenChecksum = (book: OrderBook): number => crc32End(addTop10(addTop10(CRC32_START, book.asks), book.bids)) >>> 0;

/**
 * OKX's book checksum: CRC32 (signed) over `bid:size:ask:size:…` for the best 25 levels, interleaved bid
 * first, taking the rest of the longer side alone, from the original strings.
 */
export function okxChecksum(book: OrderBook): number {
  let crc = CRC32_START;
  let sep = false;
  const add = (side: BookSide, i: number) => {
    if (sep) crc = crc32AddCode(crc, 58);
    crc = crc32AddCode(crc32Add(crc, side.priceStr![i]!), 58);
    crc = crc32Add(crc, side.sizeStr![i]!);
    sep = true;
  };
  for (let i = 0; i < 25; i++) {
    if (i < book.bids.length) add(book.bids, i);
    if (i < book.asks.length) add(book.asks, i);
  }
  return crc32End(crc);
}
