import type { FeedState, Venue } from '../market/types';
import type { AlertRule, AlertState, Firing } from './alerts';

/**
 * Alert rules that watch a condition rather than a price: book health (a feed stale or resyncing, the
 * consolidated spread too wide), evaluated by the instrument's AlertDesk from the hub's feed health, and
 * portfolio limits (VaR, drawdown, exposure), evaluated by the user's Portfolio when marks move.
 * Both follow one machine: armed → fired when the condition turns bad; re-armed only once it is clearly
 * good again (the hysteresis gap below the threshold), so a value hovering at the limit cannot flood.
 */
export type HealthRule = { kind: 'health'; exchange?: Venue; maxSpreadBps?: number };
export type LimitRule = { kind: 'limit'; measure: 'var' | 'drawdown' | 'exposure'; threshold: number };
export type AnyRule = AlertRule | HealthRule | LimitRule;

export interface HealthObservation {
  ts: number;
  /** Latest trade sequence number of the stream: where in the stream the observation was made. */
  seq: number;
  mid: number | null;
  feeds: { exchange: Venue; state: FeedState; reason?: string }[];
  /** Consolidated ask − bid over the mid, in basis points; null without a two-sided book. */
  spreadBps: number | null;
}

const BAD: ReadonlySet<FeedState> = new Set(['stale', 'resyncing', 'down']);

/** What is wrong now, if anything (`bad`), and whether it is clearly fine again (`clear`). */
export function healthVerdict(rule: HealthRule, hysteresis: number, o: HealthObservation): { bad: string | null; clear: boolean } {
  const feeds = o.feeds.filter((f) => !rule.exchange || f.exchange === rule.exchange);
  const sick = feeds.filter((f) => BAD.has(f.state));
  const wide = rule.maxSpreadBps !== undefined && o.spreadBps !== null && o.spreadBps > rule.maxSpreadBps;
  const reasons = [
    ...sick.map((f) => `${f.exchange} ${f.state}${f.reason ? `: ${f.reason}` : ''}`),
    ...(wide ? [`spread ${o.spreadBps!.toFixed(1)} bps > ${rule.maxSpreadBps} bps`] : []),
  ];
  const spreadClear = rule.maxSpreadBps === undefined || o.spreadBps === null || o.spreadBps <= rule.maxSpreadBps * (1 - hysteresis);
  return { bad: reasons.length ? reasons.join('; ') : null, clear: sick.length === 0 && spreadClear };
}

/** A limit's measured value against its threshold; re-arms below threshold·(1 − hysteresis). */
export const limitVerdict = (rule: LimitRule, hysteresis: number, value: number): { bad: string | null; clear: boolean } => ({
  bad: value > rule.threshold ? `${rule.measure} ${fmt(rule.measure, value)} > ${fmt(rule.measure, rule.threshold)}` : null,
  clear: value <= rule.threshold * (1 - hysteresis),
});

const fmt = (m: LimitRule['measure'], v: number) => (m === 'drawdown' ? `${(v * 100).toFixed(2)} %` : v.toFixed(2));

/**
 * One step of a condition alert. The firing carries the stream position (`seq`) and what was wrong (`detail`);
 * (alert id, firing number) stays the delivery's idempotency key.
 */
export function stepCondition(
  alertId: string,
  s: AlertState,
  v: { bad: string | null; clear: boolean },
  at: { seq: number; ts: number; price: number },
): { state: AlertState; firing?: Firing } {
  if (s.phase === 'armed') {
    if (!v.bad) return { state: s };
    const n = s.firings + 1;
    return { state: { ...s, phase: 'fired', firings: n }, firing: { alertId, n, ...at, detail: v.bad } };
  }
  return { state: s.phase === 'fired' && v.clear ? { ...s, phase: 'armed' } : s };
}
