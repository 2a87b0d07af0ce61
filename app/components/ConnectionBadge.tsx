import { Show } from 'solid-js';
import type { FeedMode } from '../../shared/market/types';
import type { LinkState } from '../workers/view';
import { clock } from '../format';

export interface BadgeInput {
  link: LinkState;
  mode: FeedMode | null;
  lastDataAt: number;
  offlineSince: number | null;
  now: number;
  /** A venue in the figures is rebuilding its book: its numbers are not to be trusted yet. */
  resyncing?: string | null;
}
export type BadgeKind = 'connecting' | 'live' | 'replay' | 'stale' | 'resyncing' | 'offline';

/** One honest word (and the age or time it needs) for the state of some numbers. Replayed data is never LIVE. */
export function badgeOf(s: BadgeInput): { kind: BadgeKind; label: string } {
  switch (s.link) {
    case 'connecting':
      return { kind: 'connecting', label: 'CONNECTING' };
    case 'offline':
      return { kind: 'offline', label: `OFFLINE since ${s.offlineSince ? clock(s.offlineSince) : '—'}` };
    default:
  }
  if (s.resyncing) return { kind: 'resyncing', label: `RESYNCING ${s.resyncing}` };
  if (s.link === 'stale') return { kind: 'stale', label: s.lastDataAt ? `STALE ${Math.round((s.now - s.lastDataAt) / 1000)} s` : 'STALE' };
  return s.mode === 'replay' ? { kind: 'replay', label: 'REPLAY' } : s.mode === 'live' ? { kind: 'live', label: 'LIVE' } : { kind: 'connecting', label: 'CONNECTING' };
}

/** The page's link badge: the state of the browser's connection to the edge. */
export function ConnectionBadge(props: BadgeInput) {
  const b = () => badgeOf({ ...props, resyncing: null });
  return (
    <span class={`badge badge-${b().kind}`} data-testid="link-badge" data-state={b().kind} role="status" aria-live="polite">
      {b().label}
    </span>
  );
}

/**
 * A panel's own badge: the state of the numbers in that panel, and for consolidated figures the venues
 * they include. Small, so every panel can carry one.
 */
export function StateBadge(props: { state: BadgeInput | null; venues?: readonly string[]; label: string }) {
  const b = () => (props.state ? badgeOf(props.state) : { kind: 'connecting' as const, label: 'CONNECTING' });
  return (
    <span class="panel-state" data-testid="panel-state" data-state={b().kind} role="status" aria-label={`${props.label}: ${b().label}${props.venues?.length ? `, from ${props.venues.join(', ')}` : ''}`}>
      <span class={`badge badge-sm badge-${b().kind}`}>{b().label}</span>
      <Show when={props.venues?.length}>
        <span class="panel-venues" data-testid="panel-venues">{props.venues!.join(' · ')}</span>
      </Show>
    </span>
  );
}
