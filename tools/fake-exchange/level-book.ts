/**
 * A venue's book as the fake exchange keeps it to answer a (re)subscribe with a snapshot: levels by their
 * original price string, each with the rest of the venue's level array (size first) kept verbatim, so the
 * snapshot carries the very strings the recorded updates' checksums were computed over.
 */
export class LevelBook {
  readonly bids = new Map<string, string[]>();
  readonly asks = new Map<string, string[]>();

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** Applies `[price, size, …]` levels; size 0 removes. */
  apply(side: 'bids' | 'asks', levels: readonly (readonly string[])[] | undefined): void {
    const m = this[side];
    for (const [p, ...rest] of levels ?? []) {
      if (+rest[0]! === 0) m.delete(p!);
      else m.set(p!, rest);
    }
  }

  /** The best `n` levels of a side as `[price, …rest]`, best first. */
  top(side: 'bids' | 'asks', n: number): string[][] {
    const dir = side === 'bids' ? -1 : 1;
    return [...this[side]].sort((a, b) => dir * (+a[0] - +b[0])).slice(0, n).map(([p, rest]) => [p, ...rest]);
  }
}
