import type { Level } from './types';

/**
 * What a side keeps of a level's original strings for a checksum defined over them: a digest of the text
 * the checksum reads (see checksums.ts), so the checksum folds stored numbers instead of rereading strings.
 */
export type LevelDigest = (s: string) => number;

/**
 * One side of an order book as sorted parallel typed arrays, stored worst first so that the best level is
 * the last one: updates cluster at the top of the book, and there an insert or removal moves only the few
 * levels above it (a 5,000-level Binance futures book changes mostly within 50 levels of the top). Binary
 * search finds a level; the top of book is a plain index read. Read levels by rank (0 = best) through
 * `priceAt`/`sizeAt`/`top`. Given a `LevelDigest`, also keeps the venue's original decimal strings per
 * level and their digests, for checksums that are defined over them (Kraken, OKX).
 */
export class BookSide {
  /** Prices and sizes, worst first: index `length - 1` is the best level. */
  private px: Float64Array;
  private qty: Float64Array;
  /**
   * With a digest: per level (index for index) the slot holding its strings and their digests. Slots never
   * move, so an insert or removal shifts one Int32Array, not pointer arrays (no write barriers, no garbage).
   */
  private slot: Int32Array | undefined;
  private pxStr: string[] | undefined;
  private qtyStr: string[] | undefined;
  private pxDig: Float64Array | undefined;
  private qtyDig: Float64Array | undefined;
  /** Slots of removed levels, reused first; then `slots` is the next never-used one. */
  private free: number[] = [];
  private slots = 0;
  /** Best rank whose level changed since `takeChanged` (levels below a change may have moved too). */
  private changed = 0;
  length = 0;

  constructor(
    /** Bids are descending (best = highest), asks ascending. */
    readonly descending: boolean,
    readonly digest?: LevelDigest,
    capacity = 256,
  ) {
    this.px = new Float64Array(capacity);
    this.qty = new Float64Array(capacity);
    if (digest) {
      this.slot = new Int32Array(capacity);
      this.pxStr = [];
      this.qtyStr = [];
      this.pxDig = new Float64Array(capacity);
      this.qtyDig = new Float64Array(capacity);
    }
  }

  clear(): void {
    this.length = 0;
    this.changed = 0;
    if (this.pxStr) {
      this.pxStr.length = this.qtyStr!.length = 0;
      this.free.length = 0;
      this.slots = 0;
    }
  }

  /** Price of the level at `rank` (0 = best). */
  priceAt(rank: number): number {
    return this.px[this.length - 1 - rank]!;
  }

  sizeAt(rank: number): number {
    return this.qty[this.length - 1 - rank]!;
  }

  /** The venue's original strings of the level at `rank`, when the side keeps them. */
  priceStrAt(rank: number): string | undefined {
    return this.pxStr?.[this.slot![this.length - 1 - rank]!];
  }

  sizeStrAt(rank: number): string | undefined {
    return this.qtyStr?.[this.slot![this.length - 1 - rank]!];
  }

  /**
   * The digests of those strings (a side built with a `LevelDigest` only), computed on first use: checksums
   * read the top levels only, so most levels of a deep book never need one.
   */
  priceDigestAt(rank: number): number {
    const k = this.slot![this.length - 1 - rank]!;
    const d = this.pxDig![k]!;
    return d === d ? d : (this.pxDig![k] = this.digest!(this.pxStr![k]!));
  }

  sizeDigestAt(rank: number): number {
    const k = this.slot![this.length - 1 - rank]!;
    const d = this.qtyDig![k]!;
    return d === d ? d : (this.qtyDig![k] = this.digest!(this.qtyStr![k]!));
  }

  /** All original price strings, best first (a copy), when the side keeps them. */
  get priceStr(): string[] | undefined {
    return this.pxStr && Array.from({ length: this.length }, (_, r) => this.priceStrAt(r)!);
  }

  get sizeStr(): string[] | undefined {
    return this.qtyStr && Array.from({ length: this.length }, (_, r) => this.sizeStrAt(r)!);
  }

  /**
   * The best rank (0 = best) at which the side changed since the last call, Infinity when it did not: levels
   * above it are as they were. For one consumer (a book's checksum).
   */
  takeChanged(): number {
    const r = this.changed;
    this.changed = Infinity;
    return r;
  }

  /** Rank (0 = best) of `price`, or ~rank it would take when absent. */
  find(price: number): number {
    const i = this.index(price);
    return i >= 0 ? this.length - 1 - i : ~(this.length - ~i);
  }

  /** Storage index of `price`, or ~insertion index. Storage runs worst → best: ascending for bids, descending for asks. */
  private index(price: number): number {
    const p = this.px;
    let lo = 0;
    let hi = this.length - 1;
    // Most updates land near the best level, at the end: look there before searching. A level better than
    // the best (and every level of a snapshot loaded from its worst end) goes after it.
    if (hi < 0) return ~0;
    const best = p[hi]!;
    if (best === price) return hi;
    if (this.descending ? price > best : price < best) return ~(hi + 1);
    if (this.descending) {
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = p[mid]!;
        if (v < price) lo = mid + 1;
        else if (v > price) hi = mid - 1;
        else return mid;
      }
    } else {
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = p[mid]!;
        if (v > price) lo = mid + 1;
        else if (v < price) hi = mid - 1;
        else return mid;
      }
    }
    return ~lo;
  }

  /** Sets a level; size 0 removes it. Returns false when removing a level that is not there. */
  set(price: number, size: number, priceStr?: string, sizeStr?: string): boolean {
    const i = this.index(price);
    if (i >= 0) {
      if (size === 0) this.removeIndex(i);
      else {
        this.qty[i] = size;
        this.changed = Math.min(this.changed, this.length - 1 - i);
        if (this.qtyStr) {
          const k = this.slot![i]!;
          this.qtyStr[k] = sizeStr ?? String(size);
          this.qtyDig![k] = NaN;
        }
      }
      return true;
    }
    if (size === 0) return false;
    this.insertAt(~i, price, size, priceStr, sizeStr);
    return true;
  }

  /** Removes the level at `rank` (0 = best). */
  removeAt(rank: number): void {
    this.removeIndex(this.length - 1 - rank);
  }

  /** Drops levels beyond `depth` (venues that send a fixed-depth book expect the client to). */
  truncate(depth: number): void {
    const n = this.length;
    if (n <= depth) return;
    const cut = n - depth;
    this.changed = Math.min(this.changed, depth);
    this.px.copyWithin(0, cut, n);
    this.qty.copyWithin(0, cut, n);
    if (this.slot) {
      for (let i = 0; i < cut; i++) this.free.push(this.slot[i]!);
      this.slot.copyWithin(0, cut, n);
    }
    this.length = depth;
  }

  get bestPrice(): number {
    return this.length ? this.px[this.length - 1]! : NaN;
  }

  get bestSize(): number {
    return this.length ? this.qty[this.length - 1]! : NaN;
  }

  /** The best `n` levels as [price, size] pairs, best first (a copy). */
  top(n = this.length): Level[] {
    const out: Level[] = [];
    for (let i = this.length - 1, end = Math.max(0, this.length - n); i >= end; i--) out.push([this.px[i]!, this.qty[i]!]);
    return out;
  }

  private removeIndex(i: number): void {
    const n = this.length;
    this.changed = Math.min(this.changed, n - 1 - i);
    this.px.copyWithin(i, i + 1, n);
    this.qty.copyWithin(i, i + 1, n);
    if (this.slot) {
      this.free.push(this.slot[i]!);
      this.slot.copyWithin(i, i + 1, n);
    }
    this.length = n - 1;
  }

  private insertAt(i: number, price: number, size: number, priceStr?: string, sizeStr?: string): void {
    const n = this.length;
    this.changed = Math.min(this.changed, n - i);
    if (n === this.px.length) {
      this.px = doubled(this.px);
      this.qty = doubled(this.qty);
      if (this.slot) this.slot = doubled(this.slot);
    }
    // Appending (a snapshot loaded from its worst end, a new best level) moves nothing: skip the calls, ~12 ns each.
    if (i < n) {
      this.px.copyWithin(i + 1, i, n);
      this.qty.copyWithin(i + 1, i, n);
    }
    this.px[i] = price;
    this.qty[i] = size;
    if (this.slot) {
      const k = this.free.length ? this.free.pop()! : this.slots++;
      if (k === this.pxDig!.length) {
        this.pxDig = doubled(this.pxDig!);
        this.qtyDig = doubled(this.qtyDig!);
      }
      if (i < n) this.slot.copyWithin(i + 1, i, n);
      this.slot[i] = k;
      this.pxStr![k] = priceStr ?? String(price);
      this.qtyStr![k] = sizeStr ?? String(size);
      this.pxDig![k] = NaN;
      this.qtyDig![k] = NaN;
    }
    this.length = n + 1;
  }
}

/** A typed array twice as long holding `a`'s contents. */
function doubled<T extends Float64Array | Int32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/** A price-level book for one instrument on one venue. */
export class OrderBook {
  readonly bids: BookSide;
  readonly asks: BookSide;

  /** With a `LevelDigest`, the book keeps the venue's strings for its checksum (see checksums.ts). */
  constructor(digest?: LevelDigest) {
    this.bids = new BookSide(true, digest);
    this.asks = new BookSide(false, digest);
  }

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** Best bid at or above best ask: a book that cannot be the venue's. */
  get crossed(): boolean {
    return this.bids.length > 0 && this.asks.length > 0 && this.bids.bestPrice >= this.asks.bestPrice;
  }
}
