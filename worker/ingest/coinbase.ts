import { OrderBook } from '../../shared/market/book';
import type { Instrument, Level } from '../../shared/market/types';
import type { Adapter, InstrumentHealth, Sink } from './adapter';
import { bookLevels, isoMs } from './sync';
import { applyLevels, num } from './levels';
import { FieldScanner } from './field-scan';
import { HealthTable } from './health';
import { readFrame, unusable } from './frame';

type Raw = Record<string, unknown>;
const PRODUCT = /^[A-Z0-9]+-[A-Z0-9]+$/;

/** Every field the adapter reads (decimal strings as numbers); a frame outside the scanner's subset goes to JSON.parse. */
export const COINBASE_FIELDS = new FieldScanner({
  type: 'sym', product_id: 'sym', side: 'sym', time: 'str', message: 'str', reason: 'str',
  changes: 'levels', bids: 'levels', asks: 'levels',
  sequence: 'num', trade_id: 'num', last_trade_id: 'num',
  price: 'dec', size: 'dec', best_bid: 'dec', best_ask: 'dec', best_bid_size: 'dec', best_ask_size: 'dec',
});

/** Sequence state of one product: the product sequence per channel and the last trade id seen on `matches`. */
interface Product {
  book: OrderBook;
  health: InstrumentHealth;
  matchSeq: number;
  tickerSeq: number;
  heartbeatSeq: number;
  tradeId: number;
}

export interface CoinbaseOptions {
  /**
   * `level2_batch` (default) is public; since 2023 the unbatched `level2` needs an authenticated
   * subscription, which the 2021 recordings (then public) still use. Both send snapshot + l2update.
   */
  level2?: 'level2' | 'level2_batch';
  /** Also subscribe to the per-product `heartbeat` channel (default true). */
  heartbeats?: boolean;
}

/**
 * Coinbase Exchange public feed (ws-feed.exchange.coinbase.com, formerly ws-feed.pro.coinbase.com):
 * level2 snapshot + l2update, matches, ticker and heartbeats. level2 carries no sequence, so loss is
 * detected on the sequenced channels of the same product: a `matches` trade id that skips, a
 * heartbeat whose last_trade_id is ahead of the last match, or a crossed book. Out-of-order frames
 * (sequence not above the last on their channel) are dropped, as the venue documents. Any of these
 * marks the book invalid and resubscribes its level2 channel for a fresh snapshot.
 */
export class CoinbaseAdapter implements Adapter {
  readonly venue = 'coinbase' as const;
  /** Heartbeats arrive every second per product. */
  readonly staleAfterMs = 5_000;
  private readonly products = new Map<string, Product>();
  private readonly table: HealthTable;
  private readonly level2: 'level2' | 'level2_batch';
  private readonly heartbeats: boolean;
  /** Built without symbols (to normalize a recording): every product in the stream is tracked. */
  private readonly open: boolean;

  constructor(
    readonly symbols: readonly string[],
    opts: CoinbaseOptions = {},
  ) {
    this.level2 = opts.level2 ?? 'level2_batch';
    this.open = symbols.length === 0;
    this.heartbeats = opts.heartbeats ?? true;
    this.table = new HealthTable(symbols);
    this.reset();
  }

  url(base: string): string {
    return base.replace(/\/+$/, '');
  }

  subscribeMessages(): string[] {
    this.table.subscribed();
    const channels = [this.level2, 'matches', 'ticker', ...(this.heartbeats ? ['heartbeat'] : [])];
    return [JSON.stringify({ type: 'subscribe', product_ids: this.symbols, channels })];
  }

  reset(): void {
    this.products.clear();
    for (const s of this.symbols) this.add(s);
    this.table.reset();
  }

  health(): InstrumentHealth[] {
    return this.table.list();
  }

  parse(frame: string, recvTs: number, sink: Sink): void {
    const m = COINBASE_FIELDS.scan(frame) ?? (readFrame(this, frame, sink) as Raw | undefined);
    if (m === undefined) return;
    const type = m.type;
    if (type === 'subscriptions') return;
    if (type === 'error') return sink.error(`coinbase: ${String(m.message)}${m.reason ? `: ${String(m.reason)}` : ''}`);
    const symbol = m.product_id;
    const p = typeof symbol !== 'string' ? undefined : (this.products.get(symbol) ?? (this.open && PRODUCT.test(symbol) ? this.add(symbol) : undefined));
    if (!p) return unusable(this, sink, `${String(type)} for unknown product ${String(symbol)}`, frame);
    const sym = symbol as string;
    p.health.lastMessageAt = recvTs;
    switch (type) {
      case 'l2update':
        return this.update(p, sym, m, recvTs, sink);
      case 'snapshot':
        return this.snapshot(p, sym, m, recvTs, sink);
      case 'match':
      case 'last_match':
        return this.match(p, sym, m, recvTs, sink);
      case 'ticker':
        return this.ticker(p, sym, m, recvTs, sink);
      case 'heartbeat':
        return this.onHeartbeat(p, sym, m, sink);
      default:
        return unusable(this, sink, `unhandled message type ${String(type)}`, undefined, sym);
    }
  }

  resync(sink: Sink, reason: string, symbol?: string): void {
    const ids = symbol === undefined ? [...this.products.keys()] : this.products.has(symbol) ? [symbol] : [];
    for (const id of ids) {
      this.table.invalidate(id, 'unreadable', reason);
      this.products.get(id)!.book.clear();
    }
    if (ids.length) this.resubscribe(ids, sink);
  }

  private add(symbol: string): Product {
    const p = { book: new OrderBook(), health: this.table.row(symbol, 'syncing'), matchSeq: 0, tickerSeq: 0, heartbeatSeq: 0, tradeId: 0 };
    this.products.set(symbol, p);
    return p;
  }

  private snapshot(p: Product, symbol: string, m: Raw, recvTs: number, sink: Sink): void {
    const book = p.book;
    book.clear();
    if (!applyLevels(book.bids, m.bids, undefined, 'error') || !applyLevels(book.asks, m.asks, undefined, 'error')) {
      return this.violation(symbol, 'malformed snapshot', false, sink);
    }
    if (book.crossed) return this.violation(symbol, 'crossed book in snapshot', false, sink);
    this.table.set(symbol, 'live');
    sink.event({ type: 'book', kind: 'snapshot', exchange: this.venue, symbol, ...bookLevels(book), ts: isoMs(m.time, recvTs), recvTs });
  }

  private update(p: Product, symbol: string, m: Raw, recvTs: number, sink: Sink): void {
    // Updates before the (re)snapshot belong to a book we no longer trust.
    if (p.health.state !== 'live') return;
    const changes = m.changes;
    if (!Array.isArray(changes)) return this.violation(symbol, 'l2update without changes', false, sink);
    const bids: Level[] = [];
    const asks: Level[] = [];
    const book = p.book;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i] as unknown[];
      if (!Array.isArray(c)) return this.violation(symbol, 'malformed l2update', false, sink);
      const side = c[0];
      const price = num(c[1]);
      const size = num(c[2]);
      if (!(price > 0) || !(size >= 0) || size === Infinity) return this.violation(symbol, 'malformed l2update', false, sink);
      if (side === 'buy') {
        book.bids.set(price, size);
        bids.push([price, size]);
      } else if (side === 'sell') {
        book.asks.set(price, size);
        asks.push([price, size]);
      } else return this.violation(symbol, 'malformed l2update', false, sink);
    }
    if (book.crossed) return this.violation(symbol, `crossed book: bid ${book.bids.bestPrice} ≥ ask ${book.asks.bestPrice}`, false, sink);
    sink.event({ type: 'book', kind: 'delta', exchange: this.venue, symbol, bids, asks, ts: isoMs(m.time, recvTs), recvTs });
  }

  private match(p: Product, symbol: string, m: Raw, recvTs: number, sink: Sink): void {
    const seq = m.sequence as number;
    const tradeId = m.trade_id as number;
    const price = num(m.price);
    const amount = num(m.size);
    if (typeof seq !== 'number' || typeof tradeId !== 'number' || !(price > 0) || !(amount > 0) || (m.side !== 'buy' && m.side !== 'sell')) {
      return unusable(this, sink, 'malformed match', undefined, symbol);
    }
    // last_match repeats the product's latest match on subscribe; a replayed frame is out of order.
    if (seq <= p.matchSeq) return;
    p.matchSeq = seq;
    const previous = p.tradeId;
    p.tradeId = tradeId;
    if (previous && tradeId !== previous + 1) this.violation(symbol, `trade id gap: ${previous} → ${tradeId}`, true, sink);
    if (m.type === 'last_match') return;
    // `side` is the maker's order side: a sell maker means the taker bought.
    sink.event({
      type: 'trade', exchange: this.venue, symbol, id: String(tradeId), price, amount, side: m.side === 'sell' ? 'buy' : 'sell',
      ts: isoMs(m.time, recvTs), recvTs,
    });
  }

  private ticker(p: Product, symbol: string, m: Raw, recvTs: number, sink: Sink): void {
    const seq = m.sequence;
    if (typeof seq === 'number') {
      if (seq <= p.tickerSeq) return;
      p.tickerSeq = seq;
    }
    const bid = num(m.best_bid);
    const ask = num(m.best_ask);
    if (!(bid > 0) || !(ask > 0)) return unusable(this, sink, 'malformed ticker', undefined, symbol);
    // Sizes came with the ticker in 2023; before that, take them from the synced book at the same prices.
    let bidSize = num(m.best_bid_size);
    let askSize = num(m.best_ask_size);
    if (!(bidSize >= 0) || !(askSize >= 0)) {
      if (p.health.state !== 'live') return;
      const b = p.book.bids.find(bid);
      const a = p.book.asks.find(ask);
      if (b < 0 || a < 0) return;
      bidSize = p.book.bids.sizeAt(b);
      askSize = p.book.asks.sizeAt(a);
    }
    sink.event({ type: 'bbo', exchange: this.venue, symbol, bid, bidSize, ask, askSize, seq: seq as number | undefined, ts: isoMs(m.time, recvTs), recvTs });
  }

  private onHeartbeat(p: Product, symbol: string, m: Raw, sink: Sink): void {
    const seq = m.sequence;
    const last = m.last_trade_id;
    if (typeof seq !== 'number' || typeof last !== 'number') return unusable(this, sink, 'malformed heartbeat', undefined, symbol);
    if (seq <= p.heartbeatSeq) return;
    p.heartbeatSeq = seq;
    // The heartbeat names the product's last trade: once matches flow, a later id means we lost some.
    if (p.tradeId && last > p.tradeId) {
      this.violation(symbol, `heartbeat last_trade_id ${last} ahead of last match ${p.tradeId}`, true, sink);
      p.tradeId = last;
    }
  }

  private violation(symbol: string, reason: string, gap: boolean, sink: Sink): void {
    this.table.fail(symbol, gap ? 'gap' : 'crossed', reason, sink, `coinbase: ${reason}`);
    this.products.get(symbol)!.book.clear();
    this.resubscribe([symbol], sink);
  }

  /** A fresh subscription to level2 sends a new snapshot for just these products. */
  private resubscribe(productIds: string[], sink: Sink): void {
    sink.send(JSON.stringify({ type: 'unsubscribe', product_ids: productIds, channels: [this.level2] }));
    sink.send(JSON.stringify({ type: 'subscribe', product_ids: productIds, channels: [this.level2] }));
  }
}

/** Coinbase GET /products: every product as an `Instrument` (product ids are already BASE-QUOTE). */
export function coinbaseInstruments(body: string): Instrument[] {
  const list = JSON.parse(body) as Raw[];
  if (!Array.isArray(list)) throw new Error('coinbase: /products is not a list');
  return list.map((p) => ({
    exchange: 'coinbase', symbol: String(p.id), venueSymbol: String(p.id), kind: 'spot',
    base: String(p.base_currency), quote: String(p.quote_currency),
    tickSize: +(p.quote_increment as string), lotSize: +(p.base_increment as string), contractSize: 1,
  }));
}
