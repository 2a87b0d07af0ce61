import { describe, expect, it } from 'vitest';
import { FRESH, POLICIES, recordFailure, retryAfter } from '../../worker/auth/throttle';
import { freshBucket, spend, WS_RATE } from '../../worker/middleware/ws-rate';

describe('sign-in throttle', () => {
  it('allows the free failures, then locks for 30 s, 60 s, 120 s … capped at 15 min', () => {
    const p = POLICIES.account;
    let s = FRESH;
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      s = recordFailure(s, p, 1_000_000 + i);
      waits.push(retryAfter(s, 1_000_000 + i));
    }
    expect(waits).toEqual([0, 0, 0, 0, 0, 30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000]);
  });

  it('forgets failures after a quiet window', () => {
    const p = POLICIES.account;
    let s = FRESH;
    for (let i = 0; i < 5; i++) s = recordFailure(s, p, i);
    s = recordFailure(s, p, 5 + p.windowMs + 1);
    expect(s.failures).toBe(1);
    expect(retryAfter(s, 5 + p.windowMs + 1)).toBe(0);
  });
});

describe('per-connection WebSocket budget', () => {
  it('lets a burst through, refuses beyond it, refills at the sustained rate and closes a client that keeps pushing', () => {
    const b = freshBucket(0);
    const burst = Array.from({ length: WS_RATE.burst + 1 }, () => spend(b, 0));
    expect(burst.filter((v) => v === 'ok').length).toBe(WS_RATE.burst);
    expect(burst.at(-1)).toBe('refuse');
    expect(spend(b, 100)).toBe('ok'); // 100 ms at 10/s refills one
    expect(spend(b, 100)).toBe('refuse');
    const rest = Array.from({ length: WS_RATE.maxStrikes }, () => spend(b, 100));
    expect(rest.at(-1)).toBe('close');
  });
});
