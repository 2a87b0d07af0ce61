import { DurableObject } from 'cloudflare:workers';
import type { Candle } from '../../shared/market/candles';
import { CANDLE_SNAPSHOT, InstrumentState, type ClosedBar, type SeqMsg } from '../../shared/market/instrument';
import type { FeedStatus, MarketEvent, TradeEvent, Venue } from '../../shared/market/types';
import type { Interval, ServerMsg, StreamMsg } from '../../shared/protocol/messages';
import { CONSOLIDATED, INTERVALS, parseStream, streamName } from '../../shared/protocol/messages';
import type { Tick } from '../../shared/risk/alerts';
import type { HealthObservation } from '../../shared/risk/rules';
import type { HopTrace } from './hops';
import { Outbox } from './outbox';
import { alertDeskStub, relayStub } from './stubs';

/** Closed bars kept per interval (the coarser intervals are the roll-ups that outlive the finer ones). */
const RETENTION_MS: Record<Interval, number> = {
  '1s': 6 * 3_600_000, '1m': 7 * 86_400_000, '5m': 30 * 86_400_000, '15m': 90 * 86_400_000, '1h': 2 * 365 * 86_400_000, '1d': Infinity,
};
/** Acknowledged trades kept in storage (the tape and candles are rebuilt from nothing else). */
const KEEP_TRADES = 20_000;
/** Trade rows per INSERT: 7 values each, under the 100 bound parameters a statement may take. */
const TRADE_ROWS = 14;
const insertTrades = (rows: number) => `INSERT INTO trades (n, venue, id, ts, price, amount, side) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`;

type Row = Record<string, SqlStorageValue>;

/** Trades a hub resends to a desk that fell behind before it skips ahead instead. */
const DESK_RESEND_MAX = 5_000;
/**
 * After a call to a relay that took t ms, the next waits PUBLISH_PACE·t (at most PUBLISH_WAIT_MAX_MS): see pump().
 * A call quicker than PUBLISH_PACE_FROM_MS means the relay keeps up, and waiting would only add latency.
 */
const PUBLISH_PACE = 2;
const PUBLISH_WAIT_MAX_MS = 250;
const PUBLISH_PACE_FROM_MS = 10;
/** Book-health observations sent to the desk at most this often, unless a feed changes state. */
const HEALTH_EVERY_MS = 1_000;

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
  /** Per relay, what waits for its next call: see post(). */
  private readonly queues = new Map<string, RelayQueue>();
  /** Batches go to the alert desk one after another, so it never sees a later one first. */
  private deskQueue: Promise<void> = Promise.resolve();
  /** The consolidated top of book as last published: the mark for P&L and the spread for book-health alerts. */
  private top: { bid: number; ask: number; ts: number } | undefined;
  private lastTrade: { seq: number; price: number; ts: number } | undefined;
  private healthSentAt = 0;
  /** The row number of the last trade stored (read once from storage). */
  private lastTradeN: number | undefined;
  /** The desk has book-health alerts (its answer to every tick batch): only then is health sent each second. */
  private deskWantsHealth = false;

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
    // Stored with the feeds' reconnect counts in one transaction, so a hole across the restart is still seen.
    for (const r of this.sql.exec<{ venue: Venue; id: string; ts: number }>('SELECT venue, id, ts FROM trades WHERE n IN (SELECT MAX(n) FROM trades GROUP BY venue)')) {
      s.restoreTrade(r.venue, r.id, r.ts, this.feeds.get(r.venue)?.reconnects ?? 0);
    }
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
    const { msgs, closed } = m.apply(events, feed);
    const ticks: Tick[] = [];
    const trades = events.filter((e): e is TradeEvent => e.type === 'trade' && e.symbol === symbol);
    // The row number is the trade's place in this hub's stream: contiguous, so the alert desk sees gaps.
    // Numbered here and written TRADE_ROWS to a statement: one statement per trade was most of an ingest.
    const first = (this.lastTradeN ??= this.sql.exec<{ n: number | null }>('SELECT MAX(n) AS n FROM trades').one().n ?? 0) + 1;
    this.ctx.storage.transactionSync(() => {
      for (let i = 0; i < trades.length; i += TRADE_ROWS) {
        const chunk = trades.slice(i, i + TRADE_ROWS);
        const args: SqlStorageValue[] = [];
        chunk.forEach((e, k) => {
          args.push(first + i + k, e.exchange, e.id, e.ts, e.price, e.amount, e.side);
          ticks.push({ seq: first + i + k, ts: e.ts, price: e.price });
        });
        this.sql.exec(insertTrades(chunk.length), ...args);
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
    this.lastTradeN = first + trades.length - 1;
    if (trace) trace.hubCommit = Date.now();
    this.fanOut(msgs, trace);
    const bbo = streamName('bbo', symbol, CONSOLIDATED);
    for (const msg of msgs) if (msg.t === 'bbo' && msg.stream === bbo && msg.bbo.bid > 0 && msg.bbo.ask > 0) this.top = { bid: msg.bbo.bid, ask: msg.bbo.ask, ts: Date.now() };
    if (ticks.length) {
      const t = ticks.at(-1)!;
      this.lastTrade = { seq: t.seq, price: t.price, ts: t.ts };
      this.toDesk(symbol, ticks);
    }
    if (this.deskWantsHealth && Date.now() - this.healthSentAt >= HEALTH_EVERY_MS) this.observeHealth(symbol);
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
        this.deskWantsHealth = r.health;
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

  /**
   * The live consolidated mid (P&L marks): the top of book as last published, else the last trade.
   * `null` before this instrument has traded or quoted.
   */
  async mark(): Promise<{ mid: number; ts: number; source: 'book' | 'trade' } | null> {
    if (this.top) return { mid: (this.top.bid + this.top.ask) / 2, ts: this.top.ts, source: 'book' };
    const t = this.lastTrade ?? this.sql.exec<{ n: number; ts: number; price: number }>('SELECT n, ts, price FROM trades ORDER BY n DESC LIMIT 1').toArray().map((r) => ({ seq: r.n, ts: r.ts, price: r.price }))[0];
    return t ? { mid: t.price, ts: t.ts, source: 'trade' } : null;
  }

  /** Feed states and the consolidated spread to the instrument's AlertDesk, in order with its ticks. */
  private observeHealth(symbol: string): void {
    this.healthSentAt = Date.now();
    const top = this.top;
    const mid = top ? (top.bid + top.ask) / 2 : (this.lastTrade?.price ?? null);
    const o: HealthObservation = {
      ts: Date.now(), seq: this.lastTrade?.seq ?? 0, mid,
      feeds: [...this.feeds.values()].map((f) => ({ exchange: f.exchange, state: f.state, ...(f.reason ? { reason: f.reason } : {}) })),
      spreadBps: top ? ((top.ask - top.bid) / ((top.ask + top.bid) / 2)) * 1e4 : null,
    };
    this.deskQueue = this.deskQueue
      .then(async () => void (await alertDeskStub(this.env, symbol).observe(o)))
      .catch((err: unknown) => console.error(`alert desk ${symbol} health:`, err));
  }

  async updateFeed(feed: FeedStatus): Promise<void> {
    const changed = this.feeds.get(feed.exchange)?.state !== feed.state;
    this.feeds.set(feed.exchange, feed);
    if (changed && this.state) this.observeHealth(this.state.symbol);
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
    // Updates queued for this relay are at or before the snapshots below: later ones must not merge into them,
    // or a merged update would reach the new socket covering seqs its snapshot already holds (trades twice).
    const q = this.queues.get(relay);
    if (q && q.boxes.at(-1)!.size) q.boxes.push(new Outbox());
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

  /** The newest `limit` closed bars, whatever their time (a replayed session's bars are from its recording day). */
  async recentCandles(scope: string, interval: Interval, limit: number): Promise<Candle[]> {
    return this.history(scope, interval, 0, Infinity, Math.min(limit, 100_000));
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

  private fanOut(msgs: StreamMsg[], trace?: HopTrace): void {
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
   * One call at a time per relay, in order. What queues meanwhile is conflated per stream (book deltas merged,
   * trades concatenated, quotes and candles the latest), so a relay gets one message per stream per call
   * however many batches arrived: the hub's cost per call is O(streams), the relay's O(its sockets), and
   * the calls pace themselves to what the relay can take. A relay that falls behind never holds up the others.
   */
  private post(relay: string, msgs: ServerMsg[], trace?: HopTrace): void {
    let q = this.queues.get(relay);
    if (!q) this.queues.set(relay, (q = { boxes: [new Outbox()], traces: new Map(), busy: false, nextAt: 0 }));
    const box = q.boxes.at(-1)!;
    for (const m of msgs) {
      box.add(m);
      if (trace && 'seq' in m) q.traces.set(m.stream, trace);
    }
    if (!q.busy) void this.pump(relay, q);
  }

  private async pump(relay: string, q: RelayQueue): Promise<void> {
    q.busy = true;
    while (q.boxes.some((b) => b.size)) {
      const wait = q.nextAt - Date.now();
      if (wait > 0) await scheduler.wait(wait);
      const batch = q.boxes.flatMap((b) => b.drain());
      q.boxes = [new Outbox()];
      // One trace per message: that of the batch that last updated its stream.
      const hubSend = Date.now();
      const traces = q.traces.size ? batch.map((m) => { const t = 'seq' in m ? q.traces.get(m.stream) : undefined; return t && { ...t, hubSend }; }) : [];
      q.traces.clear();
      const t0 = Date.now();
      try {
        const { unwanted } = await relayStub(this.env, relay).publish(batch, traces);
        if (unwanted.length) await this.unsubscribe(relay, unwanted);
      } catch (err) {
        console.warn(`relay ${relay}: ${err instanceof Error ? err.message : String(err)}`);
      }
      // A relay's sends to its sockets outlast its call (the runtime writes them after), so the next call
      // waits in proportion to this one: a relay with many sockets gets fewer, bigger calls, and the time
      // spent fanning out stays a bounded share of the thread whatever the ingest rate.
      const took = Date.now() - t0;
      q.nextAt = took < PUBLISH_PACE_FROM_MS ? 0 : Date.now() + Math.min(PUBLISH_PACE * took, PUBLISH_WAIT_MAX_MS);
    }
    q.busy = false;
  }
}

/** A relay's pending updates: boxes in order, a new one begun where a subscribe must not be merged across. */
interface RelayQueue { boxes: Outbox[]; traces: Map<string, HopTrace>; busy: boolean; nextAt: number }

function toCandle(r: Row): Candle {
  return {
    time: r.time as number, open: r.open as number, high: r.high as number, low: r.low as number, close: r.close as number,
    volume: r.volume as number, quoteVolume: r.quote_volume as number, trades: r.trades as number,
  };
}
