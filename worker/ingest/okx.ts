import { OrderBook } from '../../shared/market/book';
import { OkxChecksum, okxDigest } from '../../shared/market/checksums';
import type { Instrument, Level } from '../../shared/market/types';
import type { Adapter, InstrumentHealth, Sink } from './adapter';
import { HealthTable, type Violation } from './health';
import { applyLevels } from './levels';
import { failBook, invalidateBooks, readFrame, unusable } from './frame';
import { scanOkxBook } from './okx-scan';

type Obj = Record<string, unknown>;
interface BookState {
  book: OrderBook;
  checksum: OkxChecksum;
  /** seqId of the last applied message; undefined where the venue sent none (before 2023). */
  seq: number | undefined;
  good: boolean;
}

/** The `books` channel's depth; levels beyond it are dropped as OKX's own book does. */
const BOOK_DEPTH = 400;
/** OKX caps a request at 64 KB; this keeps each subscribe message far below it. */
const ARGS_PER_MESSAGE = 50;

/** `UNI-USD-SWAP` → `UNI-USD-PERP`; spot and dated futures (`BTC-USD-220527`) already are canonical. */
export const okxCanonical = (instId: string): string => (instId.endsWith('-SWAP') ? `${instId.slice(0, -5)}-PERP` : instId);
export const okxInstId = (canonical: string): string => (canonical.endsWith('-PERP') ? `${canonical.slice(0, -5)}-SWAP` : canonical);

/**
 * OKX v5 public WebSocket (wss://ws.okx.com:8443/ws/v5/public): `books` (snapshot + updates chained by
 * seqId/prevSeqId and verified by CRC32 where the frame's checksum is non-zero), `trades`, `tickers`
 * (best bid/ask), `funding-rate` and `mark-price` for swaps, `liquidation-orders` for swaps.
 */
export class OkxAdapter implements Adapter {
  readonly venue = 'okx' as const;
  /** OKX closes a socket after 30 s without traffic either way; the ping goes out well before. */
  readonly staleAfterMs = 30_000;
  readonly heartbeat = { intervalMs: 20_000, frame: 'ping' };
  private readonly books = new Map<string, BookState>();
  private readonly table: HealthTable;
  private readonly wanted: Set<string>;

  constructor(readonly symbols: readonly string[]) {
    this.table = new HealthTable(symbols);
    this.wanted = new Set(symbols);
  }

  url(base: string): string {
    return `${base.replace(/\/+$/, '')}/ws/v5/public`;
  }

  subscribeMessages(): string[] {
    const args: Obj[] = [];
    for (const s of this.symbols) {
      const instId = okxInstId(s);
      for (const channel of ['books', 'trades', 'tickers']) args.push({ channel, instId });
      if (s.endsWith('-PERP')) args.push({ channel: 'funding-rate', instId }, { channel: 'mark-price', instId });
    }
    if (this.symbols.some((s) => s.endsWith('-PERP'))) args.push({ channel: 'liquidation-orders', instType: 'SWAP' });
    const out: string[] = [];
    for (let i = 0; i < args.length; i += ARGS_PER_MESSAGE) out.push(JSON.stringify({ op: 'subscribe', args: args.slice(i, i + ARGS_PER_MESSAGE) }));
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
    if (frame === 'pong') return;
    // Book pushes, the bulk of the stream, are read without JSON.parse where they take the common shape.
    const msg = (scanOkxBook(frame) ?? readFrame(this, frame, sink)) as Obj | undefined;
    if (msg === undefined) return;
    const arg = msg.arg as Obj | undefined;
    if (typeof msg.event === 'string') {
      if (msg.event === 'error') return sink.error(`okx: ${String(msg.code)} ${String(msg.msg)}`);
      if (msg.event === 'subscribe' && arg?.channel === 'books' && typeof arg.instId === 'string') this.table.syncing(okxCanonical(arg.instId));
      return;
    }
    const data = msg.data;
    if (!arg || !Array.isArray(data)) return unusable(this, sink, 'push without arg or data', frame);
    const channel = arg.channel;
    if (channel === 'liquidation-orders') return this.liquidations(data as Obj[], recvTs, sink);
    if (typeof arg.instId !== 'string') return unusable(this, sink, `${String(channel)} push without instId`, frame);
    const symbol = okxCanonical(arg.instId);
    this.table.seen(symbol, recvTs);
    switch (channel) {
      case 'books':
        return this.book(symbol, arg.instId, msg.action, data[0] as Obj | undefined, recvTs, sink);
      case 'trades':
        for (const t of data as Obj[]) {
          const price = +(t?.px as string), amount = +(t?.sz as string), ts = +(t?.ts as string);
          if (!(price > 0) || !(amount > 0) || !(ts > 0) || (t.side !== 'buy' && t.side !== 'sell')) return unusable(this, sink, 'malformed trade', undefined, symbol);
          sink.event({ type: 'trade', exchange: this.venue, symbol, id: String(t.tradeId), price, amount, side: t.side, ts, recvTs });
        }
        return;
      case 'tickers':
        for (const t of data as Obj[]) {
          const bid = +(t?.bidPx as string), bidSize = +(t?.bidSz as string), ask = +(t?.askPx as string), askSize = +(t?.askSz as string);
          if (!(bid > 0) || !(ask > 0) || !(bidSize >= 0) || !(askSize >= 0)) continue; // an empty side (no quotes) is not a bbo
          sink.event({ type: 'bbo', exchange: this.venue, symbol, bid, bidSize, ask, askSize, ts: +(t.ts as string) || recvTs, recvTs });
        }
        return;
      case 'funding-rate':
        for (const f of data as Obj[]) {
          const rate = +(f?.fundingRate as string);
          if (!Number.isFinite(rate) || f.fundingRate === '') return unusable(this, sink, 'malformed funding-rate', undefined, symbol);
          const next = +(f.fundingTime as string);
          sink.event({ type: 'funding', exchange: this.venue, symbol, rate, nextFundingTs: next || undefined, ts: +(f.ts as string) || recvTs, recvTs });
        }
        return;
      case 'mark-price':
        for (const m of data as Obj[]) {
          const markPrice = +(m?.markPx as string);
          if (!(markPrice > 0)) return unusable(this, sink, 'malformed mark-price', undefined, symbol);
          sink.event({ type: 'mark', exchange: this.venue, symbol, markPrice, ts: +(m.ts as string) || recvTs, recvTs });
        }
        return;
      default:
        return unusable(this, sink, `unhandled channel ${String(channel)}`, undefined, symbol);
    }
  }

  private book(symbol: string, instId: string, action: unknown, d: Obj | undefined, recvTs: number, sink: Sink): void {
    if (!d || typeof d !== 'object') return unusable(this, sink, 'book push without data', undefined, symbol);
    const seq = typeof d.seqId === 'number' ? d.seqId : undefined;
    const prev = typeof d.prevSeqId === 'number' ? d.prevSeqId : undefined;
    let st = this.books.get(symbol);
    if (action === 'snapshot') {
      st = { book: new OrderBook(okxDigest), checksum: st?.checksum ?? new OkxChecksum(), seq, good: true };
      this.books.set(symbol, st);
    } else if (action !== 'update') {
      return unusable(this, sink, `unknown book action ${String(action)}`, undefined, symbol);
    } else if (!st || !st.good) {
      return; // waiting for the snapshot that a resubscribe brings
    } else if (prev !== undefined && st.seq !== undefined && prev !== st.seq) {
      return this.invalid(symbol, instId, 'gap', `okx: prevSeqId ${prev} ≠ last seqId ${st.seq}`, sink);
    }
    if (!applyLevels(st.book.asks, d.asks, undefined, 'empty') || !applyLevels(st.book.bids, d.bids, undefined, 'empty')) {
      return this.invalid(symbol, instId, 'snapshot', 'okx: malformed book levels', sink);
    }
    st.book.asks.truncate(BOOK_DEPTH);
    st.book.bids.truncate(BOOK_DEPTH);
    st.seq = seq;
    if (typeof d.checksum === 'number' && d.checksum !== 0) {
      const got = st.checksum.of(st.book);
      if (got !== d.checksum) return this.invalid(symbol, instId, 'checksum', `okx: checksum ${d.checksum} ≠ book ${got}`, sink);
      this.table.row(symbol).checksumOk++;
    }
    if (st.book.crossed) return this.invalid(symbol, instId, 'crossed', `okx: crossed book ${st.book.bids.bestPrice} ≥ ${st.book.asks.bestPrice}`, sink);
    const kind = action === 'snapshot' ? 'snapshot' : 'delta';
    if (kind === 'snapshot') this.table.live(symbol);
    sink.event({ type: 'book', kind, exchange: this.venue, symbol, bids: (d.bids ?? []) as Level[], asks: (d.asks ?? []) as Level[], firstSeq: prev, seq, ts: +(d.ts as string) || recvTs, recvTs });
  }

  resync(sink: Sink, reason: string, symbol?: string): void {
    this.resubscribe(invalidateBooks(this.table, this.books, reason, symbol).map(okxInstId), sink);
  }

  private invalid(symbol: string, instId: string, kind: Violation, reason: string, sink: Sink): void {
    failBook(this.table, this.books, symbol, kind, reason, sink);
    this.resubscribe([instId], sink);
  }

  /** Unsubscribing and subscribing `books` again makes OKX send a fresh snapshot. */
  private resubscribe(instIds: string[], sink: Sink): void {
    if (instIds.length === 0) return;
    const args = instIds.map((instId) => ({ channel: 'books', instId }));
    sink.send(JSON.stringify({ op: 'unsubscribe', args }));
    sink.send(JSON.stringify({ op: 'subscribe', args }));
  }

  private liquidations(data: Obj[], recvTs: number, sink: Sink): void {
    for (const l of data) {
      if (typeof l?.instId !== 'string' || !Array.isArray(l.details)) return unusable(this, sink, 'malformed liquidation-orders push');
      const symbol = okxCanonical(l.instId);
      if (!this.wanted.has(symbol)) continue; // the channel carries every swap
      for (const x of l.details as Obj[]) {
        const price = +(x?.bkPx as string), amount = +(x?.sz as string), ts = +(x?.ts as string);
        if (!(price > 0) || !(amount > 0) || !(ts > 0) || (x.side !== 'buy' && x.side !== 'sell')) return unusable(this, sink, 'malformed liquidation', undefined, symbol);
        // Amounts are in contracts for swaps, as OKX sends them.
        sink.event({ type: 'liquidation', exchange: this.venue, symbol, side: x.side, price, amount, ts, recvTs });
      }
    }
  }
}

interface OkxInstrument {
  instId: string;
  instType: string;
  baseCcy: string;
  quoteCcy: string;
  settleCcy: string;
  uly: string;
  ctVal: string;
  ctValCcy: string;
  tickSz: string;
  lotSz: string;
  expTime: string;
}

/**
 * GET /api/v5/public/instruments?instType=SPOT|SWAP|FUTURES → instruments. Derivatives take base and quote
 * from `uly`; `contractSize` is `ctVal` in base units for linear contracts and in quote units (USD) for
 * inverse ones, as OKX defines them (`ctValCcy` says which). Options are skipped.
 */
export function parseOkxInstruments(body: string): Instrument[] {
  const res = JSON.parse(body) as { code?: string; msg?: string; data?: OkxInstrument[] };
  if (res.code !== '0' || !Array.isArray(res.data)) throw new Error(`okx instruments: ${res.code} ${res.msg ?? ''}`);
  const out: Instrument[] = [];
  for (const i of res.data) {
    const kind = i.instType === 'SPOT' ? 'spot' : i.instType === 'SWAP' ? 'perpetual' : i.instType === 'FUTURES' ? 'future' : undefined;
    if (!kind) continue;
    const [base, quote] = (kind === 'spot' ? [i.baseCcy, i.quoteCcy] : i.uly.split('-')) as [string, string];
    out.push({
      exchange: 'okx', symbol: okxCanonical(i.instId), venueSymbol: i.instId, kind, base, quote,
      tickSize: +i.tickSz, lotSize: +i.lotSz, contractSize: kind === 'spot' ? 1 : +i.ctVal,
      // A contract valued in quote currency (100 USD of BTC) is inverse: its size is not in base units.
      ...(kind !== 'spot' && i.ctValCcy === quote ? { contractValue: 'inverse' as const } : {}),
      ...(kind === 'future' ? { expiry: +i.expTime } : {}),
    });
  }
  return out;
}
