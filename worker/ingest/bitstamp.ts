import { OrderBook } from '../../shared/market/book';
import { splitConcatenated } from '../../shared/market/symbols';
import type { Instrument, Level } from '../../shared/market/types';
import type { Adapter, InstrumentHealth, Sink } from './adapter';
import { bookLevels } from './sync';
import { applyLevels, num } from './levels';
import { FieldScanner } from './field-scan';
import { HealthTable } from './health';
import { readFrame, unusable } from './frame';

type Raw = Record<string, unknown>;

/** A diff held back until the REST snapshot it must follow has arrived. */
interface Pending {
  micro: number;
  bids: unknown;
  asks: unknown;
}

interface Pair {
  symbol: string;
  health: InstrumentHealth;
  book: OrderBook;
  /** Microtimestamp of the snapshot: diffs at or before it are already in it and are dropped. */
  snapMicro: number;
  /** Microtimestamp of the last diff applied (or of the snapshot); a later diff older than it is out of order. */
  micro: number;
  /** Diffs buffered while the snapshot request is in flight; undefined when synced. */
  pending: Pending[] | undefined;
  /** An unusable frame arrived while the snapshot was on its way: index of the first diff buffered after it. */
  lostBefore: number | undefined;
}

/** Every field the adapter reads, socket frames and REST snapshots alike (decimal strings as numbers). */
export const BITSTAMP_FIELDS = new FieldScanner({
  event: 'sym', channel: 'sym', data: 'nested', microtimestamp: 'dec', bids: 'levels', asks: 'levels',
  price_str: 'dec', amount_str: 'dec', price: 'num', amount: 'num', type: 'num', id: 'num',
});

/** Channels whose parts are kept: a connection's own are a few hundred at most (mutated names are not kept past it). */
const MAX_CHANNELS = 4_096;

/** Diffs kept while waiting for a snapshot: beyond this the request is presumed lost and re-sent. */
const MAX_PENDING = 10_000;

/** Bitstamp's quote assets, longest first where one ends another (usdtusd is USDT-USD, not USD-TUSD). */
const QUOTES = ['USDT', 'USDC', 'USD', 'EUR', 'GBP', 'BTC', 'ETH', 'PAX'];
const pairOf = (canonical: string): string => canonical.replace(/-/g, '').toLowerCase();
const bookPath = (pair: string): string => `/api/v2/order_book/${pair}/`;

/**
 * Bitstamp WebSocket v2 (wss://ws.bitstamp.net, unchanged since the 2022 recording): live_trades and
 * diff_order_book channels, `bts:heartbeat` as the application ping. The book starts from the REST
 * /api/v2/order_book/<pair>/ snapshot: diffs are buffered from subscription, those with a
 * microtimestamp at or before the snapshot's are dropped, the rest applied in order. A later diff
 * that goes back in time (before the last one applied), or a crossed book, invalidates the book and fetches a new snapshot.
 */
export class BitstampAdapter implements Adapter {
  readonly venue = 'bitstamp' as const;
  /** Quiet pairs send nothing for minutes; the heartbeat reply keeps the socket provably alive. */
  readonly staleAfterMs = 30_000;
  readonly heartbeat = { intervalMs: 10_000, frame: '{"event":"bts:heartbeat"}' };
  private readonly pairs = new Map<string, Pair>();
  private readonly table: HealthTable;
  private readonly channels = new Map<string, { pair: string; kind: string }>();

  /** Built without symbols (to normalize a recording): every pair in the stream is tracked. */
  private readonly open: boolean;

  constructor(readonly symbols: readonly string[]) {
    this.open = symbols.length === 0;
    this.table = new HealthTable(symbols);
    this.reset();
  }

  url(base: string): string {
    return base.replace(/\/+$/, '');
  }

  subscribeMessages(): string[] {
    this.table.subscribed();
    return this.symbols.flatMap((s) => {
      const pair = pairOf(s);
      return [`diff_order_book_${pair}`, `live_trades_${pair}`].map((channel) => JSON.stringify({ event: 'bts:subscribe', data: { channel } }));
    });
  }

  reset(): void {
    this.pairs.clear();
    for (const symbol of this.symbols) this.add(symbol);
    this.table.reset();
  }

  health(): InstrumentHealth[] {
    return this.table.list();
  }

  parse(frame: string, recvTs: number, sink: Sink): void {
    let m = BITSTAMP_FIELDS.scan(frame);
    // An error's whole payload goes into the message, fields the scanner leaves out included.
    if (m === undefined || m.event === 'bts:error') m = readFrame(this, frame, sink) as Raw | undefined;
    if (m === undefined) return;
    const event = m.event;
    const channel = typeof m.channel === 'string' ? m.channel : '';
    if (event === 'bts:heartbeat' || event === 'bts:unsubscription_succeeded') return;
    if (event === 'bts:request_reconnect') {
      // The venue is about to cut this socket: every book will need a new snapshot after reconnect.
      for (const p of this.pairs.values()) this.table.set(p.symbol, 'resyncing', 'venue requested reconnect');
      return sink.error('bitstamp: venue requested reconnect');
    }
    if (event === 'bts:error') return sink.error(`bitstamp: ${JSON.stringify(m.data)}`);
    const { pair, kind } = this.channelOf(channel);
    const discovered = this.open && kind !== '' ? splitConcatenated(pair, QUOTES) : undefined;
    const p = this.pairs.get(pair) ?? (discovered ? this.add(discovered) : undefined);
    if (!p) return unusable(this, sink, `${String(event)} on unknown channel ${channel}`, frame);
    p.health.lastMessageAt = recvTs;
    if (event === 'bts:subscription_succeeded') {
      if (kind === 'diff_order_book') this.requestSnapshot(p, sink);
      return;
    }
    const d = m.data as Raw | null;
    if (d === null || typeof d !== 'object') return unusable(this, sink, `${channel} without data`, undefined, p.symbol);
    if (event === 'data' && kind === 'diff_order_book') return this.diff(p, d, recvTs, sink);
    if (event === 'trade' && kind === 'live_trades') return this.trade(p, d, recvTs, sink);
    unusable(this, sink, `unhandled ${String(event)} on ${channel}`, undefined, p.symbol);
  }

  /** A channel name's kind and pair, kept per channel: the scanner hands the same channel string each time. */
  private channelOf(channel: string): { pair: string; kind: string } {
    let c = this.channels.get(channel);
    if (!c) {
      const cut = channel.lastIndexOf('_');
      c = { pair: channel.slice(cut + 1), kind: cut > 0 ? channel.slice(0, cut) : '' };
      if (this.channels.size < MAX_CHANNELS) this.channels.set(channel, c);
    }
    return c;
  }

  onSnapshot(symbol: string, body: string, recvTs: number, sink: Sink): void {
    const p = this.pairs.get(pairOf(symbol));
    if (!p) return sink.error(`bitstamp: snapshot for unknown symbol ${symbol}`);
    let snap = BITSTAMP_FIELDS.scan(body);
    try {
      snap ??= JSON.parse(body) as Raw;
    } catch {
      return this.violation(p, 'snapshot is not JSON', false, sink);
    }
    const micro = Number(snap?.microtimestamp);
    const book = p.book;
    book.clear();
    if (!(micro > 0) || !applyLevels(book.bids, snap.bids, undefined, 'error') || !applyLevels(book.asks, snap.asks, undefined, 'error')) {
      return this.violation(p, 'malformed snapshot', false, sink);
    }
    // A diff lost while waiting is in the snapshot only if a diff received after it is (Bitstamp diffs carry no sequence).
    const lost = p.lostBefore;
    if (lost !== undefined && !(micro >= (p.pending?.[lost]?.micro ?? Infinity))) {
      p.pending = undefined;
      return this.violation(p, 'snapshot older than a lost diff', true, sink);
    }
    p.snapMicro = p.micro = micro;
    const pending = p.pending ?? [];
    p.pending = undefined;
    for (const d of pending) {
      if (d.micro <= p.micro) continue;
      if (!applyLevels(book.bids, d.bids, undefined, 'error') || !applyLevels(book.asks, d.asks, undefined, 'error')) return this.violation(p, 'malformed diff', false, sink);
      p.micro = d.micro;
    }
    if (book.crossed) return this.violation(p, `crossed book: bid ${book.bids.bestPrice} ≥ ask ${book.asks.bestPrice}`, false, sink);
    this.table.set(p.symbol, 'live');
    sink.event({ type: 'book', kind: 'snapshot', exchange: this.venue, symbol: p.symbol, ...bookLevels(book), ts: p.micro / 1000, recvTs });
  }

  private diff(p: Pair, d: Raw, recvTs: number, sink: Sink): void {
    const micro = Number(d.microtimestamp);
    if (!(micro > 0)) return this.violation(p, 'diff without microtimestamp', false, sink);
    // A diff before any snapshot request (the subscription reply was missed): start syncing now.
    if (!p.pending && p.health.state !== 'live') this.requestSnapshot(p, sink);
    if (p.pending) {
      if (p.pending.length >= MAX_PENDING) return this.violation(p, 'no snapshot after 10000 diffs', false, sink);
      p.pending.push({ micro, bids: d.bids, asks: d.asks });
      return;
    }
    if (micro <= p.snapMicro) return;
    if (micro < p.micro) return this.violation(p, `diff out of order: ${micro} < ${p.micro}`, true, sink);
    if (!applyLevels(p.book.bids, d.bids, undefined, 'error') || !applyLevels(p.book.asks, d.asks, undefined, 'error')) return this.violation(p, 'malformed diff', false, sink);
    const bids = d.bids as Level[], asks = d.asks as Level[];
    p.micro = micro;
    if (p.book.crossed) return this.violation(p, `crossed book: bid ${p.book.bids.bestPrice} ≥ ask ${p.book.asks.bestPrice}`, false, sink);
    sink.event({ type: 'book', kind: 'delta', exchange: this.venue, symbol: p.symbol, bids, asks, ts: micro / 1000, recvTs });
  }

  private trade(p: Pair, d: Raw, recvTs: number, sink: Sink): void {
    const price = num(d.price_str ?? d.price);
    const amount = num(d.amount_str ?? d.amount);
    const micro = Number(d.microtimestamp);
    if (!(price > 0) || !(amount > 0) || !(micro > 0) || (d.type !== 0 && d.type !== 1)) return unusable(this, sink, 'malformed trade', undefined, p.symbol);
    // `type` is the taker's side: 0 buy, 1 sell.
    sink.event({
      type: 'trade', exchange: this.venue, symbol: p.symbol, id: String(d.id), price, amount, side: d.type === 0 ? 'buy' : 'sell',
      ts: micro / 1000, recvTs,
    });
  }

  resync(sink: Sink, reason: string, symbol?: string): void {
    for (const p of this.pairs.values()) {
      if (symbol !== undefined && p.symbol !== symbol) continue;
      // A book whose snapshot is on its way keeps waiting for it; the snapshot must then prove it covers the loss.
      if (p.pending) {
        p.lostBefore ??= p.pending.length;
        continue;
      }
      this.table.invalidate(p.symbol, 'unreadable', reason);
      this.requestSnapshot(p, sink);
    }
  }

  private add(symbol: string): Pair {
    const p: Pair = { symbol, health: this.table.row(symbol, 'syncing'), book: new OrderBook(), snapMicro: 0, micro: 0, pending: undefined, lostBefore: undefined };
    this.pairs.set(pairOf(symbol), p);
    return p;
  }

  /** Starts buffering diffs and asks the feed for a REST snapshot. */
  private requestSnapshot(p: Pair, sink: Sink): void {
    p.pending = [];
    p.lostBefore = undefined;
    p.book.clear();
    if (p.health.state !== 'resyncing') this.table.set(p.symbol, 'syncing');
    sink.snapshot(p.symbol, bookPath(pairOf(p.symbol)));
  }

  private violation(p: Pair, reason: string, gap: boolean, sink: Sink): void {
    this.table.fail(p.symbol, gap ? 'gap' : 'crossed', reason, sink, `bitstamp: ${reason}`);
    this.requestSnapshot(p, sink);
  }
}

/** Bitstamp GET /api/v2/trading-pairs-info/: every pair as an `Instrument` (decimals give tick and lot). */
export function bitstampInstruments(body: string): Instrument[] {
  const list = JSON.parse(body) as Raw[];
  if (!Array.isArray(list)) throw new Error('bitstamp: trading-pairs-info is not a list');
  return list.map((p) => {
    const [base, quote] = String(p.name).split('/') as [string, string];
    return {
      exchange: 'bitstamp', symbol: `${base}-${quote}`, venueSymbol: String(p.url_symbol), kind: 'spot', base, quote,
      tickSize: 10 ** -Number(p.counter_decimals), lotSize: 10 ** -Number(p.base_decimals), contractSize: 1,
    };
  });
}
