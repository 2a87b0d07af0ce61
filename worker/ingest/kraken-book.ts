import type { BookSide, OrderBook } from '../../shared/market/book';
import { CRC32_START, crc32AddCode, crc32End } from '../../shared/market/crc32';

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

function addSide(crc: number, side: BookSide): number {
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
export const krakenChecksum = (book: OrderBook): number => crc32End(addSide(addSide(CRC32_START, book.asks), book.bids)) >>> 0;
