import { describe, expect, it } from 'vitest';
import type { FeedStatus } from '../../shared/market/types';
import type { MarketView } from '../../app/workers/view';
import { badgeOf, marketState, watchState } from '../../app/workspace/state';

const NOW = 1_723_161_300_000;
const feed = (exchange: FeedStatus['exchange'], state: FeedStatus['state'], instrument?: FeedStatus['state']): FeedStatus => ({
  exchange, state, mode: 'replay', lastMessageAt: NOW - 500, reconnects: 0,
  ...(instrument ? { instrument: { symbol: 'BTC-USDT', state: instrument, lastMessageAt: NOW - 500, gaps: 1, checksumOk: 0, checksumFailed: 0, resyncs: 1 } } : {}),
});
const view = (over: Partial<MarketView>): MarketView => ({
  symbol: 'BTC-USDT', exchange: 'binance', link: 'live', mode: 'replay', feed: feed('binance', 'live'), feeds: [feed('binance', 'live')], last: null,
  bid: null, bidSize: null, ask: null, askSize: null, tradesPerSecond: 0, lastDataAt: NOW - 200, offlineSince: null, reason: null, depth: null, priceDecimals: null,
  traffic: { bandwidth: 'full', bytesPerMinute: 0, windowMs: 0, totalBytes: 0, honoured: null }, ...over,
});
const badge = (v: MarketView | null, scope: 'home' | 'all' = 'all') => {
  const s = marketState(v, NOW, scope);
  return s && badgeOf(s);
};

describe('panel state badges', () => {
  it('says REPLAY for replayed data, LIVE only for live data, and CONNECTING before the edge has said which', () => {
    expect(badge(view({}))).toEqual({ kind: 'replay', label: 'REPLAY' });
    expect(badge(view({ mode: 'live' }))).toEqual({ kind: 'live', label: 'LIVE' });
    expect(badge(view({ mode: null }))).toEqual({ kind: 'connecting', label: 'CONNECTING' });
    expect(badge(null)).toBeNull();
  });

  it('gives the age of stale data and the time offline began', () => {
    expect(badge(view({ link: 'stale', lastDataAt: NOW - 7_400 }))).toEqual({ kind: 'stale', label: 'STALE 7 s' });
    const since = NOW - 60_000;
    expect(badge(view({ link: 'offline', offlineSince: since }))).toEqual({ kind: 'offline', label: `OFFLINE since ${new Date(since).toLocaleTimeString([], { hour12: false })}` });
  });

  it('names the venues rebuilding a book: any of them for consolidated panels, the home venue only for its own', () => {
    const feeds = [feed('binance', 'live'), feed('coinbase', 'live', 'resyncing'), feed('kraken', 'syncing')];
    const v = view({ link: 'stale', feeds });
    expect(badge(v, 'all')).toEqual({ kind: 'resyncing', label: 'RESYNCING coinbase, kraken' });
    expect(badge(v, 'home')).toEqual({ kind: 'stale', label: 'STALE 0 s' });
    // offline wins: a cached book is not "resyncing", it is not being fed at all
    expect(badge({ ...v, link: 'offline', offlineSince: NOW }, 'all')!.kind).toBe('offline');
  });

  it('dates a watchlist by its freshest row', () => {
    const rows = [{ lastDataAt: NOW - 9_000 }, { lastDataAt: NOW - 4_000 }] as never;
    expect(badgeOf(watchState({ link: 'stale', mode: 'replay', offlineSince: null, rows }, NOW)!)).toEqual({ kind: 'stale', label: 'STALE 4 s' });
    expect(watchState(null, NOW)).toBeNull();
  });
});
