import type { FeedMode } from '../../shared/market/types';
import { clock } from '../format';
import type { LinkState, MarketView } from '../workers/view';
import type { WatchState } from '../workers/watch-view';

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

const VENUE_SYNCING = new Set(['syncing', 'resyncing']);

/**
 * A market panel's state: the link and mode of the focused instrument, and whether a venue in its figures
 * is rebuilding its book (`home`: the instrument's home venue only; `all`: any venue in the consolidated view).
 */
export function marketState(v: MarketView | null, now: number, scope: 'home' | 'all'): BadgeInput | null {
  if (!v) return null;
  const feeds = scope === 'home' ? (v.feed ? [v.feed] : []) : v.feeds;
  const syncing = feeds.filter((f) => VENUE_SYNCING.has(f.instrument?.state ?? f.state)).map((f) => f.exchange);
  return { link: v.link, mode: v.mode, lastDataAt: v.lastDataAt, offlineSince: v.offlineSince, now, resyncing: syncing.length ? syncing.join(', ') : null };
}

export function watchState(w: WatchState | null, now: number): BadgeInput | null {
  if (!w) return null;
  return { link: w.link, mode: w.mode, lastDataAt: Math.max(0, ...w.rows.map((r) => r.lastDataAt)), offlineSince: w.offlineSince, now };
}
