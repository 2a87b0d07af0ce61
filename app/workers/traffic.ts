const WINDOW_S = 60;

/**
 * Bytes received over the last minute, in one-second buckets (a ring, so counting a frame is one add).
 * Before a minute has passed the rate is what arrived so far, scaled to a minute.
 */
export class TrafficMeter {
  private readonly buckets = new Float64Array(WINDOW_S);
  private second = 0;
  private readonly since: number;
  /** Every byte since the meter started. */
  total = 0;

  constructor(now = Date.now()) {
    this.since = now;
    this.second = Math.floor(now / 1000);
  }

  add(bytes: number, now = Date.now()): void {
    this.roll(now);
    this.buckets[this.second % WINDOW_S]! += bytes;
    this.total += bytes;
  }

  /** Bytes per minute over the last minute (or since the start, scaled), and the window it covers in ms. */
  perMinute(now = Date.now()): { bytesPerMinute: number; windowMs: number } {
    this.roll(now);
    const windowMs = Math.min(WINDOW_S * 1000, Math.max(1000, now - this.since));
    let sum = 0;
    for (const b of this.buckets) sum += b;
    return { bytesPerMinute: (sum * 60_000) / windowMs, windowMs };
  }

  /** Clears the buckets of the seconds that passed since the last frame. */
  private roll(now: number): void {
    const s = Math.floor(now / 1000);
    for (let k = this.second + 1; k <= s && k <= this.second + WINDOW_S; k++) this.buckets[k % WINDOW_S] = 0;
    if (s > this.second) this.second = s;
  }
}
