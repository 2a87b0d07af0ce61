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

/**
 * Kraken's book checksum (WebSocket v1 and v2): CRC32 over the top 10 asks (best first) then the top 10
 * bids, each level as price then size with the dot and leading zeros removed, as an unsigned integer.
 * Reads the book's kept strings in place (no joined string, no sort) and, because most updates touch
 * one level, keeps the running CRC after each of the 20 slots: only the slots from the first changed
 * one onwards are hashed again. One instance per book.
 */
export class KrakenChecksum {
  /** Price and size string of each slot at the last call (asks 0–9, then bids 0–9). */
  private readonly keys: (string | undefined)[] = new Array<string | undefined>(40).fill(undefined);
  /** Running CRC after each slot; an empty prefix is the start value. */
  private readonly states = new Int32Array(21).fill(CRC32_START);
  private crc = CRC32_START;
  private same = true;

  of(book: OrderBook): number {
    this.crc = CRC32_START;
    this.same = true;
    this.walk(book.asks, 0);
    this.walk(book.bids, 10);
    return crc32End(this.crc) >>> 0;
  }

  private walk(side: BookSide, base: number): void {
    const ps = side.priceStr!, ss = side.sizeStr!, keys = this.keys, states = this.states;
    for (let i = 0; i < 10; i++) {
      const slot = base + i;
      const p = i < side.length ? ps[i] : undefined;
      const s = i < side.length ? ss[i] : undefined;
      if (this.same && keys[2 * slot] === p && keys[2 * slot + 1] === s) {
        this.crc = states[slot + 1]!;
        continue;
      }
      this.same = false;
      keys[2 * slot] = p;
      keys[2 * slot + 1] = s;
      if (p !== undefined) this.crc = addDigits(addDigits(this.crc, p), s!);
      states[slot + 1] = this.crc;
    }
  }
}

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
