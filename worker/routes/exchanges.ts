import { Hono } from 'hono';
import type { FeedState } from '../../shared/market/types';
import { shards, venueConfigs } from '../config';
import { feedStub } from '../objects/stubs';

/** Worst first: a venue is as healthy as its least healthy connection or instrument. */
const SEVERITY: Record<FeedState, number> = { live: 0, syncing: 1, connecting: 2, resyncing: 3, stale: 4, down: 5 };
const worst = (states: FeedState[]): FeedState => states.reduce<FeedState>((w, s) => (SEVERITY[s] > SEVERITY[w] ? s : w), 'live');

/** `GET /api/v1/exchanges`: every configured venue's connections and instruments, with ages in ms. */
export const exchangeRoutes = new Hono<{ Bindings: Env }>().get('/', async (c) => {
  const configs = venueConfigs(c.env);
  const healths = await Promise.all(configs.map((cfg) => Promise.all(shards(cfg).map(({ name }) => feedStub(c.env, name).health(name)))));
  // Ages against one clock reading taken after every feed answered, so none comes out negative.
  const now = Date.now();
  const age = (t: number) => (t ? Math.max(0, now - t) : null);
  const venues = configs.map((cfg, v) => {
    const feeds = healths[v]!.map((h) => ({
      ...h,
      ageMs: age(h.lastMessageAt),
      instruments: h.instruments.map((i) => ({ ...i, ageMs: age(i.lastMessageAt) })),
    }));
    const instruments = feeds.flatMap((f) => f.instruments);
    const state = worst([...feeds.map((f) => f.state), ...instruments.map((i) => i.state)]);
    const reason = feeds.find((f) => f.state === state)?.reason ?? instruments.find((i) => i.state === state)?.reason;
    const lastMessageAt = Math.max(0, ...feeds.map((f) => f.lastMessageAt));
    return {
      venue: cfg.venue, state, reason, mode: c.env.FEED_MODE === 'replay' ? 'replay' : 'live',
      lastMessageAt, ageMs: age(lastMessageAt),
      gaps: sum(instruments, 'gaps'), checksumFailed: sum(instruments, 'checksumFailed'), resyncs: sum(instruments, 'resyncs'),
      reconnects: feeds.reduce((n, f) => n + f.reconnects, 0),
      feeds, instruments,
    };
  });
  return c.json({ serverTime: now, venues });
});

const sum = <K extends string>(rows: Record<K, number>[], k: K): number => rows.reduce((n, r) => n + r[k], 0);
