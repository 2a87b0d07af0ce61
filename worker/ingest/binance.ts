import { OrderBook } from '../../shared/market/book';
import { parseDecimal } from '../../shared/market/decimal';
import { binanceStreamSymbol, splitConcatenated } from '../../shared/market/symbols';
import type { FeedState, Level, Venue } from '../../shared/market/types';
import type { Adapter, InstrumentHealth, Sink } from './adapter';
import { scanCombined } from './binance-scan';
import { readFrame, unusable } from './frame';
import { applyLevels } from './levels';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- venue JSON, checked field by field

/** What differs between Binance spot and USD-M futures; everything else is one implementation. */
export interface BinanceOptions {
  venue: Venue;
  /** REST path of the depth snapshot, `?symbol=…&limit=1000` appended. */
  depthPath: string;
  /** Streams per instrument, after `<symbol>@`. */
  streams: readonly string[];
  /** Futures chain diffs by `pu` (= previous `u`); spot by `U` = previous `u` + 1. */
  chainsByPu: boolean;
  /** Venue symbol (BTCUSDT, BTCUSDT_240927) → canonical, and back. */
  canonicalOf(raw: string): string | undefined;
  venueSymbolOf(canonical: string): string;
}

export const BINANCE_SPOT: BinanceOptions = {
  venue: 'binance',
  depthPath: '/api/v3/depth',
  streams: ['trade', 'bookTicker', 'depth@100ms'],
  chainsByPu: false,
  canonicalOf: splitConcatenated,
  venueSymbolOf: (s) => binanceStreamSymbol(s).toUpperCase(),
};

const STREAM_PREFIX = /^\{"stream":"([a-z0-9_]+)@([a-zA-Z0-9@_]+)"/;

/** Diffs buffered while a snapshot is on its way; beyond this the oldest are dropped (and the sync checks catch it). */
const MAX_BUFFER = 5_000;

interface Instrument {
  symbol: string;
  venueSymbol: string;
  book: OrderBook;
  state: FeedState;
  reason: string | undefined;
  /** lastUpdateId of the loaded snapshot, -1 while none is loaded. */
  snapId: number;
  /** Snapshot loaded but the first diff after it not yet applied: the straddle rule decides. */
  needFirst: boolean;
  /** `u` of the last applied diff. */
  lastU: number;
  buffer: Raw[];
  requested: boolean;
  lastMessageAt: number;
  gaps: number;
  resyncs: number;
}

/** A venue decimal string, or a number the fast scanner already converted. */
const num = (v: unknown): number => (typeof v === 'string' ? parseDecimal(v) : typeof v === 'number' ? v : NaN);

/**
 * Binance public market data over combined streams (spot, and USD-M futures through its options):
 * trades, bookTicker → bbo, depth diffs kept in sync with a REST snapshot the way Binance documents it
 * (buffer diffs, drop those the snapshot covers, the first applied one straddles lastUpdateId, any break
 * in the chain restarts), and on futures mark price, funding and liquidations.
 */
export class BinanceAdapter implements Adapter {
  readonly venue: Venue;
  readonly staleAfterMs = 10_000;
  private readonly canonical = new Map<string, string>();
  private readonly instruments = new Map<string, Instrument>();

  constructor(
    readonly symbols: readonly string[],
    private readonly o: BinanceOptions = BINANCE_SPOT,
  ) {
    this.venue = o.venue;
    for (const s of symbols) this.instrument(s, o.venueSymbolOf(s));
  }

  url(base: string): string {
    const streams = this.symbols.flatMap((s) => {
      const b = this.o.venueSymbolOf(s).toLowerCase();
      return this.o.streams.map((st) => `${b}@${st}`);
    });
    return `${base.replace(/\/+$/, '')}/stream?streams=${streams.join('/')}`;
  }

  subscribeMessages(): string[] {
    return [];
  }

  reset(): void {
    for (const i of this.instruments.values()) {
      i.book.clear();
      i.state = 'connecting';
      i.reason = 'reconnecting';
      i.snapId = -1;
      i.needFirst = false;
      i.buffer = [];
      i.requested = false;
    }
  }

  health(): InstrumentHealth[] {
    return [...this.instruments.values()].map((i) => ({
      symbol: i.symbol, state: i.state, ...(i.reason ? { reason: i.reason } : {}), lastMessageAt: i.lastMessageAt,
      gaps: i.gaps, checksumOk: 0, checksumFailed: 0, resyncs: i.resyncs,
    }));
  }

  /** The instrument's book, for tests and the oracle; only trustworthy while its state is `live`. */
  book(symbol: string): OrderBook | undefined {
    for (const i of this.instruments.values()) if (i.symbol === symbol) return i.book;
    return undefined;
  }

  parse(frame: string, recvTs: number, sink: Sink): void {
    const msg = (scanCombined(frame) ?? readFrame(this, frame, sink, this.locate)) as Raw | undefined;
    if (msg === undefined) return;
    try {
      this.dispatch(msg, recvTs, sink);
    } catch (e) {
      // A frame shaped in a way no check foresaw: reported and resynced, never thrown into the feed.
      unusable(this, sink, `unreadable frame (${(e as Error).message})`, frame);
    }
  }

  /** A combined-stream frame names its stream first: `btcusdt@depth…` is that book's, any other stream carries none. */
  private readonly locate = (frame: string): string | null | undefined => {
    const m = STREAM_PREFIX.exec(frame);
    const inst = m ? this.instruments.get(m[1]!.toUpperCase()) : undefined;
    if (!inst) return undefined;
    return m![2]!.startsWith('depth') ? inst.symbol : null;
  };

  resync(sink: Sink, reason: string, symbol?: string): void {
    for (const inst of this.instruments.values()) {
      if (symbol !== undefined && inst.symbol !== symbol) continue;
      // A book still waiting for its snapshot needs no second one: the chain check over the buffered diffs
      // catches whatever the unusable frame took away.
      if (inst.snapId < 0 && inst.requested) continue;
      this.invalidate(inst, reason, sink);
    }
  }

  onSnapshot(symbol: string, body: string, recvTs: number, sink: Sink): void {
    const inst = this.bySymbol(symbol);
    if (!inst || !inst.requested) return; // not asked for (any more): a late answer from before a reset
    inst.requested = false;
    let snap: Raw;
    try {
      snap = JSON.parse(body) as Raw;
    } catch {
      snap = {};
    }
    const book = inst.book;
    book.clear();
    if (typeof snap.lastUpdateId !== 'number' || !applyLevels(book.bids, snap.bids, undefined, 'error') || !applyLevels(book.asks, snap.asks, undefined, 'error') || book.crossed) {
      sink.error(`${this.venue}: unusable depth snapshot: ${body.slice(0, 80)}`, symbol);
      return this.invalidate(inst, 'snapshot unusable', sink);
    }
    inst.snapId = snap.lastUpdateId;
    inst.needFirst = true;
    inst.lastMessageAt = Math.max(inst.lastMessageAt, recvTs);
    const buffered = inst.buffer;
    inst.buffer = [];
    for (const d of buffered) this.depth(inst, d, recvTs, sink);
  }

  private dispatch(msg: Raw, recvTs: number, sink: Sink): void {
    // Combined streams wrap the payload; raw streams and method replies do not.
    const d = (typeof msg.stream === 'string' ? msg.data : msg) as Raw | null | undefined;
    if (!d || typeof d !== 'object') return unusable(this, sink, 'combined frame without data');
    if ('result' in d && 'id' in d) return; // reply to SUBSCRIBE / UNSUBSCRIBE
    const e = d.e;
    // forceOrder carries its symbol inside the order.
    const o = e === 'forceOrder' ? (d.o as Raw | undefined) : undefined;
    const inst = this.byVenueSymbol(o && typeof o === 'object' ? o.s : d.s);
    if (!inst) return unusable(this, sink, `unknown symbol ${String(d.s)}`);
    if (recvTs > inst.lastMessageAt) inst.lastMessageAt = recvTs;
    const symbol = inst.symbol;
    const exchange = this.venue;
    switch (e) {
      case 'depthUpdate':
        if (typeof d.U !== 'number' || typeof d.u !== 'number' || (this.o.chainsByPu && typeof d.pu !== 'number') || !Array.isArray(d.b) || !Array.isArray(d.a)) {
          return unusable(this, sink, 'malformed depth update', undefined, symbol);
        }
        return this.depth(inst, d, recvTs, sink);
      case 'trade':
      case 'aggTrade': {
        const price = num(d.p);
        const amount = num(d.q);
        const id = e === 'trade' ? d.t : d.a;
        if (!(price > 0) || !(amount > 0) || typeof d.T !== 'number' || typeof id !== 'number') return unusable(this, sink, 'malformed trade', undefined, symbol);
        // `m`: the buyer was the maker, so the taker sold.
        return sink.event({ type: 'trade', exchange, symbol, id: String(id), price, amount, side: d.m ? 'sell' : 'buy', ts: d.T, recvTs });
      }
      case 'markPriceUpdate': {
        const markPrice = num(d.p);
        const indexPrice = num(d.i);
        const rate = num(d.r);
        if (!(markPrice > 0) || typeof d.E !== 'number') return unusable(this, sink, 'malformed markPrice', undefined, symbol);
        sink.event({ type: 'mark', exchange, symbol, markPrice, ...(indexPrice > 0 ? { indexPrice } : {}), ts: d.E, recvTs });
        // Dated futures carry an empty rate: no funding.
        if (Number.isFinite(rate) && d.r !== '') {
          sink.event({ type: 'funding', exchange, symbol, rate, ...(typeof d.T === 'number' && d.T > 0 ? { nextFundingTs: d.T } : {}), ts: d.E, recvTs });
        }
        return;
      }
      case 'forceOrder': {
        const price = num(o!.ap) > 0 ? num(o!.ap) : num(o!.p);
        const amount = num(o!.q);
        const side = o!.S === 'BUY' ? 'buy' : o!.S === 'SELL' ? 'sell' : undefined;
        const ts = typeof o!.T === 'number' ? o!.T : d.E;
        if (!side || !(price > 0) || !(amount > 0) || typeof ts !== 'number') return unusable(this, sink, 'malformed forceOrder', undefined, symbol);
        return sink.event({ type: 'liquidation', exchange, symbol, side, price, amount, ts, recvTs });
      }
      case 'kline':
        return; // candles are built from trades downstream
      default: {
        if (e !== undefined && e !== 'bookTicker') return unusable(this, sink, `unhandled event ${String(e)}`, undefined, symbol);
        const bid = num(d.b), bidSize = num(d.B), ask = num(d.a), askSize = num(d.A);
        if (!(bid > 0) || !(ask > 0) || !(bidSize >= 0) || !(askSize >= 0) || typeof d.u !== 'number') {
          return unusable(this, sink, 'malformed bookTicker', undefined, symbol);
        }
        // Spot bookTicker carries no time; the receive time stands in.
        const ts = typeof d.T === 'number' ? d.T : typeof d.E === 'number' ? d.E : recvTs;
        return sink.event({ type: 'bbo', exchange, symbol, bid, bidSize, ask, askSize, seq: d.u, ts, recvTs });
      }
    }
  }

  /** One depth diff through the sync state machine. */
  private depth(inst: Instrument, d: Raw, recvTs: number, sink: Sink): void {
    if (inst.snapId < 0) {
      if (inst.buffer.length >= MAX_BUFFER) inst.buffer.shift();
      inst.buffer.push(d);
      if (!inst.requested) this.request(inst, inst.state === 'resyncing' ? (inst.reason ?? 'resync') : 'awaiting snapshot', sink);
      return;
    }
    const U = d.U as number;
    const u = d.u as number;
    if (inst.needFirst) {
      const snapId = inst.snapId;
      if (u <= snapId) return; // already in the snapshot
      // Futures may also chain straight onto the snapshot's id.
      const straddles = U <= snapId + 1 || (this.o.chainsByPu && d.pu === snapId);
      if (!straddles) {
        // The snapshot is older than the stream we hold: fetch a newer one, keep buffering.
        this.invalidate(inst, `snapshot ${snapId} older than diff U ${U}`, sink);
        return this.depth(inst, d, recvTs, sink);
      }
    } else {
      if (u <= inst.lastU) return; // a repeat of an update already applied (duplicated delivery): nothing new
      const chained = this.o.chainsByPu ? d.pu === inst.lastU : U === inst.lastU + 1;
      if (!chained) {
        inst.gaps++;
        const why = `gap: after ${inst.lastU} got ${this.o.chainsByPu ? `pu ${String(d.pu)}` : `U ${U}`}`;
        sink.error(`${this.venue}: ${why}`, inst.symbol);
        this.invalidate(inst, why, sink);
        return this.depth(inst, d, recvTs, sink);
      }
    }
    const book = inst.book;
    if (!applyLevels(book.bids, d.b, undefined, 'error') || !applyLevels(book.asks, d.a, undefined, 'error')) {
      sink.error(`${this.venue}: malformed depth level`, inst.symbol);
      return this.invalidate(inst, 'malformed depth level', sink);
    }
    if (book.crossed) {
      const why = `crossed book: bid ${book.bids.bestPrice} ≥ ask ${book.asks.bestPrice} after u ${u}`;
      sink.error(`${this.venue}: ${why}`, inst.symbol);
      return this.invalidate(inst, why, sink);
    }
    inst.lastU = u;
    const ts = typeof d.E === 'number' ? d.E : recvTs;
    if (inst.needFirst) {
      inst.needFirst = false;
      inst.state = 'live';
      inst.reason = undefined;
      sink.event({
        type: 'book', kind: 'snapshot', exchange: this.venue, symbol: inst.symbol, bids: book.bids.top(), asks: book.asks.top(),
        seq: u, ts, recvTs,
      });
    } else {
      sink.event({
        type: 'book', kind: 'delta', exchange: this.venue, symbol: inst.symbol, bids: d.b as Level[], asks: d.a as Level[],
        firstSeq: U, seq: u, ts, recvTs,
      });
    }
  }

  /** The book can no longer be trusted: clear it, say why, and start a resync. */
  private invalidate(inst: Instrument, reason: string, sink: Sink): void {
    inst.book.clear();
    inst.snapId = -1;
    inst.needFirst = false;
    inst.buffer = [];
    inst.resyncs++;
    inst.state = 'resyncing';
    this.request(inst, reason, sink);
  }

  private request(inst: Instrument, reason: string, sink: Sink): void {
    inst.requested = true;
    if (inst.state !== 'resyncing') inst.state = 'syncing';
    inst.reason = reason;
    sink.snapshot(inst.symbol, `${this.o.depthPath}?symbol=${inst.venueSymbol}&limit=1000`);
  }

  private instrument(symbol: string, venueSymbol: string): Instrument {
    const inst: Instrument = {
      symbol, venueSymbol, book: new OrderBook(), state: 'connecting', reason: undefined, snapId: -1, needFirst: false, lastU: 0,
      buffer: [], requested: false, lastMessageAt: 0, gaps: 0, resyncs: 0,
    };
    this.instruments.set(venueSymbol, inst);
    this.canonical.set(symbol, venueSymbol);
    return inst;
  }

  private byVenueSymbol(raw: unknown): Instrument | undefined {
    if (typeof raw !== 'string') return undefined;
    const known = this.instruments.get(raw);
    if (known) return known;
    // Instruments are learned from the frames only when none were named (replaying a recording).
    if (this.symbols.length) return undefined;
    const symbol = this.o.canonicalOf(raw);
    return symbol && raw === raw.toUpperCase() ? this.instrument(symbol, raw) : undefined;
  }

  private bySymbol(symbol: string): Instrument | undefined {
    const v = this.canonical.get(symbol);
    return v === undefined ? undefined : this.instruments.get(v);
  }
}
