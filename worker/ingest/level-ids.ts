/**
 * Level id → price, for venues whose book rows name a level by id (BitMEX): an open-addressing hash table
 * over typed arrays (linear probing, deletion by backward shift, so no tombstones). A Map boxes every id
 * above 2^31 as a heap number and allocates an entry per level; a partial of thousands of levels then costs
 * more than reading it. Ids are finite numbers (the caller checks); a missing id reads as NaN.
 */
export class LevelIds {
  private keys = new Float64Array(1024);
  private vals = new Float64Array(1024);
  private used = new Uint8Array(1024);
  private mask = 1023;
  size = 0;

  clear(): void {
    if (this.size === 0) return;
    this.used.fill(0);
    this.size = 0;
  }

  private slot(id: number): number {
    // Low and high 32 bits mixed (ids run past 2^32), then Fibonacci hashing.
    const h = Math.imul((id >>> 0) ^ Math.imul((id / 4294967296) | 0, 0x85ebca6b), 0x9e3779b1);
    return (h ^ (h >>> 15)) & this.mask;
  }

  /** The slot holding `id`, or -1. */
  private find(id: number): number {
    for (let i = this.slot(id); this.used[i]; i = (i + 1) & this.mask) if (this.keys[i] === id) return i;
    return -1;
  }

  get(id: number): number {
    const i = this.find(id);
    return i < 0 ? NaN : this.vals[i]!;
  }

  has(id: number): boolean {
    return this.find(id) >= 0;
  }

  set(id: number, price: number): void {
    let i = this.slot(id);
    for (; this.used[i]; i = (i + 1) & this.mask) {
      if (this.keys[i] === id) {
        this.vals[i] = price;
        return;
      }
    }
    this.keys[i] = id;
    this.vals[i] = price;
    this.used[i] = 1;
    // At most half full, so probes stay short.
    if (++this.size * 2 > this.mask + 1) this.grow();
  }

  delete(id: number): boolean {
    let i = this.find(id);
    if (i < 0) return false;
    this.size--;
    // Backward shift: move later entries of the probe run into the hole unless that would put them before their home slot.
    for (let j = (i + 1) & this.mask; this.used[j]; j = (j + 1) & this.mask) {
      const home = this.slot(this.keys[j]!);
      if (((j - home) & this.mask) >= ((j - i) & this.mask)) {
        this.keys[i] = this.keys[j]!;
        this.vals[i] = this.vals[j]!;
        i = j;
      }
    }
    this.used[i] = 0;
    return true;
  }

  private grow(): void {
    const { keys, vals, used } = this;
    const n = 2 * used.length;
    this.keys = new Float64Array(n);
    this.vals = new Float64Array(n);
    this.used = new Uint8Array(n);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i]) this.set(keys[i]!, vals[i]!);
  }
}
