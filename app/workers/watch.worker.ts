import * as Comlink from 'comlink';
import type { Candle } from '../../shared/market/candles';
import type { Venue } from '../../shared/market/types';
import { candleStream, MAX_STREAMS, streamName, type StreamMsg } from '../../shared/protocol/messages';
import { StreamClient } from './stream-client';
import type { LinkState } from './view';
import type { WatchApi, WatchRow, WatchState } from './watch-view';

const POST_MS = 1_000;
const STALE_MS = 5_000;
const SPARK_BARS = 60;
const DAY = 86_400_000;
/** The 24-hour reference price is asked again this often (one small REST call per instrument). */
const REF_MS = 10 * 60_000;

interface Row extends WatchRow {
  bars: Candle[];
  open: Candle | null;
  ref: { price: number; time: number; askedAt: number } | null;
}

const blank = (symbol: string): Row => ({
  symbol, last: null, change: null, changeSpanMs: 0, bid: null, ask: null, venues: [], spark: [], lastDataAt: 0, error: null, bars: [], open: null, ref: null,
});

/**
 * The watchlist's own socket: per instrument only the consolidated BBO and 1-minute candles (a few
 * hundred bytes a second), never books or tapes, so a long watchlist costs little on a thin link. The
 * focused instrument's full streams stay with the data worker.
 */
class Watcher {
  private client: StreamClient | undefined;
  private rows = new Map<string, Row>();
  private mode: WatchState['mode'] = null;
  private offlineSince: number | null = self.navigator.onLine === false ? Date.now() : null;

  constructor(private readonly opts: { wsUrl: string; httpBase: string }, private readonly onState: (s: WatchState) => void) {
    setInterval(() => this.post(), POST_MS);
  }

  watch(symbols: string[]): void {
    const wanted = [...new Set(symbols)].slice(0, Math.floor(MAX_STREAMS / 2));
    this.rows = new Map(wanted.map((s) => [s, this.rows.get(s) ?? blank(s)]));
    this.client?.close();
    this.client = undefined;
    if (wanted.length) {
      const client = new StreamClient(this.opts.wsUrl, wanted.flatMap((s) => [streamName('bbo', s, 'consolidated'), candleStream(s, '1m')]), {
        open: () => (this.offlineSince = null),
        closed: () => (this.offlineSince ??= Date.now()),
        update: (m) => this.apply(m),
        other: (m) => {
          if (m.t === 'hello') this.mode = m.mode;
          else if (m.t === 'error' && m.stream) {
            const row = this.rows.get(m.stream.split(':')[1] ?? '');
            if (row) row.error = m.message;
          }
        },
      });
      this.client = client;
      client.connect();
    }
    this.post();
  }

  private apply(m: StreamMsg): void {
    const row = this.rows.get(m.stream.split(':')[1] ?? '');
    if (!row || m.t === 'gap') return;
    row.lastDataAt = Date.now();
    row.error = null;
    if (m.t === 'snapshot' && m.data.kind === 'bbo') this.quote(row, m.data.bbo);
    else if (m.t === 'bbo') this.quote(row, m.bbo);
    else if (m.t === 'snapshot' && m.data.kind === 'candles') {
      row.bars = m.data.bars.slice(-SPARK_BARS);
      row.open = null;
      this.priced(row);
    } else if (m.t === 'candle') {
      row.bars = [...row.bars, ...m.closed].slice(-SPARK_BARS);
      row.open = m.open;
      this.priced(row);
    }
  }

  private quote(row: Row, bbo: { bid: number; ask: number; venues: Partial<Record<Venue, unknown>> }): void {
    row.bid = Number.isFinite(bbo.bid) && bbo.bid > 0 ? bbo.bid : null;
    row.ask = Number.isFinite(bbo.ask) && bbo.ask > 0 ? bbo.ask : null;
    row.venues = (Object.keys(bbo.venues) as Venue[]).sort();
  }

  /** Last price and change; the change is against 24 h ago when the edge has it, else against the oldest bar held. */
  private priced(row: Row): void {
    const newest = row.open ?? row.bars.at(-1);
    row.last = newest?.close ?? null;
    row.spark = [...row.bars, ...(row.open ? [row.open] : [])].map((b) => b.close);
    const now = Date.now();
    if (!row.ref || now - row.ref.askedAt > REF_MS) void this.dayAgo(row, now);
    const oldest = row.bars[0];
    const ref = row.ref && row.ref.price > 0 ? row.ref : oldest ? { price: oldest.open, time: oldest.time } : null;
    row.change = ref && row.last !== null ? row.last / ref.price - 1 : null;
    row.changeSpanMs = ref && newest ? newest.time + 60_000 - ref.time : 0;
  }

  /** The open of the first 1-minute bar 24 h ago, if the edge has one (it may not: a fresh deployment or a replay). */
  private async dayAgo(row: Row, now: number): Promise<void> {
    const from = now - (now % 60_000) - DAY;
    row.ref = { price: 0, time: from, askedAt: now };
    try {
      const q = new URLSearchParams({ symbol: row.symbol, interval: '1m', from: String(from), to: String(from + 15 * 60_000) });
      const res = await fetch(`${this.opts.httpBase}/api/v1/candles?${q}`);
      if (!res.ok) return;
      const first = ((await res.json()) as { candles: Candle[] }).candles[0];
      if (first) row.ref = { price: first.open, time: first.time, askedAt: now };
    } catch {
      // offline: the change stays against the oldest bar held, and says over how long
    }
  }

  private link(now: number): LinkState {
    if (!this.client?.open) return this.offlineSince ? 'offline' : 'connecting';
    const newest = Math.max(0, ...[...this.rows.values()].map((r) => r.lastDataAt));
    return now - newest > STALE_MS ? 'stale' : 'live';
  }

  private post(): void {
    const rows = [...this.rows.values()].map(({ bars: _b, open: _o, ref: _r, ...row }) => row);
    this.onState({ link: this.link(Date.now()), mode: this.mode, offlineSince: this.offlineSince, rows });
  }
}

let watcher: Watcher | undefined;
const api: WatchApi = {
  start(opts, onState) {
    watcher = new Watcher(opts, onState);
  },
  watch: (symbols) => watcher?.watch(symbols),
};

Comlink.expose(api);
