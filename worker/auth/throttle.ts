/**
 * Lockout with exponential back-off, one pure function pair used for every key (per IP, per account,
 * sign-ups per IP): the first `free` failures in `windowMs` cost nothing, each one after locks the key
 * for base·2^k up to `maxMs`; a success or a quiet window forgets.
 */
export interface Policy { free: number; baseMs: number; maxMs: number; windowMs: number }
export interface ThrottleState { failures: number; lastFailure: number; lockedUntil: number }

export const POLICIES = {
  account: { free: 5, baseMs: 30_000, maxMs: 15 * 60_000, windowMs: 15 * 60_000 },
  ip: { free: 20, baseMs: 30_000, maxMs: 60 * 60_000, windowMs: 15 * 60_000 },
  signup: { free: 10, baseMs: 60_000, maxMs: 60 * 60_000, windowMs: 60 * 60_000 },
} satisfies Record<string, Policy>;
export type PolicyName = keyof typeof POLICIES;

export const FRESH: ThrottleState = { failures: 0, lastFailure: 0, lockedUntil: 0 };

/** Milliseconds until the key may try again; 0 when it may now. */
export const retryAfter = (s: ThrottleState, now: number): number => Math.max(0, s.lockedUntil - now);

export function recordFailure(s: ThrottleState, p: Policy, now: number): ThrottleState {
  const failures = now - s.lastFailure > p.windowMs ? 1 : s.failures + 1;
  const over = failures - p.free;
  const lockedUntil = over > 0 ? now + Math.min(p.maxMs, p.baseMs * 2 ** (over - 1)) : 0;
  return { failures, lastFailure: now, lockedUntil };
}
