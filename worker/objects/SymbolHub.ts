import { DurableObject } from 'cloudflare:workers';
import type { Candle } from '../../shared/market/candles';
import { CANDLE_SNAPSHOT, InstrumentState, type ClosedBar, type SeqMsg } from '../../shared/market/instrument';
import type { FeedStatus, MarketEvent } from '../../shared/market/types';
import type { Interval, ServerMsg } from '../../shared/protocol/messages';
import { INTERVALS, parseStream } from '../../shared/protocol/messages';
import type { Tick } from '../../shared/risk/alerts';
import type { HopTrace } from './hops';
import { alertDeskStub, relayStub } from './stubs';

/** Closed bars kept per interval (the coarser intervals are the roll-ups that outlive the finer ones). */
const RETENTION_MS: Record<Interval, number> = {
  '1s': 6 * 3_600_000, '1m': 7 * 86_400_000, '5m': 30 * 86_400_000, '15m': 90 * 86_400_000, '1h': 2 * 365 * 86_400_000, '1d': Infinity,
};
/** Acknowledged trades kept in storage (the tape and candles are rebuilt from nothing else). */
const KEEP_TRADES = 20_000;

type Row = Record<string, SqlStorageValue>;

/** Trades a hub resends to a desk that fell behind before it skips ahead instead. */
const DESK_RESEND_MAX = 5_000;

/**
 * One canonical instrument (named by symbol), fed in batches by every ExchangeFeed that lists it.
 * The market state is InstrumentState; this object persists what must survive a restart (trades,
 * closed and open candles, stream sequence numbers) before an ingest is acknowledged, pushes each
 * batch's updates to the relays subscribed to them, and hands its trades to the instrument's AlertDesk.
 */

export class SymbolHub extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private state: InstrumentState | undefined;
  private feeds = new Map<string, FeedStatus>();
  /** stream → relays subscribed to it (mirrors the `subs` table). */
  private readonly subs = new Map<string, Set<string>>();
  private readonly outbox = new Map<string, { queue: { msgs: ServerMsg[]; trace?: HopTrace }[]; busy: boolean }>();
  /** Batches go to the alert desk one after another, so it never sees a later one first. */
  private deskQueue: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS candles (scope TEXT NOT NULL, interval TEXT NOT NULL, time INTEGER NOT NULL,
      open REAL, high REAL, low REAL, close REAL, volume REAL, quote_volume REAL, trades INTEGER, closed INTEGER NOT NULL,
      PRIMARY KEY (scope, interval, time)) WITHOUT ROWID`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS trades (n INTEGER PRIMARY KEY AUTOINCREMENT, venue TEXT, id TEXT, ts INTEGER, price REAL, amount REAL, side TEXT)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS subs (stream TEXT NOT NULL, relay TEXT NOT NULL, PRIMARY KEY (stream, relay)) WITHOUT ROWID`);
    for (const r of this.sql.exec<{ stream: string; relay: string }>('SELECT stream, relay FROM subs')) this.addSub(r.stream, r.relay);
    for (const f of ctx.storage.kv.get<FeedStatus[]>('feeds') ?? []) this.feeds.set(f.exchange, f);
  }

  /** The instrument state, rebuilt lazily from storage: the symbol arrives with the first call. */
  private market(symbol: string): InstrumentState {
    if (this.state) return this.state;
    const s = new InstrumentState(symbol, this.ctx.storage.kv.get<Record<string, number>>('seq') ?? {});
    for (const r of this.sql.exec<Row>('SELECT * FROM candles WHERE closed = 0')) s.restoreOpen(r.scope as string, r.interval as Interval, toCandle(r));
    return (this.state = s);
  }

  /**
   * A batch from one ExchangeFeed, in venue order. Trades and candles are written before the call
   * returns (the output gate holds the reply until they are durable); relays get the updates after.
   */
  async ingest(events: MarketEvent[], feed: FeedStatus, trace?: HopTrace): Promise<{ events: number; updates: number }> {
    if (trace) trace.hubIn = Date.now();
    this.feeds.set(feed.exchange, feed);
    const symbol = events[0]?.symbol;
    if (!symbol) return { events: 0, updates: 0 };
    const m = this.market(symbol);
    const { msgs, closed } = m.apply(events);
    const ticks: Tick[] = [];
    this.ctx.storage.transactionSync(() => {
      for (const e of events) {
        if (e.type === 'trade' && e.symbol === symbol) {
          // The row number is the trade's place in this hub's stream: contiguous, so the alert desk sees gaps.
          const { n } = this.sql.exec<{ n: number }>('INSERT INTO trades (venue, id, ts, price, amount, side) VALUES (?, ?, ?, ?, ?, ?) RETURNING n', e.exchange, e.id, e.ts, e.price, e.amount, e.side).one();
          ticks.push({ seq: n, ts: e.ts, price: e.price });
        }
      }
      // Only trades move candles: a quotes-only batch (most of them) has no bar to write.
      if (ticks.length || closed.length) {
        for (const c of closed) this.putBar(c, 1);
        for (const c of m.openBars()) this.putBar(c, 0);
        if (closed.some((c) => c.interval === '1m')) this.prune();
      }
      this.ctx.storage.kv.put('seq', m.seqs);
      this.ctx.storage.kv.put('feeds', [...this.feeds.values()]);
    });
    if (trace) trace.hubCommit = Date.now();
    this.fanOut(msgs, trace);
    if (ticks.length) this.toDesk(symbol, ticks);
    return { events: events.length, updates: msgs.length };
  }

  /**
   * Every committed trade goes to the instrument's AlertDesk, in order, so alerts fire with no browser open.
   * A desk that lost ticks (restart) gets them again from the trades table; one that is new, or too far
   * behind, continues from this batch rather than judging old prices against new alerts.
   */
  private toDesk(symbol: string, ticks: Tick[]): void {
    this.deskQueue = this.deskQueue
      .then(async () => {
        const desk = alertDeskStub(this.env, symbol);
        const first = ticks[0]!.seq;
        const r = await desk.ticks(ticks);
        if (r.nextSeq >= first) return;
        const gap = first - r.nextSeq;
        const missing = r.fresh || gap > DESK_RESEND_MAX ? [] : this.sql
          .exec<{ n: number; ts: number; price: number }>('SELECT n, ts, price FROM trades WHERE n >= ? AND n < ? ORDER BY n', r.nextSeq, first)
          .toArray()
          .map((t) => ({ seq: t.n, ts: t.ts, price: t.price }));
        if (missing.length === gap) await desk.ticks(missing);
        else {
          await desk.resync(first);
          await desk.ticks(ticks);
        }
      })
      .catch((err: unknown) => console.error(`alert desk ${symbol}:`, err)); // the next batch finds the gap and fills it
  }

  async updateFeed(feed: FeedStatus): Promise<void> {
    this.feeds.set(feed.exchange, feed);
    this.ctx.storage.kv.put('feeds', [...this.feeds.values()]);
    const relays = new Set<string>();
    for (const set of this.subs.values()) for (const r of set) relays.add(r);
    for (const r of relays) this.post(r, [{ t: 'status', feed }]);
  }

  feedStatus(): FeedStatus[] {
    return [...this.feeds.values()];
  }

  /**
   * A relay wants `streams`: for each, the updates after `resume[stream]` when they are all still
   * kept, else a fresh snapshot. The relay is remembered, so it gets every later update.
   */
  async subscribe(relay: string, symbol: string, streams: string[], resume: Record<string, number> = {}): Promise<{ msgs: SeqMsg[]; feeds: FeedStatus[] }> {
    const m = this.market(symbol);
    const msgs: SeqMsg[] = [];
    for (const stream of streams) {
      const id = parseStream(stream);
      if (!id || id.symbol !== symbol) continue;
      if (!this.subs.get(stream)?.has(relay)) {
        this.sql.exec('INSERT OR IGNORE INTO subs (stream, relay) VALUES (?, ?)', stream, relay);
        this.addSub(stream, relay);
      }
      const from = resume[stream];
      const missed = from === undefined ? undefined : m.since(stream, from);
      if (missed) msgs.push(...missed);
      else msgs.push(m.snapshot(stream, false, id.kind === 'candles' ? this.history(id.scope, id.interval!, 0, Infinity, CANDLE_SNAPSHOT) : []));
    }
    return { msgs, feeds: this.feedStatus() };
  }

  async unsubscribe(relay: string, streams: string[]): Promise<void> {
    for (const stream of streams) {
      this.sql.exec('DELETE FROM subs WHERE stream = ? AND relay = ?', stream, relay);
      this.subs.get(stream)?.delete(relay);
    }
  }

  /** Closed bars in [from, to) plus the open bar when it falls in range; `limit` keeps the latest. */
  async candles(scope: string, interval: Interval, from: number, to: number): Promise<{ closed: Candle[]; open: Candle | null }> {
    const open = this.state?.openBars().find((b) => b.scope === scope && b.interval === interval)?.bar
      ?? this.sql.exec<Row>('SELECT * FROM candles WHERE scope = ? AND interval = ? AND closed = 0', scope, interval).toArray().map(toCandle)[0];
    return { closed: this.history(scope, interval, from, to), open: open && open.time >= from && open.time < to ? open : null };
  }

  private history(scope: string, interval: Interval, from: number, to: number, limit = 100_000): Candle[] {
    const rows = this.sql.exec<Row>(
      'SELECT * FROM candles WHERE scope = ? AND interval = ? AND closed = 1 AND time >= ? AND time < ? ORDER BY time DESC LIMIT ?',
      scope, interval, from, Number.isFinite(to) ? to : Number.MAX_SAFE_INTEGER, limit,
    ).toArray();
    return rows.reverse().map(toCandle);
  }

  private putBar({ scope, interval, bar }: ClosedBar, closed: 0 | 1): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO candles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      scope, interval, bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.quoteVolume, bar.trades, closed,
    );
  }

  private prune(): void {
    const newest = this.sql.exec<{ t: number | null }>("SELECT MAX(time) AS t FROM candles WHERE interval = '1s'").one().t ?? 0;
    for (const iv of Object.keys(INTERVALS) as Interval[]) {
      if (Number.isFinite(RETENTION_MS[iv])) this.sql.exec('DELETE FROM candles WHERE interval = ? AND time < ?', iv, newest - RETENTION_MS[iv]);
    }
    this.sql.exec('DELETE FROM trades WHERE n <= (SELECT MAX(n) FROM trades) - ?', KEEP_TRADES);
  }

  private addSub(stream: string, relay: string): void {
    let set = this.subs.get(stream);
    if (!set) this.subs.set(stream, (set = new Set()));
    set.add(relay);
  }

  private fanOut(msgs: SeqMsg[], trace?: HopTrace): void {
    const byRelay = new Map<string, ServerMsg[]>();
    for (const msg of msgs) {
      for (const relay of this.subs.get(msg.stream) ?? []) {
        const list = byRelay.get(relay);
        if (list) list.push(msg);
        else byRelay.set(relay, [msg]);
      }
    }
    for (const [relay, list] of byRelay) this.post(relay, list, trace);
  }

  /**
   * One call at a time per relay, in order, so a relay sees a stream's updates in sequence; whatever
   * queued meanwhile goes in the next call, so a relay that falls behind gets fewer, bigger calls and
   * never holds up the others.
   */
  private post(relay: string, msgs: ServerMsg[], trace?: HopTrace): void {
    let box = this.outbox.get(relay);
    if (!box) this.outbox.set(relay, (box = { queue: [], busy: false }));
    box.queue.push({ msgs, trace });
    if (box.busy) return;
    const pump = async (b: NonNullable<typeof box>) => {
      b.busy = true;
      while (b.queue.length) {
        const items = b.queue.splice(0);
        const batch = items.flatMap((i) => i.msgs);
        // One trace per message (the same object for a batch's messages is sent once).
        const hubSend = Date.now();
        const traces = items.some((i) => i.trace) ? items.flatMap((i) => { const t = i.trace && { ...i.trace, hubSend }; return i.msgs.map(() => t); }) : [];
        try {
          const { unwanted } = await relayStub(this.env, relay).publish(batch, traces);
          if (unwanted.length) await this.unsubscribe(relay, unwanted);
        } catch (err) {
          console.warn(`relay ${relay}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      b.busy = false;
    };
    void pump(box);
  }
}

function toCandle(r: Row): Candle {
  return {
    time: r.time as number, open: r.open as number, high: r.high as number, low: r.low as number, close: r.close as number,
    volume: r.volume as number, quoteVolume: r.quote_volume as number, trades: r.trades as number,
  };
}
