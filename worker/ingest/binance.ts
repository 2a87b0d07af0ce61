import { binanceStreamSymbol, splitConcatenated } from '../../shared/market/symbols';
import type { Level } from '../../shared/market/types';
import type { Adapter, InstrumentHealth, Sink } from './adapter';

type Raw = Record<string, unknown>;
const levels = (v: unknown): Level[] => (Array.isArray(v) ? v.map((l: [string, string]) => [+l[0], +l[1]]) : []);

/** Binance spot public market data over combined streams: trade, bookTicker and depth diffs. */
export class BinanceAdapter implements Adapter {
  readonly venue = 'binance' as const;
  readonly staleAfterMs = 10_000;
  private readonly canonical = new Map<string, string>();
  private readonly lastAt = new Map<string, number>();

  constructor(readonly symbols: readonly string[]) {
    for (const s of symbols) this.canonical.set(binanceStreamSymbol(s).toUpperCase(), s);
  }

  url(base: string): string {
    const streams = this.symbols.flatMap((s) => {
      const b = binanceStreamSymbol(s);
      return [`${b}@trade`, `${b}@bookTicker`];
    });
    return `${base.replace(/\/+$/, '')}/stream?streams=${streams.join('/')}`;
  }

  subscribeMessages(): string[] {
    return [];
  }

  reset(): void {
    this.lastAt.clear();
  }

  health(): InstrumentHealth[] {
    return this.symbols.map((symbol) => ({
      symbol, state: this.lastAt.has(symbol) ? 'live' : 'connecting', lastMessageAt: this.lastAt.get(symbol) ?? 0,
      gaps: 0, checksumOk: 0, checksumFailed: 0, resyncs: 0,
    }));
  }

  parse(frame: string, recvTs: number, sink: Sink): void {
    let msg: Raw;
    try {
      msg = JSON.parse(frame) as Raw;
    } catch {
      sink.error(`binance: frame is not JSON: ${frame.slice(0, 80)}`);
      return;
    }
    // Combined streams wrap the payload; raw streams and method replies do not.
    const d = (typeof msg.stream === 'string' ? msg.data : msg) as Raw | undefined;
    if (!d || typeof d !== 'object') return sink.error('binance: combined frame without data');
    if ('result' in d && 'id' in d) return; // reply to SUBSCRIBE / UNSUBSCRIBE
    const symbol = this.symbolOf(d.s);
    if (!symbol) return sink.error(`binance: unknown symbol ${String(d.s)}`);
    this.lastAt.set(symbol, recvTs);
    if (d.e === 'trade') {
      const price = +(d.p as string);
      const amount = +(d.q as string);
      const ts = d.T as number;
      if (!(price > 0) || !(amount > 0) || typeof ts !== 'number') return sink.error('binance: malformed trade', symbol);
      // `m`: the buyer was the maker, so the taker sold.
      sink.event({ type: 'trade', exchange: this.venue, symbol, id: String(d.t), price, amount, side: d.m ? 'sell' : 'buy', ts, recvTs });
    } else if (d.e === 'depthUpdate') {
      sink.event({
        type: 'book', kind: 'delta', exchange: this.venue, symbol, bids: levels(d.b), asks: levels(d.a),
        firstSeq: d.U as number, seq: d.u as number, ts: (d.E as number) ?? recvTs, recvTs,
      });
    } else if ('b' in d && 'a' in d && 'u' in d) {
      const bid = +(d.b as string), bidSize = +(d.B as string), ask = +(d.a as string), askSize = +(d.A as string);
      if (!(bid > 0) || !(ask > 0) || !(bidSize >= 0) || !(askSize >= 0)) return sink.error('binance: malformed bookTicker', symbol);
      // Spot bookTicker carries no time; the receive time stands in.
      const ts = (d.T as number | undefined) ?? (d.E as number | undefined) ?? recvTs;
      sink.event({ type: 'bbo', exchange: this.venue, symbol, bid, bidSize, ask, askSize, seq: d.u as number, ts, recvTs });
    } else {
      sink.error(`binance: unhandled event ${String(d.e)}`, symbol);
    }
  }

  private symbolOf(raw: unknown): string | undefined {
    if (typeof raw !== 'string') return undefined;
    return this.canonical.get(raw) ?? splitConcatenated(raw);
  }
}
