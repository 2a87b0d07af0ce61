import { OrderBook } from '../../shared/market/book';
import { KrakenChecksum, krakenDigest } from '../../shared/market/checksums';
import type { Adapter, InstrumentHealth, Sink } from './adapter';
import { HealthTable, type Violation } from './health';
import { krakenCanonical, krakenV1Pair } from '../../shared/market/kraken-symbols';
import { failBook, invalidateBooks, readFrame, unusable } from './frame';
import { applyKrakenLevels, KrakenBookMsg, krakenV1FromJson, scanKrakenV1Book } from './kraken-scan';

interface BookState {
  book: OrderBook;
  checksum: KrakenChecksum;
  depth: number;
  /** False from a broken rule until the next snapshot: nothing from this book is published meanwhile. */
  good: boolean;
}

type Obj = Record<string, unknown>;
const DEPTHS = [10, 25, 100, 500, 1000];
/** Kraken answers at most this many pairs per subscribe message comfortably; more go in further messages. */
const PAIRS_PER_MESSAGE = 50;

/**
 * Kraken spot, WebSocket API v1 (wss://ws.kraken.com): book (snapshot `as`/`bs`, updates `a`/`b` with
 * checksum `c`), trade and ticker. Books keep the original strings, are truncated to the subscribed depth
 * after every update (Kraken does not send deletes for levels pushed out of range), and are verified
 * against every checksum; a mismatch or a crossed book invalidates the book and resubscribes it.
 */
export class KrakenAdapter implements Adapter {
  readonly venue = 'kraken' as const;
  readonly staleAfterMs = 10_000;
  /** Kraken sends `heartbeat` every second on a quiet socket; the ping keeps proxies honest too. */
  readonly heartbeat = { intervalMs: 30_000, frame: '{"event":"ping"}' };
  private readonly books = new Map<string, BookState>();
  private readonly canonical = new Map<string, string>();
  private readonly table: HealthTable;
  /** The book message being handled, its buffers reused. */
  private readonly msg = new KrakenBookMsg();

  constructor(
    readonly symbols: readonly string[],
    readonly depth = 1000,
  ) {
    if (!DEPTHS.includes(depth)) throw new Error(`kraken: book depth ${depth} is not one of ${DEPTHS.join(', ')}`);
    this.table = new HealthTable(symbols);
  }

  url(base: string): string {
    return base.replace(/\/+$/, '');
  }

  subscribeMessages(): string[] {
    const pairs = this.symbols.map(krakenV1Pair);
    const out: string[] = [];
    for (let i = 0; i < pairs.length; i += PAIRS_PER_MESSAGE) {
      const pair = pairs.slice(i, i + PAIRS_PER_MESSAGE);
      for (const subscription of [{ name: 'book', depth: this.depth }, { name: 'trade' }, { name: 'ticker' }]) {
        out.push(JSON.stringify({ event: 'subscribe', pair, subscription }));
      }
    }
    return out;
  }

  reset(): void {
    this.books.clear();
    this.table.reset();
  }

  health(): InstrumentHealth[] {
    return this.table.list();
  }

  parse(frame: string, recvTs: number, sink: Sink): void {
    // Book messages, nearly all the traffic, are scanned without JSON.parse when they are in the scanner's subset.
    if (scanKrakenV1Book(frame, this.msg)) return this.book(this.symbolOf(this.msg.symbol, recvTs), this.msg, recvTs, sink);
    const msg = readFrame(this, frame, sink);
    if (msg === undefined) return;
    if (Array.isArray(msg)) return this.channel(msg, recvTs, sink);
    const m = msg as Obj;
    switch (m.event) {
      case 'heartbeat':
      case 'pong':
      case 'systemStatus':
        return;
      case 'subscriptionStatus':
        return this.status(m, sink);
      case 'error':
        return sink.error(`kraken: ${String(m.errorMessage)}`);
      default:
        return unusable(this, sink, `unhandled event ${String(m.event)}`, frame);
    }
  }

  private status(m: Obj, sink: Sink): void {
    const symbol = typeof m.pair === 'string' ? krakenCanonical(m.pair) : undefined;
    if (m.status === 'error') return sink.error(`kraken: subscription refused: ${String(m.errorMessage)}`, symbol);
    const sub = m.subscription as Obj | undefined;
    if (m.status === 'subscribed' && symbol && sub?.name === 'book') this.table.syncing(symbol);
  }

  private channel(a: unknown[], recvTs: number, sink: Sink): void {
    const pair = a[a.length - 1], name = a[a.length - 2];
    if (typeof pair !== 'string' || typeof name !== 'string' || a.length < 4) return unusable(this, sink, 'malformed channel message');
    const symbol = this.symbolOf(pair, recvTs);
    if (name.startsWith('book-')) {
      const first = a[1] as Obj | null, depth = +name.slice(5);
      if (!first || typeof first !== 'object' || !(depth > 0)) return unusable(this, sink, 'malformed book message', undefined, symbol);
      krakenV1FromJson(a, pair, depth, this.msg);
      return this.book(symbol, this.msg, recvTs, sink);
    }
    if (name === 'trade') return this.trades(symbol, a[1], recvTs, sink);
    if (name === 'ticker') return this.ticker(symbol, a[1], recvTs, sink);
    unusable(this, sink, `unhandled channel ${name}`, undefined, symbol);
  }

  /** The canonical symbol of a stream pair name (cached), marked as seen now. */
  private symbolOf(pair: string, recvTs: number): string {
    let symbol = this.canonical.get(pair);
    if (symbol === undefined) this.canonical.set(pair, (symbol = krakenCanonical(pair)));
    this.table.seen(symbol, recvTs);
    return symbol;
  }

  private book(symbol: string, m: KrakenBookMsg, recvTs: number, sink: Sink): void {
    const { symbol: pair, depth } = m;
    const ts = m.tsMs || recvTs;
    if (m.snapshot) {
      if (!m.ok) return this.invalid(symbol, pair, depth, 'snapshot', 'kraken: malformed book snapshot', sink);
      const book = new OrderBook(krakenDigest);
      const asks = applyKrakenLevels(book.asks, m.asks, m.text), bids = applyKrakenLevels(book.bids, m.bids, m.text);
      book.asks.truncate(depth);
      book.bids.truncate(depth);
      this.books.set(symbol, { book, checksum: this.books.get(symbol)?.checksum ?? new KrakenChecksum(), depth, good: true });
      if (book.crossed) return this.invalid(symbol, pair, depth, 'crossed', `kraken: crossed snapshot ${book.bids.bestPrice} ≥ ${book.asks.bestPrice}`, sink);
      this.table.live(symbol);
      sink.event({ type: 'book', kind: 'snapshot', exchange: this.venue, symbol, bids, asks, ts, recvTs });
      return;
    }
    const st = this.books.get(symbol);
    if (!st || !st.good) return; // waiting for the snapshot that a (re)subscribe brings
    if (!m.ok) return this.invalid(symbol, pair, st.depth, 'snapshot', 'kraken: malformed book update', sink);
    const asks = applyKrakenLevels(st.book.asks, m.asks, m.text), bids = applyKrakenLevels(st.book.bids, m.bids, m.text);
    st.book.asks.truncate(st.depth);
    st.book.bids.truncate(st.depth);
    const h = this.table.row(symbol);
    const checksum = m.checksum;
    if (checksum !== undefined) {
      const got = st.checksum.of(st.book);
      if (typeof checksum !== 'string' || got !== +checksum) return this.invalid(symbol, pair, st.depth, 'checksum', `kraken: checksum ${String(checksum)} ≠ book ${got}`, sink);
      h.checksumOk++;
    }
    if (st.book.crossed) return this.invalid(symbol, pair, st.depth, 'crossed', `kraken: crossed book ${st.book.bids.bestPrice} ≥ ${st.book.asks.bestPrice}`, sink);
    sink.event({ type: 'book', kind: 'delta', exchange: this.venue, symbol, bids, asks, ts, recvTs });
  }

  resync(sink: Sink, reason: string, symbol?: string): void {
    this.resubscribe(invalidateBooks(this.table, this.books, reason, symbol).map((s) => this.pairOf(s)), this.depth, sink);
  }

  /** Marks the book invalid and resubscribes it: Kraken answers a subscribe with a fresh snapshot. */
  private invalid(symbol: string, pair: string, depth: number, kind: Violation, reason: string, sink: Sink): void {
    failBook(this.table, this.books, symbol, kind, reason, sink);
    this.resubscribe([pair], depth, sink);
  }

  private resubscribe(pair: string[], depth: number, sink: Sink): void {
    if (pair.length === 0) return;
    const subscription = { name: 'book', depth };
    sink.send(JSON.stringify({ event: 'unsubscribe', pair, subscription }));
    sink.send(JSON.stringify({ event: 'subscribe', pair, subscription }));
  }

  /** The pair as the stream named it (XBT/CHF), else as this adapter subscribes it. */
  private pairOf(symbol: string): string {
    for (const [pair, s] of this.canonical) if (s === symbol) return pair;
    return krakenV1Pair(symbol);
  }

  private trades(symbol: string, raw: unknown, recvTs: number, sink: Sink): void {
    if (!Array.isArray(raw)) return unusable(this, sink, 'malformed trade message', undefined, symbol);
    const list = raw as unknown[][];
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      const price = +(t?.[0] as string), amount = +(t?.[1] as string), time = t?.[2] as string;
      const ts = Math.round(+time * 1000);
      if (!(price > 0) || !(amount > 0) || !(ts > 0) || (t[3] !== 'b' && t[3] !== 's')) return unusable(this, sink, 'malformed trade', undefined, symbol);
      // Older v1 trades carry no id (newer ones add it 7th): the venue's time (µs) and the place in the message stand in.
      const id = typeof t[6] === 'number' ? String(t[6]) : `${time}-${i}`;
      sink.event({ type: 'trade', exchange: this.venue, symbol, id, price, amount, side: t[3] === 'b' ? 'buy' : 'sell', ts, recvTs });
    }
  }

  private ticker(symbol: string, raw: unknown, recvTs: number, sink: Sink): void {
    const t = raw as { a?: string[]; b?: string[] } | null;
    // a/b are [price, whole lot volume, lot volume]; the last is the size with decimals.
    const bid = +(t?.b?.[0] as string), bidSize = +(t?.b?.[2] as string), ask = +(t?.a?.[0] as string), askSize = +(t?.a?.[2] as string);
    if (!(bid > 0) || !(ask > 0) || !(bidSize >= 0) || !(askSize >= 0)) return unusable(this, sink, 'malformed ticker', undefined, symbol);
    // v1 tickers carry no time; the receive time stands in.
    sink.event({ type: 'bbo', exchange: this.venue, symbol, bid, bidSize, ask, askSize, ts: recvTs, recvTs });
  }
}
