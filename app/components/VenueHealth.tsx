import { For } from 'solid-js';
import type { FeedStatus } from '../../shared/market/types';
import { VENUE_NAMES } from './venues';

interface Props {
  /** The edge's status of each venue feeding this instrument (or, for `scope` all, of every venue). */
  feeds: FeedStatus[];
  now: number;
  /** `instrument` (default): the venues of the instrument on screen; `all`: every venue the edge ingests. */
  scope?: 'instrument' | 'all';
}

/**
 * One badge per venue (`scope` all: per venue the edge ingests, its worst instrument): its book's state and the age of its last message. A book that is not in sync
 * (syncing, resyncing) or not fresh (stale, down) is never shown as live; replayed data says REPLAY.
 */
export function VenueHealth(props: Props) {
  return (
    <ul class={`venues venues-${props.scope ?? 'instrument'}`} aria-label={props.scope === 'all' ? 'All exchanges' : 'Exchange feeds'}>
      <For each={props.feeds}>
        {(f) => {
          const at = () => f.instrument?.lastMessageAt || f.lastMessageAt;
          const kind = () => (f.state === 'live' && f.mode === 'replay' ? 'replay' : f.state);
          const age = () => (at() ? `${Math.max(0, Math.round((props.now - at()) / 1000))} s` : '—');
          const counts = () => {
            const i = f.instrument;
            return i && (i.gaps || i.checksumFailed || i.resyncs) ? ` · ${i.gaps} gaps · ${i.checksumFailed} bad checksums · ${i.resyncs} resyncs` : '';
          };
          return (
            <li class={`venue venue-${kind()}`} data-testid={`${props.scope === 'all' ? 'exchange' : 'venue'}-${f.exchange}`} data-state={kind()} title={f.reason ?? ''}>
              <span class="venue-name">{VENUE_NAMES[f.exchange] ?? f.exchange}</span>
              <span class="venue-state">{kind().toUpperCase()}</span>
              <span class="venue-age">{age()}{counts()}</span>
            </li>
          );
        }}
      </For>
    </ul>
  );
}
