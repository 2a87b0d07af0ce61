import { DurableObject } from 'cloudflare:workers';
import { FRESH, POLICIES, recordFailure, retryAfter, type PolicyName, type ThrottleState } from '../auth/throttle';

/**
 * One throttled key (`ip:<addr>`, `acct:<userId>`, `signup:<addr>`): its failure count and lock. Time is
 * the object's clock plus a skew that only tests move (through the binding, never over HTTP).
 */
export class Throttle extends DurableObject<Env> {
  private now(): number {
    return Date.now() + (this.ctx.storage.kv.get<number>('skew') ?? 0);
  }

  private state(): ThrottleState {
    return this.ctx.storage.kv.get<ThrottleState>('state') ?? FRESH;
  }

  /** Milliseconds the caller must wait; 0 when it may try now. */
  async check(): Promise<number> {
    return retryAfter(this.state(), this.now());
  }

  /** Counts a failure (or, for sign-ups, an attempt) and returns the wait it now imposes. */
  async fail(policy: PolicyName): Promise<number> {
    const now = this.now();
    const next = recordFailure(this.state(), POLICIES[policy], now);
    this.ctx.storage.kv.put('state', next);
    return retryAfter(next, now);
  }

  async reset(): Promise<void> {
    this.ctx.storage.kv.delete('state');
  }

  /** Test hook: moves this object's clock forward instead of sleeping. */
  async advanceClock(ms: number): Promise<void> {
    this.ctx.storage.kv.put('skew', (this.ctx.storage.kv.get<number>('skew') ?? 0) + ms);
  }
}
