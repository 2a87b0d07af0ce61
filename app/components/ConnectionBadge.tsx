import type { FeedMode } from '../../shared/market/types';
import type { LinkState } from '../workers/view';
import { clock, utc } from '../format';

interface Props {
  link: LinkState;
  mode: FeedMode | null;
  lastDataAt: number;
  offlineSince: number | null;
  now: number;
}

/** One honest word for the state of the numbers on screen. Replayed data is never called LIVE. */
export function ConnectionBadge(props: Props) {
  const label = () => {
    switch (props.link) {
      case 'connecting':
        return 'CONNECTING';
      case 'offline':
        return `OFFLINE since ${props.offlineSince ? clock(props.offlineSince) : '—'}`;
      case 'stale':
        return props.lastDataAt ? `STALE ${Math.round((props.now - props.lastDataAt) / 1000)} s` : 'STALE';
      case 'live':
        return props.mode === 'replay' ? 'REPLAY' : props.mode === 'live' ? 'LIVE' : 'CONNECTING';
    }
  };
  const kind = () => (props.link === 'live' && props.mode === 'replay' ? 'replay' : props.link);
  return (
    <span class={`badge badge-${kind()}`} data-testid="link-badge" data-state={kind()} role="status" aria-live="polite" title={props.link === 'offline' && props.offlineSince ? `offline since ${utc(props.offlineSince)}` : undefined}>
      {label()}
    </span>
  );
}
