import { OrderBook } from '../../shared/market/book';
import { splitConcatenated } from '../../shared/market/symbols';
import type { Instrument, Level } from '../../shared/market/types';
import type { Adapter, InstrumentHealth, Sink } from './adapter';
import { HealthTable, type Violation } from './health';
import { applyLevels, num } from './levels';
import { FieldScanner } from './field-scan';
import { failBook, invalidateBooks, readFrame, unusable } from './frame';

type Obj = Record<string, unknown>;
export type BybitCategory = 'linear' | 'inverse' | 'spot';

interface BookState {
  book: OrderBook;
  u: number;
  good: boolean;
}

/** Merged `tickers` state: linear tickers send only the changed fields in a delta. */
interface Ticker {
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
  mark: number;
  index: number;
  funding: number;
  nextFunding: number;
}

/** Every field the adapter reads (trade and liquidation decimals as numbers; ticker fields stay strings, '' meaning unchanged). */
export const BYBIT_FIELDS = new FieldScanner({
  op: 'sym', success: 'bool', ret_msg: 'str', topic: 'sym', type: 'sym', ts: 'num', data: 'nested',
  u: 'num', b: 'levels', a: 'levels', p: 'dec', v: 'dec', T: 'num', S: 'sym', i: 'str',
  bid1Price: 'str', bid1Size: 'str', ask1Price: 'str', ask1Size: 'str', markPrice: 'str', indexPrice: 'str', fundingRate: 'str', nextFundingTime: 'str',
});

/** Topics whose symbols are kept: a connection's own are a few hundred at most (mutated topics are not kept past it). */
const MAX_TOPICS = 4_096;

/** Spot allows 10 args per subscribe request; linear has no such cap but the same size is harmless. */
const ARGS_PER_MESSAGE = 10;
const DEPTHS: Record<BybitCategory, number[]> = { linear: [1, 50, 200, 500], inverse: [1, 50, 200, 500], spot: [1, 50, 200] };

/** Canonical symbol ↔ Bybit's: linear `BTCUSDT` is `BTC-USDT-PERP`, inverse `BTCUSD` is `BTC-USD-PERP`, spot `BTCUSDT` is `BTC-USDT`. */
export const bybitSymbol = (canonical: string): string => canonical.replace(/-PERP$/, '').replace('-', '');
export const bybitCanonical = (raw: string, category: BybitCategory): string | undefined => {
  const s = splitConcatenated(raw);
  return s && category !== 'spot' ? `${s}-PERP` : s;
};

/** The category a list of canonical symbols belongs to: perpetuals quoted in USD are inverse; none at all is linear. */
export const bybitCategory = (symbols: readonly string[]): BybitCategory =>
  !symbols.every((s) => s.endsWith('-PERP')) ? 'spot' : symbols.length && symbols.every((s) => s.endsWith('-USD-PERP')) ? 'inverse' : 'linear';

/**
 * Bybit v5 public WebSocket, one category per connection (wss://stream.bybit.com/v5/public/linear,
 * /inverse or /spot): `orderbook.<depth>` (a snapshot resets the book; `u` = 1 is a service restart and also resets it;
 * every delta's `u` follows the previous one by exactly 1, anything else is a gap), `publicTrade`,
 * `tickers` (derivatives: best bid/ask, mark, index, funding), `allLiquidation` (derivatives).
 */
export class BybitAdapter implements Adapter {
  readonly venue = 'bybit' as const;
  /** Bybit asks for a ping every 20 s and drops the socket without one. */
  readonly heartbeat = { intervalMs: 20_000, frame: '{"op":"ping"}' };
  readonly staleAfterMs = 30_000;
  private readonly books = new Map<string, BookState>();
  private readonly tickers = new Map<string, Ticker>();
  private readonly topicSymbols = new Map<string, string>();
  private readonly table: HealthTable;

  constructor(
    readonly symbols: readonly string[],
    readonly category: BybitCategory = bybitCategory(symbols),
    readonly depth = 50,
  ) {
    if (symbols.some((s) => bybitCategory([s]) !== category)) {
      throw new Error(`bybit: one connection serves one category; ${category} cannot carry ${symbols.join(', ')}`);
    }
    if (!DEPTHS[category].includes(depth)) throw new Error(`bybit: ${category} book depth ${depth} is not one of ${DEPTHS[category].join(', ')}`);
    this.table = new HealthTable(symbols);
  }

  url(base: string): string {
    return `${base.replace(/\/+$/, '')}/v5/public/${this.category}`;
  }

  subscribeMessages(): string[] {
    const args = this.symbols.flatMap((s) => {
      const b = bybitSymbol(s);
      const topics = [`orderbook.${this.depth}.${b}`, `publicTrade.${b}`, `tickers.${b}`];
      return this.category === 'spot' ? topics : [...topics, `allLiquidation.${b}`];
    });
    const out: string[] = [];
    for (let i = 0; i < args.length; i += ARGS_PER_MESSAGE) out.push(JSON.stringify({ op: 'subscribe', args: args.slice(i, i + ARGS_PER_MESSAGE) }));
    return out;
  }

  reset(): void {
    this.books.clear();
    this.tickers.clear();
    this.table.reset();
  }

  health(): InstrumentHealth[] {
    return this.table.list();
  }

  parse(frame: string, recvTs: number, sink: Sink): void {
    const msg = BYBIT_FIELDS.scan(frame) ?? (readFrame(this, frame, sink) as Obj | undefined);
    if (msg === undefined) return;
    if (typeof msg.op === 'string') {
      if (msg.success === false) return sink.error(`bybit: ${msg.op} refused: ${String(msg.ret_msg)}`);
      // The reply names no topics: an accepted subscribe means the books are on their way.
      if (msg.op === 'subscribe') for (const s of this.symbols) this.table.syncing(s);
      return;
    }
    const topic = msg.topic;
    if (typeof topic !== 'string') return unusable(this, sink, 'push without topic', frame);
    const symbol = this.symbolOf(topic);
    if (!symbol) return unusable(this, sink, `unknown symbol ${topic.slice(topic.lastIndexOf('.') + 1)}`, frame);
    this.table.seen(symbol, recvTs);
    const ts = typeof msg.ts === 'number' ? msg.ts : recvTs;
    const data = msg.data as Obj | Obj[] | undefined;
    if (!data || typeof data !== 'object') return unusable(this, sink, `${topic} without data`, undefined, symbol);
    if (topic.startsWith('orderbook.')) return this.book(symbol, topic, msg.type, data as Obj, ts, recvTs, sink);
    if (topic.startsWith('publicTrade.')) {
      if (!Array.isArray(data)) return unusable(this, sink, 'malformed publicTrade', undefined, symbol);
      for (const t of data) {
        const price = num(t?.p), amount = num(t?.v), tts = t?.T as number;
        if (!(price > 0) || !(amount > 0) || typeof tts !== 'number' || (t.S !== 'Buy' && t.S !== 'Sell')) return unusable(this, sink, 'malformed trade', undefined, symbol);
        sink.event({ type: 'trade', exchange: this.venue, symbol, id: String(t.i), price, amount, side: t.S === 'Buy' ? 'buy' : 'sell', ts: tts, recvTs });
      }
      return;
    }
    if (topic.startsWith('tickers.')) return this.ticker(symbol, msg.type === 'snapshot', data as Obj, ts, recvTs, sink);
    if (topic.startsWith('allLiquidation.')) {
      if (!Array.isArray(data)) return unusable(this, sink, 'malformed allLiquidation', undefined, symbol);
      for (const l of data) {
        const price = num(l?.p), amount = num(l?.v), lts = l?.T as number;
        if (!(price > 0) || !(amount > 0) || typeof lts !== 'number' || (l.S !== 'Buy' && l.S !== 'Sell')) return unusable(this, sink, 'malformed liquidation', undefined, symbol);
        // `S` is the liquidated position's side: a long (Buy) is closed by a sell order.
        sink.event({ type: 'liquidation', exchange: this.venue, symbol, side: l.S === 'Buy' ? 'sell' : 'buy', price, amount, ts: lts, recvTs });
      }
      return;
    }
    unusable(this, sink, `unhandled topic ${topic}`, undefined, symbol);
  }

  /**
   * The canonical symbol of a topic's instrument, kept per topic: the scanner hands the same topic string each
   * time, so the kept symbol (and its hash in every map keyed by it) is one string, not one per frame.
   */
  private symbolOf(topic: string): string | undefined {
    let symbol = this.topicSymbols.get(topic);
    if (symbol === undefined) {
      symbol = bybitCanonical(topic.slice(topic.lastIndexOf('.') + 1), this.category);
      if (symbol && this.topicSymbols.size < MAX_TOPICS) this.topicSymbols.set(topic, symbol);
    }
    return symbol;
  }

  private book(symbol: string, topic: string, type: unknown, d: Obj, ts: number, recvTs: number, sink: Sink): void {
    const u = d.u;
    if (typeof u !== 'number') return unusable(this, sink, 'book without update id', undefined, symbol);
    let st = this.books.get(symbol);
    const reset = type === 'snapshot' || u === 1;
    if (reset) {
      st = { book: new OrderBook(), u, good: true };
      this.books.set(symbol, st);
    } else if (type !== 'delta') {
      return unusable(this, sink, `unknown book type ${String(type)}`, undefined, symbol);
    } else if (!st || !st.good) {
      return; // waiting for the snapshot that a resubscribe brings
    } else if (u !== st.u + 1) {
      return this.invalid(symbol, topic, 'gap', `bybit: update id ${u} does not follow ${st.u}`, sink);
    }
    if (!applyLevels(st.book.bids, d.b, undefined, 'empty') || !applyLevels(st.book.asks, d.a, undefined, 'empty')) {
      return this.invalid(symbol, topic, 'snapshot', 'bybit: malformed book levels', sink);
    }
    st.book.bids.truncate(this.depth);
    st.book.asks.truncate(this.depth);
    st.u = u;
    if (st.book.crossed) return this.invalid(symbol, topic, 'crossed', `bybit: crossed book ${st.book.bids.bestPrice} ≥ ${st.book.asks.bestPrice}`, sink);
    if (reset) this.table.live(symbol);
    sink.event({ type: 'book', kind: reset ? 'snapshot' : 'delta', exchange: this.venue, symbol, bids: (d.b ?? []) as Level[], asks: (d.a ?? []) as Level[], seq: u, ts, recvTs });
  }

  resync(sink: Sink, reason: string, symbol?: string): void {
    this.resubscribe(invalidateBooks(this.table, this.books, reason, symbol).map((s) => `orderbook.${this.depth}.${bybitSymbol(s)}`), sink);
  }

  private invalid(symbol: string, topic: string, kind: Violation, reason: string, sink: Sink): void {
    failBook(this.table, this.books, symbol, kind, reason, sink);
    this.resubscribe([topic], sink);
  }

  /** Unsubscribing and subscribing the topics again makes Bybit send fresh snapshots (at most 10 args a request). */
  private resubscribe(topics: string[], sink: Sink): void {
    for (let i = 0; i < topics.length; i += ARGS_PER_MESSAGE) {
      const args = topics.slice(i, i + ARGS_PER_MESSAGE);
      sink.send(JSON.stringify({ op: 'unsubscribe', args }));
      sink.send(JSON.stringify({ op: 'subscribe', args }));
    }
  }

  private ticker(symbol: string, snapshot: boolean, d: Obj, ts: number, recvTs: number, sink: Sink): void {
    let t = this.tickers.get(symbol);
    if (!t || snapshot) {
      t = { bid: NaN, bidSize: NaN, ask: NaN, askSize: NaN, mark: NaN, index: NaN, funding: NaN, nextFunding: NaN };
      this.tickers.set(symbol, t);
    }
    const num = (k: string, was: number) => (typeof d[k] === 'string' && d[k] !== '' ? +(d[k] as string) : was);
    const bbo = 'bid1Price' in d || 'ask1Price' in d || 'bid1Size' in d || 'ask1Size' in d;
    t.bid = num('bid1Price', t.bid);
    t.bidSize = num('bid1Size', t.bidSize);
    t.ask = num('ask1Price', t.ask);
    t.askSize = num('ask1Size', t.askSize);
    const mark = num('markPrice', t.mark), index = num('indexPrice', t.index);
    const funding = num('fundingRate', t.funding), next = num('nextFundingTime', t.nextFunding);
    if (bbo && t.bid > 0 && t.ask > 0 && t.bidSize >= 0 && t.askSize >= 0) {
      sink.event({ type: 'bbo', exchange: this.venue, symbol, bid: t.bid, bidSize: t.bidSize, ask: t.ask, askSize: t.askSize, ts, recvTs });
    }
    if (mark > 0 && (mark !== t.mark || index !== t.index)) {
      sink.event({ type: 'mark', exchange: this.venue, symbol, markPrice: mark, ...(index > 0 ? { indexPrice: index } : {}), ts, recvTs });
    }
    if (Number.isFinite(funding) && (funding !== t.funding || next !== t.nextFunding)) {
      sink.event({ type: 'funding', exchange: this.venue, symbol, rate: funding, ...(next > 0 ? { nextFundingTs: next } : {}), ts, recvTs });
    }
    Object.assign(t, { mark, index, funding, nextFunding: next });
  }
}

/**
 * Bybit instrument lists → instruments: v5 `GET /v5/market/instruments-info?category=linear|spot`
 * (`result.list`), and the 2021 v2 `GET /v2/public/symbols` the recordings hold (`result` array of
 * derivatives: USDT-quoted are linear perpetuals, USD-quoted inverse perpetuals).
 */
export function parseBybitInstruments(body: string, category: BybitCategory = 'linear'): Instrument[] {
  const res = JSON.parse(body) as { ret_code?: number; retCode?: number; result?: unknown };
  if ((res.retCode ?? res.ret_code) !== 0) throw new Error(`bybit instruments: ret code ${String(res.retCode ?? res.ret_code)}`);
  const out: Instrument[] = [];
  if (Array.isArray(res.result)) {
    for (const i of res.result as { name: string; base_currency: string; quote_currency: string; price_filter: { tick_size: string }; lot_size_filter: { qty_step: number } }[]) {
      if (!/^[A-Z0-9]+$/.test(i.name)) continue; // dated inverse futures (BTCUSDM21) are not perpetuals
      out.push({
        exchange: 'bybit', symbol: `${i.base_currency}-${i.quote_currency}-PERP`, venueSymbol: i.name, kind: 'perpetual',
        base: i.base_currency, quote: i.quote_currency, tickSize: +i.price_filter.tick_size, lotSize: +i.lot_size_filter.qty_step,
        // Linear contracts are 1 unit of base; inverse ones 1 USD (quote units), as Bybit defines them.
        contractSize: 1,
      });
    }
    return out;
  }
  const list = (res.result as { list?: Obj[] } | undefined)?.list ?? [];
  for (const i of list as { symbol: string; baseCoin: string; quoteCoin: string; contractType?: string; deliveryTime?: string; priceFilter: { tickSize: string }; lotSizeFilter: { qtyStep?: string; basePrecision?: string } }[]) {
    const perp = i.contractType === 'LinearPerpetual';
    const future = i.contractType === 'LinearFutures';
    if (category === 'linear' && !perp && !future) continue;
    const expiry = future ? +(i.deliveryTime ?? 0) : 0;
    const yymmdd = expiry ? new Date(expiry).toISOString().slice(2, 10).replace(/-/g, '') : '';
    const symbol = category === 'spot' ? `${i.baseCoin}-${i.quoteCoin}` : perp ? `${i.baseCoin}-${i.quoteCoin}-PERP` : `${i.baseCoin}-${i.quoteCoin}-${yymmdd}`;
    out.push({
      exchange: 'bybit', symbol, venueSymbol: i.symbol, kind: category === 'spot' ? 'spot' : perp ? 'perpetual' : 'future',
      base: i.baseCoin, quote: i.quoteCoin, tickSize: +i.priceFilter.tickSize, lotSize: +(i.lotSizeFilter.qtyStep ?? i.lotSizeFilter.basePrecision ?? 0),
      contractSize: 1, ...(expiry ? { expiry } : {}),
    });
  }
  return out;
}
