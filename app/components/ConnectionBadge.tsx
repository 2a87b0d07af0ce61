import { Show } from 'solid-js';
import { utc } from '../format';
import { badgeOf, type BadgeInput } from '../workspace/state';

/** Local time on screen, UTC on hover. */
const utcTitle = (s: BadgeInput | null) => (s?.link === 'offline' && s.offlineSince ? `offline since ${utc(s.offlineSince)}` : undefined);

/** The page's link badge: the state of the browser's connection to the edge. */
export function ConnectionBadge(props: BadgeInput) {
  const b = () => badgeOf({ ...props, resyncing: null });
  return (
    <span class={`badge badge-${b().kind}`} data-testid="link-badge" data-state={b().kind} role="status" aria-live="polite" title={utcTitle(props)}>
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
      <span class={`badge badge-sm badge-${b().kind}`} title={utcTitle(props.state)}>{b().label}</span>
      <Show when={props.venues?.length}>
        <span class="panel-venues" data-testid="panel-venues">{props.venues!.join(' · ')}</span>
      </Show>
    </span>
  );
}
