/**
 * Per-connection message budget for any object that holds client sockets: a token bucket kept in the
 * socket's attachment (so it survives hibernation). Over budget a frame is refused; a client that keeps
 * going after `maxStrikes` refusals is cut off with 1008.
 */
export interface Bucket { tokens: number; at: number; strikes: number }
export const WS_RATE = { burst: 20, perSecond: 10, maxStrikes: 20 } as const;

export const freshBucket = (now: number): Bucket => ({ tokens: WS_RATE.burst, at: now, strikes: 0 });

export type Spend = 'ok' | 'refuse' | 'close';

/** Takes one token for a frame; mutates the bucket in place so the caller re-serializes its attachment. */
export function spend(b: Bucket, now: number): Spend {
  b.tokens = Math.min(WS_RATE.burst, b.tokens + ((now - b.at) / 1000) * WS_RATE.perSecond);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 'ok';
  }
  b.strikes++;
  return b.strikes > WS_RATE.maxStrikes ? 'close' : 'refuse';
}
