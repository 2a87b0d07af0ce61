export type Cols<C extends string> = Record<C, Float64Array>;

/**
 * An append-only columnar table in fixed-size float64 chunks, bounded to `maxRows`: as soon as the oldest whole
 * chunk can go with at least `maxRows` left, it is dropped, so it holds fewer than maxRows + chunkRows rows and no
 * append ever copies old rows. `runs` hands out the chunks' filled parts without copying (arrow-io.ts wraps them
 * as Arrow record batches).
 */
export class ColumnChunks<C extends string> {
  private chunks: Cols<C>[] = [];
  private fill: number;
  private n = 0;
  /** Rows dropped from the front since creation. */
  dropped = 0;

  constructor(
    readonly columns: readonly C[],
    readonly chunkRows: number,
    readonly maxRows: number,
  ) {
    this.fill = chunkRows;
  }

  get length(): number {
    return this.n;
  }

  /** Bytes held by the chunks (allocated, not only filled). */
  get bytes(): number {
    return this.chunks.length * this.chunkRows * this.columns.length * 8;
  }

  private tailChunk(): Cols<C> {
    if (this.fill === this.chunkRows) {
      this.chunks.push(Object.fromEntries(this.columns.map((c) => [c, new Float64Array(this.chunkRows)])) as Cols<C>);
      this.fill = 0;
    }
    return this.chunks[this.chunks.length - 1]!;
  }

  /** Drops whole oldest chunks while what remains still holds at least `maxRows`. */
  private evict(): void {
    while (this.n - this.chunkRows >= this.maxRows) {
      this.chunks.shift();
      this.n -= this.chunkRows;
      this.dropped += this.chunkRows;
    }
  }

  append(row: Readonly<Record<C, number>>): void {
    const ch = this.tailChunk();
    for (const c of this.columns) ch[c][this.fill] = row[c];
    this.fill++;
    if (++this.n - this.chunkRows >= this.maxRows) this.evict();
  }

  /** Appends rows [from, to) of columnar input, chunk by chunk with `set` (no per-row work). */
  appendColumns(src: Readonly<Cols<C>>, from = 0, to = src[this.columns[0]!].length): void {
    while (from < to) {
      const ch = this.tailChunk();
      const k = Math.min(to - from, this.chunkRows - this.fill);
      for (const c of this.columns) ch[c].set(src[c].subarray(from, from + k), this.fill);
      this.fill += k;
      this.n += k;
      from += k;
      if (this.n - this.chunkRows >= this.maxRows) this.evict();
    }
  }

  clear(): void {
    this.chunks = [];
    this.fill = this.chunkRows;
    this.n = 0;
  }

  get(c: C, i: number): number {
    return this.chunks[Math.floor(i / this.chunkRows)]![c][i % this.chunkRows]!;
  }

  last(c: C): number {
    return this.n ? this.get(c, this.n - 1) : NaN;
  }

  /** The first row with `column ≥ value` (the column must be ascending), or `length`. */
  lowerBound(c: C, value: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.get(c, mid) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Fresh copies of rows [from, to): the caller owns them and may transfer them. */
  slice(from = 0, to = this.n): Cols<C> {
    from = Math.max(0, from);
    to = Math.min(this.n, to);
    const out = Object.fromEntries(this.columns.map((c) => [c, new Float64Array(Math.max(0, to - from))])) as Cols<C>;
    let at = 0;
    this.forEachRun(from, to, (ch, s, e) => {
      for (const c of this.columns) out[c].set(ch[c].subarray(s, e), at);
      at += e - s;
    });
    return out;
  }

  /** Views (no copies) of the filled part of each chunk, oldest first. */
  runs(): Cols<C>[] {
    const out: Cols<C>[] = [];
    this.forEachRun(0, this.n, (ch, s, e) => out.push(Object.fromEntries(this.columns.map((c) => [c, ch[c].subarray(s, e)])) as Cols<C>));
    return out;
  }

  private forEachRun(from: number, to: number, fn: (ch: Cols<C>, start: number, end: number) => void): void {
    let off = from;
    let left = to - from;
    while (left > 0) {
      const k = Math.floor(off / this.chunkRows);
      const s = off % this.chunkRows;
      const e = Math.min(this.chunkRows, s + left);
      fn(this.chunks[k]!, s, e);
      left -= e - s;
      off += e - s;
    }
  }
}
