import { OrderBook } from '../../shared/market/book';
import { KrakenChecksum, krakenDigest } from '../../shared/market/checksums';
import type { Adapter, InstrumentHealth, Sink } from './adapter';
import { HealthTable, type Violation } from './health';
import { krakenCanonical, krakenV2Symbol } from '../../shared/market/kraken-symbols';
import { failBook, invalidateBooks, readFrame, unusable } from './frame';
import { isoMs } from './sync';
import { applyKrakenLevels, KrakenBookMsg, krakenV2FromJson, quoteV2Numbers, scanKrakenV2Book } from './kraken-scan';

interface BookState {
  book: OrderBook;
  checksum: KrakenChecksum;
  good: boolean;
}

type Obj = Record<string, unknown>;
const DEPTHS = [10, 25, 100, 500, 1000];

/**
 * Kraken spot, WebSocket API v2 (wss://ws.kraken.com/v2): `book` (snapshot and updates, both with a
 * CRC32 checksum over the top 10 levels, book truncated to the subscribed depth), `trade` and `ticker`;
 * `ping` → `pong`, and the `heartbeat` channel on quiet sockets. The same sync rules as v1.
 */
export class KrakenV2Adapter implements Adapter {
  readonly venue = 'kraken' as const;
  readonly staleAfterMs = 10_000;
  readonly heartbeat = { intervalMs: 30_000, frame: '{"method":"ping"}' };
  private readonly books = new Map<string, BookState>();
  private readonly table: HealthTable;
  private readonly canonical = new Map<string, string>();
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
    return `${base.replace(/\/+$/, '')}/v2`;
  }

  subscribeMessages(): string[] {
    const symbol = this.symbols.map(krakenV2Symbol);
    return [
      { channel: 'book', symbol, depth: this.depth, snapshot: true },
      { channel: 'trade', symbol, snapshot: false },
      { channel: 'ticker', symbol },
    ].map((params) => JSON.stringify({ method: 'subscribe', params }));
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
    if (scanKrakenV2Book(frame, this.msg)) {
      const symbol = this.symbolOf(this.msg.symbol);
      this.table.seen(symbol, recvTs);
      return this.book(symbol, this.msg, recvTs, sink);
    }
    const msg = readFrame(this, quoteV2Numbers(frame), sink) as Obj | undefined;
    if (msg === undefined) return;
    if (typeof msg.method === 'string') return this.reply(msg, sink);
    const data = msg.data as Obj[] | undefined;
    switch (msg.channel) {
      case 'heartbeat':
      case 'status':
        return;
      case 'book':
      case 'trade':
      case 'ticker':
        break;
      default:
        return unusable(this, sink, `unhandled channel ${String(msg.channel)}`, frame);
    }
    if (!Array.isArray(data)) return unusable(this, sink, `${String(msg.channel)} without data`, frame);
    for (const d of data) {
      if (!d || typeof d.symbol !== 'string') return unusable(this, sink, `${String(msg.channel)} entry without symbol`, frame);
      const symbol = this.symbolOf(d.symbol);
      this.table.seen(symbol, recvTs);
      if (msg.channel === 'book') {
        krakenV2FromJson(d, msg.type === 'snapshot', this.msg);
        this.book(symbol, this.msg, recvTs, sink);
      }
      else if (msg.channel === 'trade') this.trade(symbol, d, recvTs, sink);
      else this.ticker(symbol, d, recvTs, sink);
    }
  }

  private symbolOf(raw: string): string {
    let s = this.canonical.get(raw);
    if (s === undefined) this.canonical.set(raw, (s = krakenCanonical(raw)));
    return s;
  }

  private reply(m: Obj, sink: Sink): void {
    if (m.method === 'pong') return;
    const result = m.result as Obj | undefined;
    const symbol = typeof result?.symbol === 'string' ? this.symbolOf(result.symbol) : undefined;
    if (m.success === false) return sink.error(`kraken: ${m.method} refused: ${String(m.error)}`, symbol);
    if (m.method === 'subscribe' && result?.channel === 'book' && symbol) this.table.syncing(symbol);
  }

  private book(symbol: string, m: KrakenBookMsg, recvTs: number, sink: Sink): void {
    const raw = m.symbol;
    let st = this.books.get(symbol);
    if (m.snapshot) {
      st = { book: new OrderBook(krakenDigest), checksum: st?.checksum ?? new KrakenChecksum(), good: true };
      this.books.set(symbol, st);
    } else if (!st || !st.good) {
      return; // waiting for the snapshot that a (re)subscribe brings
    }
    if (!m.ok) return this.invalid(symbol, raw, 'snapshot', 'kraken: malformed book levels', sink);
    const asks = applyKrakenLevels(st.book.asks, m.asks, m.text), bids = applyKrakenLevels(st.book.bids, m.bids, m.text);
    st.book.asks.truncate(this.depth);
    st.book.bids.truncate(this.depth);
    if (typeof m.checksum !== 'number') return this.invalid(symbol, raw, 'checksum', 'kraken: book message without checksum', sink);
    const got = st.checksum.of(st.book);
    if (got !== m.checksum) return this.invalid(symbol, raw, 'checksum', `kraken: checksum ${m.checksum} ≠ book ${got}`, sink);
    this.table.row(symbol).checksumOk++;
    if (st.book.crossed) return this.invalid(symbol, raw, 'crossed', `kraken: crossed book ${st.book.bids.bestPrice} ≥ ${st.book.asks.bestPrice}`, sink);
    if (m.snapshot) this.table.live(symbol);
    const ts = typeof m.timestamp === 'string' ? krakenV2Ms(m.timestamp) || recvTs : recvTs;
    sink.event({ type: 'book', kind: m.snapshot ? 'snapshot' : 'delta', exchange: this.venue, symbol, bids, asks, ts, recvTs });
  }

  resync(sink: Sink, reason: string, symbol?: string): void {
    this.resubscribe(invalidateBooks(this.table, this.books, reason, symbol).map(krakenV2Symbol), sink);
  }

  private invalid(symbol: string, raw: string, kind: Violation, reason: string, sink: Sink): void {
    failBook(this.table, this.books, symbol, kind, reason, sink);
    this.resubscribe([raw], sink);
  }

  private resubscribe(symbol: string[], sink: Sink): void {
    if (symbol.length === 0) return;
    const params = { channel: 'book', symbol, depth: this.depth };
    sink.send(JSON.stringify({ method: 'unsubscribe', params }));
    sink.send(JSON.stringify({ method: 'subscribe', params: { ...params, snapshot: true } }));
  }

  private trade(symbol: string, t: Obj, recvTs: number, sink: Sink): void {
    const price = t.price as number, amount = t.qty as number, ts = Date.parse(t.timestamp as string);
    if (!(price > 0) || !(amount > 0) || !(ts > 0) || (t.side !== 'buy' && t.side !== 'sell')) return unusable(this, sink, 'malformed trade', undefined, symbol);
    sink.event({ type: 'trade', exchange: this.venue, symbol, id: String(t.trade_id), price, amount, side: t.side, ts, recvTs });
  }

  private ticker(symbol: string, t: Obj, recvTs: number, sink: Sink): void {
    const bid = t.bid as number, bidSize = t.bid_qty as number, ask = t.ask as number, askSize = t.ask_qty as number;
    if (!(bid > 0) || !(ask > 0) || !(bidSize >= 0) || !(askSize >= 0)) return unusable(this, sink, 'malformed ticker', undefined, symbol);
    const ts = typeof t.timestamp === 'string' ? Date.parse(t.timestamp) || recvTs : recvTs;
    sink.event({ type: 'bbo', exchange: this.venue, symbol, bid, bidSize, ask, askSize, ts, recvTs });
  }
}

/** Kraken v2's timestamps: RFC 3339, UTC, microseconds. `d` a digit; hour, minute and second are range-checked apart. */
const V2_TIME = 'dddd-dd-ddTdd:dd:dd.ddddddZ';

/**
 * `Date.parse(t)`, faster for a valid time of the shape Kraken sends (`2021-04-17T16:48:53.162950Z`, one
 * per book message): read by `isoMs` (day cached), less the fraction of a millisecond Date.parse drops.
 */
export function krakenV2Ms(t: string): number {
  if (t.length !== V2_TIME.length) return Date.parse(t);
  for (let i = 0; i < V2_TIME.length; i++) {
    const c = t.charCodeAt(i), want = V2_TIME.charCodeAt(i);
    if (want === 100 ? c < 48 || c > 57 : c !== want) return Date.parse(t);
  }
  if (two(t, 11) > 23 || two(t, 14) > 59 || two(t, 17) > 59) return Date.parse(t);
  return Math.floor(isoMs(t, NaN));
}

/** The two digits at `i` as a number. */
const two = (t: string, i: number): number => (t.charCodeAt(i) - 48) * 10 + t.charCodeAt(i + 1) - 48;
