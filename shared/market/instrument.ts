import type { BookMsg, CandleMsg, GapMsg, ConsolidatedLevel, CrossBbo, Interval, SnapshotMsg, StreamMsg, TradesMsg, UpstreamGap, WireTrade } from '../protocol/messages';
import { candleStream, CONSOLIDATED, INTERVALS, parseStream, streamName } from '../protocol/messages';
import { OrderBook } from './book';
import { CandleBuilder, type Candle } from './candles';
import { crossBbo, levelAt, mergeSide } from './consolidated';
import type { MarketEvent, TradeEvent, Venue } from './types';

/** Trades kept for tape snapshots, and updates kept per stream for resuming clients. */
export const TAPE = 200;
export const RESUME = 512;
/** Levels per side in a book snapshot. */
export const SNAPSHOT_DEPTH = 1000;
export const CANDLE_SNAPSHOT = 120;

const INTERVAL_NAMES = Object.keys(INTERVALS) as Interval[];

export interface ClosedBar { scope: string; interval: Interval; bar: Candle }

/** A stream update that carries a sequence number. */
export type SeqMsg = Exclude<StreamMsg, GapMsg>;

/** What one batch of events produced: stream updates in order, and bars that closed (to persist). */
export interface Applied { msgs: (SeqMsg | GapMsg)[]; closed: ClosedBar[] }

/** Venues that number an instrument's trades consecutively (Binance `t`/`a`, Coinbase `trade_id`): a jump counts the trades never received. */
const CONSECUTIVE_TRADE_IDS: ReadonlySet<Venue> = new Set<Venue>(['binance', 'binance-usdm', 'coinbase']);

/** The feed a batch came from, as far as holes in its trades go: `reconnects` counts its unplanned reconnections. */
export interface FeedMark { exchange: Venue; reconnects: number }

/**
 * Everything one canonical instrument derives from its venues' events: per-venue books, the
 * consolidated book, cross-venue best bid/offer, trade tape and candles, with a sequence number per
 * stream and the last updates of each kept for resume. Pure (no I/O, no clock): the hub persists
 * what it returns, tests and benchmarks drive it directly.
 */
export class InstrumentState {
  readonly books = new Map<Venue, OrderBook>();
  /** Top of book per venue from quote events (fresher than depth diffs where a venue sends both). */
  private readonly quotes: CrossBbo['venues'] = {};
  private readonly tape: WireTrade[] = [];
  private readonly builders = new Map<string, CandleBuilder>();
  private readonly byScope = new Map<string, CandleBuilder[]>();
  private readonly recent = new Map<string, SeqMsg[]>();
  /** Per venue, the last trade taken and its feed's reconnect count then: what the next trade must follow. */
  private readonly lastTrade = new Map<Venue, { id: string; ts: number; reconnects: number }>();
  private closing: ClosedBar[] = [];

  constructor(
    readonly symbol: string,
    /** Last sequence number per stream, carried across restarts. */
    readonly seqs: Record<string, number> = {},
  ) {}

  /** Reopens a candle persisted as open before a restart. */
  restoreOpen(scope: string, interval: Interval, bar: Candle): void {
    this.builder(scope, interval).restore(bar);
  }

  /** The last trade a venue had before a restart, so a hole across the restart is still reported. */
  restoreTrade(venue: Venue, id: string, ts: number, reconnects: number): void {
    this.lastTrade.set(venue, { id, ts, reconnects });
  }

  openBars(): ClosedBar[] {
    const out: ClosedBar[] = [];
    for (const [key, b] of this.builders) {
      const [scope, interval] = key.split('|') as [string, Interval];
      if (b.open) out.push({ scope, interval, bar: { ...b.open } });
    }
    return out;
  }

  /**
   * `feed`, when given, is the feed the batch came from: a reconnect since a venue's last trade is a
   * possible hole in its trades where the venue's ids can't tell.
   */
  apply(events: readonly MarketEvent[], feed?: FeedMark): Applied {
    const msgs: (SeqMsg | GapMsg)[] = [];
    const holes: UpstreamGap[] = [];
    const changed = new Map<Venue, { bids: Map<number, number>; asks: Map<number, number>; ts: number }>();
    const resnap = new Set<Venue>();
    const trades = new Map<string, WireTrade[]>();
    const tradedScopes = new Set<string>();
    const quoted = new Set<Venue>();
    // Each venue's bars close on that venue's trade clock, consolidated bars on the latest of them.
    // Only trades move it: some venues stamp quotes with our receive time, which runs ahead of theirs.
    const clocks = new Map<string, number>();
    for (const e of events) {
      if (e.symbol !== this.symbol) continue;
      if (e.type === 'trade') {
        if (e.ts > (clocks.get(e.exchange) ?? -Infinity)) clocks.set(e.exchange, e.ts);
        if (e.ts > (clocks.get(CONSOLIDATED) ?? -Infinity)) clocks.set(CONSOLIDATED, e.ts);
      }
      if (e.type === 'book') {
        let book = this.books.get(e.exchange);
        if (!book) this.books.set(e.exchange, (book = new OrderBook()));
        if (e.kind === 'snapshot') {
          book.clear();
          resnap.add(e.exchange);
        }
        let ch = changed.get(e.exchange);
        if (!ch) changed.set(e.exchange, (ch = { bids: new Map(), asks: new Map(), ts: e.ts }));
        ch.ts = e.ts;
        for (const [p, s] of e.bids) if (book.bids.set(p, s)) ch.bids.set(p, s);
        for (const [p, s] of e.asks) if (book.asks.set(p, s)) ch.asks.set(p, s);
        if (!this.quotes[e.exchange]) quoted.add(e.exchange);
      } else if (e.type === 'bbo') {
        this.quotes[e.exchange] = { bid: e.bid, bidSize: e.bidSize, ask: e.ask, askSize: e.askSize, ts: e.ts };
        quoted.add(e.exchange);
      } else if (e.type === 'trade') {
        const t: WireTrade = { id: e.id, ts: e.ts, price: e.price, amount: e.amount, side: e.side, venue: e.exchange };
        for (const scope of [e.exchange, CONSOLIDATED]) {
          const list = trades.get(scope);
          if (list) list.push(t);
          else trades.set(scope, [t]);
          for (const b of this.scopeBuilders(scope)) b.add(e.ts, e.price, e.amount);
          tradedScopes.add(scope);
        }
        this.tape.push(t);
        const hole = this.follow(e, feed);
        if (hole) holes.push(hole);
      }
    }
    if (this.tape.length > TAPE) this.tape.splice(0, this.tape.length - TAPE);

    // Book updates: per venue, then the consolidated levels at every price any venue changed.
    const cons = { bids: new Map<number, ConsolidatedLevel>(), asks: new Map<number, ConsolidatedLevel>(), ts: -Infinity };
    for (const [venue, ch] of changed) {
      const stream = streamName('book', this.symbol, venue);
      if (resnap.has(venue)) {
        msgs.push(this.snapshot(stream, true));
        continue;
      }
      if (ch.bids.size + ch.asks.size === 0) continue;
      msgs.push(this.stamp<BookMsg>({ t: 'book', stream, seq: 0, ts: ch.ts, bids: [...ch.bids], asks: [...ch.asks] }));
      for (const side of ['bids', 'asks'] as const) for (const p of ch[side].keys()) cons[side].set(p, levelAt(this.books, side, p));
      cons.ts = Math.max(cons.ts, ch.ts);
    }
    const consStream = streamName('book', this.symbol, CONSOLIDATED);
    if (resnap.size) msgs.push(this.snapshot(consStream, true));
    else if (cons.bids.size + cons.asks.size) {
      msgs.push(this.stamp<BookMsg>({ t: 'book', stream: consStream, seq: 0, ts: cons.ts, bids: [...cons.bids.values()], asks: [...cons.asks.values()] }));
    }
    if (quoted.size) {
      for (const v of quoted) msgs.push(this.stamp({ t: 'bbo', stream: streamName('bbo', this.symbol, v), seq: 0, bbo: this.cross(v) }));
      msgs.push(this.stamp({ t: 'bbo', stream: streamName('bbo', this.symbol, CONSOLIDATED), seq: 0, bbo: this.cross() }));
    }

    for (const [scope, list] of trades) {
      const stream = streamName('trades', this.symbol, scope);
      const next = this.seq(stream) + 1;
      for (const h of holes) if (scope === CONSOLIDATED || scope === h.venue) msgs.push({ t: 'gap', stream, from: next, to: next, reason: holeReason(h), upstream: h });
      msgs.push(this.stamp<TradesMsg>({ t: 'trades', stream, seq: 0, trades: list }));
    }

    // Bars close on exchange time: a trade in a later bucket, or the batch's clock passing the bucket's end.
    for (const [key, b] of this.builders) {
      const now = clocks.get(key.slice(0, key.indexOf('|')));
      if (now !== undefined) b.closeBefore(now);
    }
    const closedNow = this.closing;
    this.closing = [];
    const touched = new Set<string>();
    for (const scope of tradedScopes) for (const iv of INTERVAL_NAMES) touched.add(`${scope}|${iv}`);
    for (const c of closedNow) touched.add(`${c.scope}|${c.interval}`);
    for (const key of touched) {
      const [scope, interval] = key.split('|') as [string, Interval];
      const closed = closedNow.filter((c) => c.scope === scope && c.interval === interval).map((c) => c.bar);
      const open = this.builders.get(key)!.open;
      msgs.push(this.stamp<CandleMsg>({ t: 'candle', stream: candleStream(this.symbol, interval, scope), seq: 0, open: open ? { ...open } : null, closed }));
    }
    for (const m of msgs) if (m.t !== 'gap') this.remember(m);
    return { msgs, closed: closedNow };
  }

  /** A fresh snapshot of a stream at its current sequence number (`bump` when it replaces the stream's state). */
  snapshot(stream: string, bump = false, history: Candle[] = []): SnapshotMsg {
    const id = parseStream(stream);
    if (!id || id.symbol !== this.symbol) throw new RangeError(`${stream} is not a stream of ${this.symbol}`);
    const seq = bump ? this.next(stream) : (this.seqs[stream] ?? 0);
    switch (id.kind) {
      case 'book': {
        if (id.scope === CONSOLIDATED) {
          return { t: 'snapshot', stream, seq, data: { kind: 'book', book: { bids: mergeSide(this.books, 'bids', SNAPSHOT_DEPTH), asks: mergeSide(this.books, 'asks', SNAPSHOT_DEPTH) } } };
        }
        const b = this.books.get(id.scope);
        const book = { bids: b?.bids.top(SNAPSHOT_DEPTH) ?? [], asks: b?.asks.top(SNAPSHOT_DEPTH) ?? [] };
        return { t: 'snapshot', stream, seq, data: { kind: 'book', book } };
      }
      case 'trades':
        return { t: 'snapshot', stream, seq, data: { kind: 'trades', trades: this.tape.filter((t) => id.scope === CONSOLIDATED || t.venue === id.scope) } };
      case 'bbo':
        return { t: 'snapshot', stream, seq, data: { kind: 'bbo', bbo: this.cross(id.scope) } };
      case 'candles': {
        const open = this.builders.get(`${id.scope}|${id.interval}`)?.open;
        return { t: 'snapshot', stream, seq, data: { kind: 'candles', bars: open ? [...history, { ...open }] : history } };
      }
    }
  }

  /** Updates after `from`, when all of them are still kept; undefined when the gap can't be filled. */
  since(stream: string, from: number): SeqMsg[] | undefined {
    const seq = this.seqs[stream] ?? 0;
    if (from === seq) return [];
    if (from > seq) return undefined;
    const kept = this.recent.get(stream) ?? [];
    const first = kept[0]?.seq;
    if (first === undefined || first > from + 1) return undefined;
    return kept.filter((m) => m.seq > from);
  }

  seq(stream: string): number {
    return this.seqs[stream] ?? 0;
  }

  /** Takes `e` as its venue's latest trade; the hole before it, if the venue's ids or a reconnect show one. */
  private follow(e: TradeEvent, feed: FeedMark | undefined): UpstreamGap | undefined {
    const reconnects = feed?.exchange === e.exchange ? feed.reconnects : undefined;
    const prev = this.lastTrade.get(e.exchange);
    this.lastTrade.set(e.exchange, { id: e.id, ts: e.ts, reconnects: reconnects ?? prev?.reconnects ?? 0 });
    if (!prev) return undefined;
    const id = Number(e.id);
    const last = Number(prev.id);
    if (CONSECUTIVE_TRADE_IDS.has(e.exchange) && Number.isSafeInteger(id) && Number.isSafeInteger(last)) {
      // Ids that go back are a venue (or replay) restart: a new count starts, nothing to say is missing.
      return id > last + 1 ? { venue: e.exchange, missed: id - last - 1, after: prev.id, since: prev.ts, until: e.ts } : undefined;
    }
    return reconnects !== undefined && reconnects > prev.reconnects ? { venue: e.exchange, after: prev.id, since: prev.ts, until: e.ts } : undefined;
  }

  private cross(scope: string = CONSOLIDATED): CrossBbo {
    const venues: CrossBbo['venues'] = {};
    for (const [v, b] of this.books) {
      if (!this.quotes[v] && b.bids.length && b.asks.length) {
        venues[v] = { bid: b.bids.bestPrice, bidSize: b.bids.bestSize, ask: b.asks.bestPrice, askSize: b.asks.bestSize, ts: 0 };
      }
    }
    Object.assign(venues, this.quotes);
    if (scope !== CONSOLIDATED) for (const v of Object.keys(venues)) if (v !== scope) delete venues[v as Venue];
    const day = this.builders.get(`${scope}|1d`)?.open;
    return crossBbo(venues, day && day.volume > 0 ? day.quoteVolume / day.volume : NaN);
  }

  /** A scope's builders for every interval, looked up once per scope rather than per trade and interval. */
  private scopeBuilders(scope: string): CandleBuilder[] {
    let list = this.byScope.get(scope);
    if (!list) this.byScope.set(scope, (list = INTERVAL_NAMES.map((iv) => this.builder(scope, iv))));
    return list;
  }

  private builder(scope: string, interval: Interval): CandleBuilder {
    const key = `${scope}|${interval}`;
    let b = this.builders.get(key);
    if (!b) this.builders.set(key, (b = new CandleBuilder(INTERVALS[interval], (bar) => this.closing.push({ scope, interval, bar: { ...bar } }))));
    return b;
  }

  private next(stream: string): number {
    return (this.seqs[stream] = (this.seqs[stream] ?? 0) + 1);
  }

  private stamp<M extends SeqMsg>(m: M): M {
    m.seq = this.next(m.stream);
    return m;
  }

  private remember(m: SeqMsg): void {
    let list = this.recent.get(m.stream);
    if (!list) this.recent.set(m.stream, (list = []));
    list.push(m);
    if (list.length > RESUME) list.splice(0, list.length - RESUME);
  }
}

function holeReason(h: UpstreamGap): string {
  const span = `${new Date(h.since).toISOString()} – ${new Date(h.until).toISOString()}`;
  return h.missed !== undefined
    ? `${h.missed} ${h.venue} trade${h.missed === 1 ? '' : 's'} never reached the edge (${span})`
    : `${h.venue} reconnected: trades between ${span} may be missing`;
}
