import { parseArgs } from 'node:util';
import { readRecording, type RecordedFrame } from './fake-exchange/recording';
import { resolveRecording } from './paths';

interface V2Level {
  price: string;
  side: 'Buy' | 'Sell';
  size?: number;
}
/** USDT perpetuals send price and time as strings, inverse ones as numbers. */
interface V2Trade {
  symbol: string;
  price: string | number;
  size: number;
  side: 'Buy' | 'Sell';
  trade_time_ms: string | number;
  tick_direction: string;
  trade_id: string;
}

interface V2Symbol {
  name: string;
  base_currency: string;
  quote_currency: string;
  price_filter: { tick_size: string };
  lot_size_filter: { qty_step: number; min_trading_qty: number };
}

/**
 * Bybit's 2021 `GET /v2/public/symbols` (cryptofeed/BYBIT.0) as v5 `GET /v5/market/instruments-info` answers
 * for the same contracts, by category: USDT perpetuals are `linear` (LinearPerpetual), USD ones `inverse`;
 * dated inverse futures (BTCUSDM21) are left out. Tick sizes keep their v2 strings; v2's numeric qty step
 * and minimum are printed with `String()`.
 */
export function toBybitV5Instruments(v2Body: string): Record<'linear' | 'inverse', string> {
  const v2 = (JSON.parse(v2Body) as { result: V2Symbol[] }).result;
  const answer = (category: 'linear' | 'inverse') => JSON.stringify({
    retCode: 0, retMsg: 'OK', result: {
      category,
      list: v2.filter((i) => /^[A-Z]+$/.test(i.name) && (i.quote_currency === 'USDT') === (category === 'linear')).map((i) => ({
        symbol: i.name, contractType: category === 'linear' ? 'LinearPerpetual' : 'InversePerpetual', status: 'Trading',
        baseCoin: i.base_currency, quoteCoin: i.quote_currency,
        priceFilter: { tickSize: i.price_filter.tick_size },
        lotSizeFilter: { qtyStep: String(i.lot_size_filter.qty_step), minOrderQty: String(i.lot_size_filter.min_trading_qty) },
      })),
    },
  });
  return { linear: answer('linear'), inverse: answer('inverse') };
}

/**
 * Turns Bybit's 2021 v2 public frames (the real cryptofeed recordings BYBIT.ws.25.0, USDT perpetuals, and
 * BYBIT.ws.26.0, inverse perpetuals) into the frames Bybit's current v5 public API sends for the same
 * market events (v5 categories `linear` and `inverse`), so replays and tests run the v5 protocol on real
 * data. What it does, exactly:
 * - `orderBookL2_25.<S>` snapshot → `orderbook.50.<S>` snapshot: `b` (descending) and `a` (ascending) as
 *   [price, size] strings; `delta` → `delta` with deletes as [price, "0"] and updates/inserts as
 *   [price, size]. v2 ids are dropped (v5 books are by price). Sizes are v2 JSON numbers printed with
 *   `String()`; prices keep their v2 strings (inverse trades' numeric prices are printed with `String()`). The recorded book holds 25 levels a side, so the 50 in the
 *   topic is v5's nearest depth, not 50 levels.
 * - `u` (v5 update id) is the snapshot's v2 `cross_seq`, then +1 for every delta of that topic, as v5
 *   numbers consecutive updates; `seq` is v2's `cross_seq`; `ts` and `cts` are v2's `timestamp_e6` in ms.
 * - `trade.<S>` → `publicTrade.<S>`: T = trade_time_ms, S side, v size, p price, L tick_direction,
 *   i trade_id, BT false; `ts` is the last trade's time.
 * - Subscription replies and anything else are not converted (the v5 fake answers subscriptions itself).
 */
export class BybitV5FromV2 {
  private readonly u = new Map<string, number>();

  convert(frame: string): string | undefined {
    if (!frame.startsWith('{"topic":"')) return undefined;
    const m = JSON.parse(frame) as { topic: string; type?: string; data: unknown; cross_seq?: string | number; timestamp_e6?: string | number };
    const [kind, symbol] = m.topic.split('.') as [string, string];
    if (kind === 'trade') {
      const trades = m.data as V2Trade[];
      const data = trades.map((t) => ({ T: +t.trade_time_ms, s: t.symbol, S: t.side, v: String(t.size), p: String(t.price), L: t.tick_direction, i: t.trade_id, BT: false }));
      return JSON.stringify({ topic: `publicTrade.${symbol}`, type: 'snapshot', ts: data[data.length - 1]?.T ?? 0, data });
    }
    if (!kind.startsWith('orderBookL2')) return undefined;
    const seq = Number(m.cross_seq);
    const ts = Math.floor(Number(m.timestamp_e6) / 1000);
    const topic = `orderbook.50.${symbol}`;
    const b: [string, string][] = [], a: [string, string][] = [];
    const put = (l: V2Level, size: string) => (l.side === 'Buy' ? b : a).push([l.price, size]);
    let u: number;
    if (m.type === 'snapshot') {
      const levels = (Array.isArray(m.data) ? m.data : (m.data as { order_book: V2Level[] }).order_book) as V2Level[];
      for (const l of levels) put(l, String(l.size));
      b.sort((x, y) => +y[0] - +x[0]);
      a.sort((x, y) => +x[0] - +y[0]);
      u = seq;
    } else {
      const d = m.data as { delete?: V2Level[]; update?: V2Level[]; insert?: V2Level[] };
      for (const l of d.delete ?? []) put(l, '0');
      for (const l of [...(d.update ?? []), ...(d.insert ?? [])]) put(l, String(l.size));
      u = (this.u.get(topic) ?? 0) + 1;
    }
    this.u.set(topic, u);
    return JSON.stringify({ topic, type: m.type === 'snapshot' ? 'snapshot' : 'delta', ts, data: { s: symbol, b, a, u, seq }, cts: ts });
  }
}

/** A recording's frames as v5 frames (those with no v5 counterpart dropped), for replays, tests and the normalizer. */
export function toBybitV5(frames: readonly RecordedFrame[]): RecordedFrame[] {
  const conv = new BybitV5FromV2();
  return frames.flatMap((r) => {
    const frame = conv.convert(r.frame);
    return frame ? [{ ...r, frame }] : [];
  });
}

/** `npx tsx tools/bybit-v5.ts [--input cryptofeed/BYBIT.ws.25.0]` prints the converted recording (CF-WS lines) to stdout. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { input: { type: 'string', default: 'cryptofeed/BYBIT.ws.25.0' } } });
  const out = toBybitV5(readRecording(resolveRecording(values.input!))).map((r) => `${(r.t / 1000).toFixed(6)}: ${r.frame}`);
  process.stdout.write(`wss://stream.bybit.com/v5/public/linear <-> 0\n${out.join('\n')}\n`);
}
