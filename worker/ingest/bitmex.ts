import { OrderBook } from '../../shared/market/book';
import { splitConcatenated } from '../../shared/market/symbols';
import type { Instrument, Level, Side } from '../../shared/market/types';
import type { Adapter, InstrumentHealth, Sink } from './adapter';
import { bookLevels, isoMs } from './sync';
import { HealthTable } from './health';
import { readFrame, unusable } from './frame';
import { BookRows, BUY, scanBitmexBook, SELL } from './bitmex-scan';
import { LevelIds } from './level-ids';

type Raw = Record<string, unknown>;

interface Contract {
  symbol: string;
  health: InstrumentHealth;
  venueSymbol: string;
  book: OrderBook;
  /** Level id → price: 2021 updates and deletes carry only the id. */
  prices: LevelIds;
}

const MONTHS = 'FGHJKMNQUVXZ';
const xbt = (c: string): string => (c === 'BTC' ? 'XBT' : c);
const btc = (c: string): string => (c === 'XBT' || c === 'XBt' ? 'BTC' : c);

/**
 * BitMEX's own name for a canonical symbol: BTC-USD-PERP → XBTUSD, UNI-USDT-PERP → UNIUSDT,
 * XRP-BTC-210924 → XRPU21 (alt/XBT and XBT/USD futures), ETH-USD-250926 → ETHUSDU25, BTC-USDT → XBT_USDT.
 * The instrument list is the authority when it is at hand (`bitmexInstruments`).
 */
export function bitmexSymbol(canonical: string): string {
  const [b = '', q = '', tail] = canonical.split('-');
  const base = xbt(b);
  const quote = xbt(q);
  if (tail === 'PERP') return base + quote;
  if (tail && /^\d{6}$/.test(tail)) {
    const code = MONTHS[Number(tail.slice(2, 4)) - 1] + tail.slice(0, 2);
    return quote === 'XBT' || (base === 'XBT' && quote === 'USD') ? base + code : base + quote + code;
  }
  return `${base}_${quote}`;
}

/**
 * The canonical symbol for a BitMEX name when no instrument list is at hand: XBTUSD → BTC-USD-PERP,
 * XBT_USDT → BTC-USDT, and dated futures (root + month code + year) expiring, as BitMEX's quarterlies
 * do, on the month's last Friday: XRPU21 → XRP-BTC-210924, XBTZ25 → BTC-USD-251226.
 */
export function bitmexCanonical(venueSymbol: string): string | undefined {
  const spot = /^([A-Z0-9]+)_([A-Z0-9]+)$/.exec(venueSymbol);
  if (spot) return `${btc(spot[1]!)}-${btc(spot[2]!)}`;
  const future = /^([A-Z0-9]+?)([FGHJKMNQUVXZ])(\d\d)$/.exec(venueSymbol);
  if (future) {
    const [, root = '', code = '', yy = ''] = future;
    // Alt roots alone are quoted in XBT; XBT alone in USD.
    const pair = splitConcatenated(root.replace(/^XBT/, 'BTC')) ?? (root === 'XBT' ? 'BTC-USD' : `${root}-BTC`);
    const month = MONTHS.indexOf(code);
    const year = 2000 + Number(yy);
    const last = new Date(Date.UTC(year, month + 1, 0));
    const day = last.getUTCDate() - ((last.getUTCDay() + 2) % 7);
    return `${pair}-${yy}${String(month + 1).padStart(2, '0')}${String(day).padStart(2, '0')}`;
  }
  const perp = splitConcatenated(venueSymbol.replace(/^XBT/, 'BTC'));
  return perp && `${perp}-PERP`;
}

/**
 * BitMEX realtime (wss://ws.bitmex.com/realtime; www.bitmex.com in 2021): orderBookL2 partial then
 * insert/update/delete by level id, quote, trade, instrument (mark, index, funding), funding and
 * liquidation tables. Book rows before the symbol's partial are ignored, as the venue documents; an
 * update or delete for an id the book does not hold, an insert of an id it does, or a crossed book
 * invalidates the book and resubscribes its orderBookL2 topic for a new partial. Since February 2022
 * every row has a timestamp, and since mid-2023 ids are arbitrary and every row carries its price; the
 * id → price map serves both eras, and a row whose price disagrees with its id's is a violation too.
 * Sizes are in contracts (see `bitmexInstruments`).
 */
export class BitmexAdapter implements Adapter {
  readonly venue = 'bitmex' as const;
  readonly staleAfterMs = 15_000;
  /** BitMEX answers a text `ping` with `pong` and recommends one after 5 s of silence. */
  readonly heartbeat = { intervalMs: 5_000, frame: 'ping' };
  private readonly byVenue = new Map<string, Contract>();
  /** The current frame's orderBookL2 rows. */
  private readonly bookRows = new BookRows();
  private readonly table: HealthTable;
  /** Venue name → canonical symbol from the instrument list, for contracts discovered in the stream. */
  private readonly listed: Map<string, string>;
  /** Built without symbols (to normalize a recording): every contract in the stream is tracked. */
  private readonly open: boolean;

  constructor(
    readonly symbols: readonly string[],
    instruments: readonly Instrument[] = [],
  ) {
    this.table = new HealthTable(symbols);
    this.open = symbols.length === 0;
    this.listed = new Map(instruments.map((i) => [i.venueSymbol, i.symbol]));
    const known = new Map(instruments.map((i) => [i.symbol, i.venueSymbol]));
    for (const symbol of symbols) this.add(known.get(symbol) ?? bitmexSymbol(symbol), symbol);
  }

  url(base: string): string {
    return `${base.replace(/\/+$/, '')}/realtime`;
  }

  subscribeMessages(): string[] {
    this.table.subscribed();
    const args: string[] = [];
    for (const v of this.byVenue.keys()) for (const t of ['orderBookL2', 'quote', 'trade', 'instrument', 'funding', 'liquidation']) args.push(`${t}:${v}`);
    return [JSON.stringify({ op: 'subscribe', args })];
  }

  reset(): void {
    for (const c of this.byVenue.values()) {
      c.book.clear();
      c.prices.clear();
    }
    this.table.reset();
  }

  health(): InstrumentHealth[] {
    return this.table.list();
  }

  parse(frame: string, recvTs: number, sink: Sink): void {
    if (frame === 'pong') return;
    // Book frames, most of the stream, are read without JSON.parse where they take the common shape.
    const head = scanBitmexBook(frame, this.bookRows);
    if (head) return this.book(head.action, this.bookRows, head.filter, recvTs, sink);
    const m = readFrame(this, frame, sink) as Raw | undefined;
    if (m === undefined) return;
    const table = m.table;
    if (typeof table !== 'string') {
      if (m.error !== undefined) return sink.error(`bitmex: ${String(m.error)}`);
      if ('info' in m || 'success' in m) return; // welcome banner and subscribe/unsubscribe acknowledgements
      return unusable(this, sink, 'unrecognized frame', frame);
    }
    const data = m.data;
    if (!Array.isArray(data)) return unusable(this, sink, `${table} without data`, frame);
    const action = m.action;
    switch (table) {
      case 'orderBookL2':
      case 'orderBookL2_25':
        return this.book(action, this.bookRows.fromJson(data), (m.filter as Raw | undefined)?.symbol, recvTs, sink);
      case 'quote':
        return this.rows(data as Raw[], recvTs, sink, (c, r, ts) => {
          const bid = r.bidPrice as number, ask = r.askPrice as number, bidSize = r.bidSize as number, askSize = r.askSize as number;
          if (!(bid > 0) || !(ask > 0) || !(bidSize >= 0) || !(askSize >= 0)) return unusable(this, sink, 'malformed quote', undefined, c.symbol);
          sink.event({ type: 'bbo', exchange: this.venue, symbol: c.symbol, bid, bidSize, ask, askSize, ts, recvTs });
        });
      case 'trade':
        // The partial replays the last trade before subscription: already history.
        if (action === 'partial') return;
        return this.rows(data as Raw[], recvTs, sink, (c, r, ts) => {
          const price = r.price as number, amount = r.size as number, side = sideOf(r.side);
          if (!(price > 0) || !(amount > 0) || !side) return unusable(this, sink, 'malformed trade', undefined, c.symbol);
          sink.event({ type: 'trade', exchange: this.venue, symbol: c.symbol, id: String(r.trdMatchID), price, amount, side, ts, recvTs });
        });
      case 'instrument':
        return this.rows(data as Raw[], recvTs, sink, (c, r, ts) => {
          if (typeof r.markPrice === 'number') {
            const indexPrice = typeof r.indicativeSettlePrice === 'number' ? r.indicativeSettlePrice : undefined;
            sink.event({ type: 'mark', exchange: this.venue, symbol: c.symbol, markPrice: r.markPrice, indexPrice, ts, recvTs });
          }
          if (typeof r.fundingRate === 'number') {
            const nextFundingTs = typeof r.fundingTimestamp === 'string' ? isoMs(r.fundingTimestamp, NaN) : undefined;
            sink.event({ type: 'funding', exchange: this.venue, symbol: c.symbol, rate: r.fundingRate, nextFundingTs, ts, recvTs });
          }
        });
      case 'funding':
        return this.rows(data as Raw[], recvTs, sink, (c, r, ts) => {
          if (typeof r.fundingRate !== 'number') return unusable(this, sink, 'malformed funding', undefined, c.symbol);
          sink.event({ type: 'funding', exchange: this.venue, symbol: c.symbol, rate: r.fundingRate, ts, recvTs });
        });
      case 'liquidation':
        // Later updates of a liquidation order only shrink its leavesQty; the insert is the event.
        if (action !== 'insert' && action !== 'partial') return;
        return this.rows(data as Raw[], recvTs, sink, (c, r, ts) => {
          const price = r.price as number, amount = r.leavesQty as number, side = sideOf(r.side);
          if (!(price > 0) || !(amount > 0) || !side) return unusable(this, sink, 'malformed liquidation', undefined, c.symbol);
          sink.event({ type: 'liquidation', exchange: this.venue, symbol: c.symbol, side, price, amount, ts, recvTs });
        });
      default:
        return unusable(this, sink, `unhandled table ${table}`, frame);
    }
  }

  resync(sink: Sink, reason: string, symbol?: string): void {
    const args: string[] = [];
    for (const c of this.byVenue.values()) {
      if (symbol !== undefined && c.symbol !== symbol) continue;
      this.table.invalidate(c.symbol, 'unreadable', reason);
      c.book.clear();
      c.prices.clear();
      args.push(`orderBookL2:${c.venueSymbol}`);
    }
    this.resubscribe(args, sink);
  }

  private add(venueSymbol: string, symbol: string): Contract {
    const c = { symbol, health: this.table.row(symbol, 'syncing'), venueSymbol, book: new OrderBook(), prices: new LevelIds() };
    this.byVenue.set(venueSymbol, c);
    return c;
  }

  /** The contract a row or partial names: known, or discovered when the adapter tracks everything. */
  private contract(venueSymbol: unknown): Contract | undefined {
    if (typeof venueSymbol !== 'string') return undefined;
    const c = this.byVenue.get(venueSymbol);
    if (c || !this.open) return c;
    const symbol = this.listed.get(venueSymbol) ?? bitmexCanonical(venueSymbol);
    return symbol ? this.add(venueSymbol, symbol) : undefined;
  }

  private rows(data: Raw[], recvTs: number, sink: Sink, each: (c: Contract, r: Raw, ts: number) => void): void {
    let reported = false;
    for (let i = 0; i < data.length; i++) {
      const r = data[i]!;
      const c = r !== null && typeof r === 'object' ? this.contract(r.symbol) : undefined;
      if (!c) {
        // The other rows still count; the books are resynced once for the frame.
        if (!reported) unusable(this, sink, `row for unknown symbol ${String(r?.symbol)}`);
        reported = true;
        continue;
      }
      c.health.lastMessageAt = recvTs;
      each(c, r, isoMs(r.timestamp, recvTs));
    }
  }

  private book(action: unknown, rows: BookRows, filter: unknown, recvTs: number, sink: Sink): void {
    const n = rows.length;
    if (action === 'partial') {
      const c = this.contract(filter ?? rows.symbol[0]);
      if (!c) return unusable(this, sink, `partial for unknown symbol ${String(filter)}`);
      c.health.lastMessageAt = recvTs;
      return this.partial(c, rows, recvTs, sink);
    }
    if (action !== 'insert' && action !== 'update' && action !== 'delete') return unusable(this, sink, `unknown book action ${String(action)}`);
    // Rows are grouped by symbol; one delta per run of rows of the same symbol.
    let c: Contract | undefined;
    let bids: Level[] = [];
    let asks: Level[] = [];
    let ts = recvTs;
    for (let i = 0; i <= n; i++) {
      const next = i < n ? this.contract(rows.symbol[i]) : undefined;
      if (c && (next !== c || i === n)) {
        if (!this.flush(c, bids, asks, ts, recvTs, sink)) return;
        bids = [];
        asks = [];
      }
      if (i === n) break;
      if (!next) return unusable(this, sink, `book row for unknown symbol ${String(rows.symbol[i])}`);
      c = next;
      c.health.lastMessageAt = recvTs;
      // Rows before the partial, or while a resync is pending, belong to a book we do not hold.
      if (c.health.state !== 'live') {
        c = undefined;
        continue;
      }
      const id = rows.id[i]!;
      const side = rows.side[i];
      if (id !== id || !side) return this.violation(c, `malformed ${action}`, sink);
      if (rows.timestamp[i] !== undefined) ts = isoMs(rows.timestamp[i], recvTs);
      const bookSide = side === BUY ? c.book.bids : c.book.asks;
      const out = side === BUY ? bids : asks;
      const given = rows.price[i]!;
      if (action === 'insert') {
        const size = rows.size[i]!;
        if (c.prices.has(id)) return this.violation(c, `insert of existing level id ${id}`, sink);
        if (!(given > 0) || !(size > 0)) return this.violation(c, 'malformed insert', sink);
        c.prices.set(id, given);
        bookSide.set(given, size);
        out.push([given, size]);
        continue;
      }
      const price = c.prices.get(id);
      if (price !== price) return this.violation(c, `${action} of unknown level id ${id}`, sink);
      if (given === given && given !== price) return this.violation(c, `level id ${id} moved from ${price} to ${given}`, sink);
      if (action === 'update') {
        const size = rows.size[i]!;
        if (!(size > 0)) return this.violation(c, 'malformed update', sink);
        bookSide.set(price, size);
        out.push([price, size]);
      } else {
        c.prices.delete(id);
        bookSide.set(price, 0);
        out.push([price, 0]);
      }
    }
  }

  private flush(c: Contract, bids: Level[], asks: Level[], ts: number, recvTs: number, sink: Sink): boolean {
    if (c.book.crossed) {
      this.violation(c, `crossed book: bid ${c.book.bids.bestPrice} ≥ ask ${c.book.asks.bestPrice}`, sink);
      return false;
    }
    sink.event({ type: 'book', kind: 'delta', exchange: this.venue, symbol: c.symbol, bids, asks, ts, recvTs });
    return true;
  }

  private partial(c: Contract, rows: BookRows, recvTs: number, sink: Sink): void {
    c.book.clear();
    c.prices.clear();
    const n = rows.length;
    const { id, side, size, price } = rows;
    let ts = recvTs;
    let sorted = true;
    for (let i = 0; i < n; i++) {
      if (id[i] !== id[i] || !(price[i]! > 0) || !(size[i]! > 0) || !side[i] || rows.symbol[i] !== c.venueSymbol) return this.violation(c, 'malformed partial', sink);
      c.prices.set(id[i]!, price[i]!);
      if (rows.timestamp[i] !== undefined) ts = isoMs(rows.timestamp[i], recvTs);
      if (i > 0 && price[i]! > price[i - 1]!) sorted = false;
    }
    // Sides store worst first: load each from its worst level (bids from the lowest price, asks from the
    // highest) so every level is appended rather than inserted at the front. Rows come sorted by id,
    // i.e. by descending price; put in that order only when they are not.
    const order = sorted ? undefined : Array.from({ length: n }, (_, i) => i).sort((a, b) => price[b]! - price[a]!);
    for (let k = n - 1; k >= 0; k--) {
      const i = order ? order[k]! : k;
      if (side[i] === BUY) c.book.bids.set(price[i]!, size[i]!);
    }
    for (let k = 0; k < n; k++) {
      const i = order ? order[k]! : k;
      if (side[i] === SELL) c.book.asks.set(price[i]!, size[i]!);
    }
    if (c.book.crossed) return this.violation(c, 'crossed book in partial', sink);
    this.table.set(c.symbol, 'live');
    sink.event({ type: 'book', kind: 'snapshot', exchange: this.venue, symbol: c.symbol, ...bookLevels(c.book), ts, recvTs });
  }

  private violation(c: Contract, reason: string, sink: Sink): void {
    this.table.fail(c.symbol, 'crossed', reason, sink, `bitmex: ${reason}`);
    c.book.clear();
    c.prices.clear();
    this.resubscribe([`orderBookL2:${c.venueSymbol}`], sink);
  }

  /** A fresh subscription to a contract's orderBookL2 topic brings a new partial. */
  private resubscribe(args: string[], sink: Sink): void {
    if (args.length === 0) return;
    sink.send(JSON.stringify({ op: 'unsubscribe', args }));
    sink.send(JSON.stringify({ op: 'subscribe', args }));
  }
}

const sideOf = (v: unknown): Side | undefined => (v === 'Buy' ? 'buy' : v === 'Sell' ? 'sell' : undefined);

const yymmdd = (iso: string): string => iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10);

/**
 * BitMEX GET /api/v1/instrument/active: perpetuals (typ FFWCSX), dated futures (FFCCSX) and spot
 * (IFXXXP) as `Instrument`s; indices and others are skipped. Contract size is base units per contract
 * for linear contracts (1 / underlyingToPositionMultiplier, or 1 when the position is in the
 * underlying); inverse contracts are worth 1 quote unit and quanto contracts a fixed multiplier of the
 * settlement currency per price point, so neither has a size in base and `contractValue` says which.
 */
export function bitmexInstruments(body: string): Instrument[] {
  const list = JSON.parse(body) as Raw[];
  if (!Array.isArray(list)) throw new Error('bitmex: instrument list is not a list');
  const out: Instrument[] = [];
  for (const r of list) {
    const kind = r.typ === 'FFWCSX' ? 'perpetual' : r.typ === 'FFCCSX' ? 'future' : r.typ === 'IFXXXP' ? 'spot' : undefined;
    if (!kind) continue;
    const base = btc(String(r.rootSymbol ?? r.underlying));
    const quote = btc(String(r.quoteCurrency));
    const expiry = typeof r.expiry === 'string' ? Date.parse(r.expiry) : undefined;
    const suffix = kind === 'perpetual' ? '-PERP' : kind === 'future' && r.expiry ? `-${yymmdd(r.expiry as string)}` : '';
    const u2p = r.underlyingToPositionMultiplier;
    const contractValue = r.isInverse ? 'inverse' : r.isQuanto ? 'quanto' : undefined;
    out.push({
      exchange: 'bitmex', symbol: `${base}-${quote}${suffix}`, venueSymbol: String(r.symbol), kind, base, quote,
      tickSize: r.tickSize as number, lotSize: r.lotSize as number,
      contractSize: contractValue ? 1 : typeof u2p === 'number' && u2p > 0 ? 1 / u2p : 1,
      ...(contractValue ? { contractValue } : {}),
      ...(kind === 'future' && expiry ? { expiry } : {}),
    });
  }
  return out;
}
