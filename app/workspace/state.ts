import type { BadgeInput } from '../components/ConnectionBadge';
import type { MarketView } from '../workers/view';
import type { WatchState } from '../workers/watch-view';

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
