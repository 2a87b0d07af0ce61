/** One side of a fake venue's book as the venue's own decimal strings, price → size. */
export class LevelSide {
  private readonly levels = new Map<string, string>();

  /** Absolute size; a zero size (in any spelling) removes the level. */
  set(price: string, size: string): void {
    if (+size === 0) this.levels.delete(price);
    else this.levels.set(price, size);
  }

  /** Best first: `dir` -1 for bids (descending), 1 for asks. */
  sorted(dir: 1 | -1, limit = Infinity): [string, string][] {
    return [...this.levels].sort((a, b) => dir * (+a[0] - +b[0])).slice(0, limit);
  }
}

/** A price-level book kept by a fake venue to answer snapshot requests as the venue would at that moment. */
export class LevelBook {
  readonly bids = new LevelSide();
  readonly asks = new LevelSide();

  static from(bids: [string, string][], asks: [string, string][]): LevelBook {
    const b = new LevelBook();
    for (const [p, s] of bids) b.bids.set(p, s);
    for (const [p, s] of asks) b.asks.set(p, s);
    return b;
  }
}
