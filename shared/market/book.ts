import type { Level } from './types';

/**
 * One side of an order book as sorted parallel typed arrays (best first). Binary search finds a level;
 * inserts and removals shift with copyWithin, which for books of a few thousand levels is cheaper than
 * any tree and keeps the top of book a plain index read. Optionally keeps the venue's original decimal
 * strings per level, for checksums that are defined over them (Kraken, OKX).
 */
export class BookSide {
  prices: Float64Array;
  sizes: Float64Array;
  /** Original price and size strings, parallel to the arrays; only when `keepStrings`. */
  priceStr: string[] | undefined;
  sizeStr: string[] | undefined;
  length = 0;

  constructor(
    /** Bids are descending (best = highest), asks ascending. */
    readonly descending: boolean,
    keepStrings = false,
    capacity = 256,
  ) {
    this.prices = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
    if (keepStrings) {
      this.priceStr = [];
      this.sizeStr = [];
    }
  }

  clear(): void {
    this.length = 0;
    if (this.priceStr) this.priceStr.length = this.sizeStr!.length = 0;
  }

  /** The venue's original strings of the level at `rank` (0 = best), when the side keeps them. */
  priceStrAt(rank: number): string | undefined {
    return this.priceStr?.[rank];
  }

  sizeStrAt(rank: number): string | undefined {
    return this.sizeStr?.[rank];
  }

  /** Index of `price`, or ~insertionPoint when absent. */
  find(price: number): number {
    const p = this.prices;
    let lo = 0;
    let hi = this.length - 1;
    if (this.descending) {
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = p[mid]!;
        if (v > price) lo = mid + 1;
        else if (v < price) hi = mid - 1;
        else return mid;
      }
    } else {
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = p[mid]!;
        if (v < price) lo = mid + 1;
        else if (v > price) hi = mid - 1;
        else return mid;
      }
    }
    return ~lo;
  }

  /** Sets a level; size 0 removes it. Returns false when removing a level that is not there. */
  set(price: number, size: number, priceStr?: string, sizeStr?: string): boolean {
    const i = this.find(price);
    if (i >= 0) {
      if (size === 0) this.removeAt(i);
      else {
        this.sizes[i] = size;
        if (this.sizeStr) this.sizeStr[i] = sizeStr ?? String(size);
      }
      return true;
    }
    if (size === 0) return false;
    this.insertAt(~i, price, size, priceStr, sizeStr);
    return true;
  }

  removeAt(i: number): void {
    const n = this.length;
    this.prices.copyWithin(i, i + 1, n);
    this.sizes.copyWithin(i, i + 1, n);
    if (this.priceStr) {
      this.priceStr.splice(i, 1);
      this.sizeStr!.splice(i, 1);
    }
    this.length = n - 1;
  }

  /** Drops levels beyond `depth` (venues that send a fixed-depth book expect the client to). */
  truncate(depth: number): void {
    if (this.length <= depth) return;
    this.length = depth;
    if (this.priceStr) this.priceStr.length = this.sizeStr!.length = depth;
  }

  get bestPrice(): number {
    return this.length ? this.prices[0]! : NaN;
  }

  get bestSize(): number {
    return this.length ? this.sizes[0]! : NaN;
  }

  /** The best `n` levels as [price, size] pairs (a copy). */
  top(n = this.length): Level[] {
    const out: Level[] = [];
    for (let i = 0, m = Math.min(n, this.length); i < m; i++) out.push([this.prices[i]!, this.sizes[i]!]);
    return out;
  }

  private insertAt(i: number, price: number, size: number, priceStr?: string, sizeStr?: string): void {
    const n = this.length;
    if (n === this.prices.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.prices = grow(this.prices);
      this.sizes = grow(this.sizes);
    }
    this.prices.copyWithin(i + 1, i, n);
    this.sizes.copyWithin(i + 1, i, n);
    this.prices[i] = price;
    this.sizes[i] = size;
    if (this.priceStr) {
      this.priceStr.splice(i, 0, priceStr ?? String(price));
      this.sizeStr!.splice(i, 0, sizeStr ?? String(size));
    }
    this.length = n + 1;
  }
}

/** A price-level book for one instrument on one venue. */
export class OrderBook {
  readonly bids: BookSide;
  readonly asks: BookSide;

  constructor(keepStrings = false) {
    this.bids = new BookSide(true, keepStrings);
    this.asks = new BookSide(false, keepStrings);
  }

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** Best bid at or above best ask: a book that cannot be the venue's. */
  get crossed(): boolean {
    return this.bids.length > 0 && this.asks.length > 0 && this.bids.prices[0]! >= this.asks.prices[0]!;
  }
}
