import type { BookSide, OrderBook } from './book';
import { CRC32_START, crc32Add, crc32AddCode, crc32End } from './crc32';

// Book checksums as the venues define them, read in place from the book's kept strings (`new OrderBook(true)`).

/**
 * A CRC32 over a fixed sequence of top-of-book slots (one level each: price and size strings), that keeps
 * the running CRC after every slot: most updates touch one level, so only the slots from the first
 * changed one onwards are hashed again. No joined string, no sort, no allocation per call.
 */
class SlotCrc {
  /** Price and size string of each slot at the last call. */
  private readonly keys: (string | undefined)[];
  /** Running CRC after each slot, and whether any slot up to it held a level. */
  private readonly states: Int32Array;
  private readonly filled: Uint8Array;
  private crc = CRC32_START;
  private any = false;
  private same = true;

  constructor(
    slots: number,
    /** Adds one level to a running CRC; `first` when no level precedes it. */
    private readonly add: (crc: number, price: string, size: string, first: boolean) => number,
  ) {
    this.keys = new Array<string | undefined>(2 * slots).fill(undefined);
    this.states = new Int32Array(slots + 1).fill(CRC32_START);
    this.filled = new Uint8Array(slots + 1);
  }

  begin(): void {
    this.crc = CRC32_START;
    this.any = false;
    this.same = true;
  }

  /** Slot `k` holds level `i` of `side`, or nothing when the side is shorter. */
  slot(k: number, side: BookSide, i: number): void {
    const p = i < side.length ? side.priceStrAt(i) : undefined;
    const s = i < side.length ? side.sizeStrAt(i) : undefined;
    const keys = this.keys;
    if (this.same && keys[2 * k] === p && keys[2 * k + 1] === s) {
      this.crc = this.states[k + 1]!;
      this.any = this.filled[k + 1] === 1;
      return;
    }
    this.same = false;
    keys[2 * k] = p;
    keys[2 * k + 1] = s;
    if (p !== undefined) {
      this.crc = this.add(this.crc, p, s!, !this.any);
      this.any = true;
    }
    this.states[k + 1] = this.crc;
    this.filled[k + 1] = this.any ? 1 : 0;
  }

  end(): number {
    return crc32End(this.crc);
  }
}

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
 * One instance per book.
 */
export class KrakenChecksum {
  private readonly crc = new SlotCrc(20, (crc, p, s) => addDigits(addDigits(crc, p), s));

  of(book: OrderBook): number {
    const c = this.crc;
    c.begin();
    for (let i = 0; i < 10; i++) c.slot(i, book.asks, i);
    for (let i = 0; i < 10; i++) c.slot(10 + i, book.bids, i);
    return c.end() >>> 0;
  }
}

/** `price:size`, preceded by `:` unless it is the first level. */
const addPair = (crc: number, p: string, s: string, first: boolean): number =>
  crc32Add(crc32AddCode(crc32Add(first ? crc : crc32AddCode(crc, 58), p), 58), s);

/**
 * OKX's book checksum: CRC32 (signed) over `bid:size:ask:size:…` for the best 25 levels, interleaved bid
 * first, taking the rest of the longer side alone, from the original strings. One instance per book.
 */
export class OkxChecksum {
  private readonly crc = new SlotCrc(50, addPair);

  of(book: OrderBook): number {
    const c = this.crc;
    c.begin();
    for (let i = 0; i < 25; i++) {
      c.slot(2 * i, book.bids, i);
      c.slot(2 * i + 1, book.asks, i);
    }
    return c.end();
  }
}
