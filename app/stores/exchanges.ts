import { createSignal, onCleanup } from 'solid-js';
import type { FeedMode, FeedState, FeedStatus, Venue } from '../../shared/market/types';

/** One venue as `GET /api/v1/exchanges` reports it (the fields the badges use). */
interface VenueRow {
  venue: Venue;
  state: FeedState;
  reason?: string;
  mode: FeedMode;
  lastMessageAt: number;
  reconnects: number;
  gaps: number;
  checksumFailed: number;
  resyncs: number;
}

/**
 * Every configured venue's health, the deployment at a glance: `GET /api/v1/exchanges` polled while the page
 * is visible (an instrument's own venues are pushed with its data; this covers the venues it does not trade on).
 * Each venue's state is its least healthy connection or instrument, its counters the sums over them.
 */
export function createExchanges(everyMs = 3_000) {
  const [venues, setVenues] = createSignal<FeedStatus[]>([]);
  let alive = true;
  const load = async () => {
    if (document.visibilityState === 'hidden') return;
    try {
      const res = await fetch('/api/v1/exchanges');
      if (!res.ok) return;
      const body = (await res.json()) as { venues: VenueRow[] };
      if (alive) setVenues(body.venues.map(toStatus));
    } catch {
      // Offline: the last answer stays on screen and its ages keep growing.
    }
  };
  void load();
  const timer = setInterval(() => void load(), everyMs);
  onCleanup(() => {
    alive = false;
    clearInterval(timer);
  });
  return { venues };
}

const toStatus = (v: VenueRow): FeedStatus => ({
  exchange: v.venue, state: v.state, mode: v.mode, lastMessageAt: v.lastMessageAt, reconnects: v.reconnects,
  ...(v.reason ? { reason: v.reason } : {}),
  instrument: { symbol: '*', state: v.state, lastMessageAt: v.lastMessageAt, gaps: v.gaps, checksumOk: 0, checksumFailed: v.checksumFailed, resyncs: v.resyncs },
});
