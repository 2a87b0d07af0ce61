import { parseArgs } from 'node:util';
import { OrderBook } from '../shared/market/book';
import { KrakenChecksum, krakenDigest } from '../shared/market/checksums';
import { krakenCanonical, krakenV2Symbol } from '../shared/market/kraken-symbols';
import { readRecording, type RecordedFrame } from './fake-exchange/recording';
import { resolveRecording } from './paths';

type Level = string[];

/** `1618678133.162950` (v1 seconds, µs) → `2021-04-17T16:48:53.162950Z` (v2 RFC 3339). */
const iso = (sec: string): string => {
  const [s, frac = ''] = sec.split('.');
  return `${new Date(Number(s) * 1000).toISOString().slice(0, 19)}.${frac.padEnd(6, '0').slice(0, 6)}Z`;
};

/** v2 prints prices and quantities as JSON numbers at full precision: the v1 strings, unquoted. */
const levels = (ls: Level[] | undefined): string => `[${(ls ?? []).map((l) => `{"price":${l[0]},"qty":${l[1]}}`).join(',')}]`;

/**
 * A v2 book snapshot frame for the best `depth` levels a side (`[price, qty, …]` strings, best first),
 * with the checksum v2 sends over the top 10.
 */
export function v2Snapshot(symbol: string, asks: Level[], bids: Level[], depth: number): string {
  const book = new OrderBook(krakenDigest);
  for (const [p, q] of asks) book.asks.set(+p!, +q!, p, q);
  for (const [p, q] of bids) book.bids.set(+p!, +q!, p, q);
  book.asks.truncate(depth);
  book.bids.truncate(depth);
  const checksum = new KrakenChecksum().of(book);
  return `{"channel":"book","type":"snapshot","data":[{"symbol":"${symbol}","bids":${levels(bids.slice(0, depth))},"asks":${levels(asks.slice(0, depth))},"checksum":${checksum}}]}`;
}

const latest = (...lists: (Level[] | undefined)[]): string =>
  lists.flatMap((l) => l ?? []).reduce((m, l) => (l[2]! > m ? l[2]! : m), '');

/**
 * Turns Kraken WebSocket v1 frames (the real cryptofeed recordings KRAKEN.ws.48/49/50.0) into the frames
 * the current v2 API (wss://ws.kraken.com/v2) sends for the same events, so v2 is exercised on real data.
 * What it does, exactly:
 * - symbols: v1 `XBT/CHF` → v2 `BTC/CHF` (XBT → BTC, XDG → DOGE).
 * - `book-N` snapshot `[id,{as,bs},…]` → `{"channel":"book","type":"snapshot","data":[{symbol,bids,asks,checksum}]}`;
 *   levels become `{"price":…,"qty":…}` with the v1 decimal text written as JSON numbers unchanged
 *   (so the checksum digits are the v1 ones; the level time is dropped). v1 snapshots carry no checksum:
 *   the converter computes it over the snapshot's top 10 as v2 does.
 * - updates (one or two objects `a`/`b`, republish flag `r` dropped) → `type":"update"` with both sides,
 *   v1's checksum `c` as a number, and `timestamp` = the latest level time, as RFC 3339 with µs.
 * - `trade` → `{"channel":"trade","type":"update",…}`: side b/s → buy/sell, order type l/m → limit/market,
 *   `timestamp` from the trade time. v1 has no trade id: `trade_id` numbers each pair's trades from 1 in
 *   the order received.
 * - `ticker` → `{"channel":"ticker","type":"update",…}`: bid/bid_qty, ask/ask_qty (lot volume with
 *   decimals), last, and the 24 h volume, vwap, low and high (v1's second elements).
 * - `heartbeat` → `{"channel":"heartbeat"}`; `subscriptionStatus` subscribed → the v2 subscribe reply
 *   (`time_in`/`time_out` = the receive time); `systemStatus` → the `status` channel.
 */
export class KrakenV2FromV1 {
  private readonly tradeIds = new Map<string, number>();

  /** `recvSec` is the frame's receive time in seconds, for the replies that carry one. */
  convert(frame: string, recvSec: number): string | undefined {
    if (frame === '{"event":"heartbeat"}') return '{"channel":"heartbeat"}';
    if (frame.startsWith('{')) return this.event(JSON.parse(frame) as Record<string, unknown>, recvSec);
    const a = JSON.parse(frame) as unknown[];
    const name = a[a.length - 2] as string;
    const symbol = krakenV2Symbol(krakenCanonical(a[a.length - 1] as string));
    if (name.startsWith('book-')) return this.book(symbol, Number(name.slice(5)), a.slice(1, -2) as Record<string, Level[] | string>[]);
    if (name === 'trade') {
      const data = (a[1] as Level[]).map((t) => {
        const id = (this.tradeIds.get(symbol) ?? 0) + 1;
        this.tradeIds.set(symbol, id);
        const side = t[3] === 'b' ? 'buy' : 'sell', ordType = t[4] === 'm' ? 'market' : 'limit';
        return `{"symbol":"${symbol}","side":"${side}","price":${t[0]},"qty":${t[1]},"ord_type":"${ordType}","trade_id":${id},"timestamp":"${iso(t[2]!)}"}`;
      });
      return `{"channel":"trade","type":"update","data":[${data.join(',')}]}`;
    }
    if (name === 'ticker') {
      const t = a[1] as Record<string, string[]>;
      return `{"channel":"ticker","type":"update","data":[{"symbol":"${symbol}","bid":${t.b![0]},"bid_qty":${t.b![2]},"ask":${t.a![0]},"ask_qty":${t.a![2]},"last":${t.c![0]},"volume":${t.v![1]},"vwap":${t.p![1]},"low":${t.l![1]},"high":${t.h![1]}}]}`;
    }
    return undefined;
  }

  private event(m: Record<string, unknown>, recvSec: number): string | undefined {
    if (m.event === 'systemStatus') {
      return JSON.stringify({ channel: 'status', type: 'update', data: [{ api_version: 'v2', connection_id: Number(String(m.connectionID).slice(0, 15)), system: m.status, version: '2.0.0' }] });
    }
    if (m.event !== 'subscriptionStatus' || m.status !== 'subscribed') return undefined;
    const sub = m.subscription as { name: string; depth?: number };
    const at = iso(recvSec.toFixed(6));
    const result = { channel: sub.name, ...(sub.depth ? { depth: sub.depth, snapshot: true } : {}), symbol: krakenV2Symbol(krakenCanonical(m.pair as string)) };
    return JSON.stringify({ method: 'subscribe', result, success: true, time_in: at, time_out: at });
  }

  private book(symbol: string, depth: number, parts: Record<string, Level[] | string>[]): string {
    const first = parts[0]!;
    if (first.as || first.bs) return v2Snapshot(symbol, (first.as as Level[]) ?? [], (first.bs as Level[]) ?? [], depth);
    const asks = parts.flatMap((p) => (p.a as Level[] | undefined) ?? []);
    const bids = parts.flatMap((p) => (p.b as Level[] | undefined) ?? []);
    const checksum = parts.map((p) => p.c).find((c) => c !== undefined);
    return `{"channel":"book","type":"update","data":[{"symbol":"${symbol}","bids":${levels(bids)},"asks":${levels(asks)},"checksum":${String(checksum)},"timestamp":"${iso(latest(asks, bids))}"}]}`;
  }
}

/** Side-by-side v1 recordings (merged by receive time) as v2 frames, those with no v2 counterpart dropped. */
export function toKrakenV2(frames: readonly RecordedFrame[]): RecordedFrame[] {
  const conv = new KrakenV2FromV1();
  return frames.flatMap((r) => {
    const frame = conv.convert(r.frame, r.t / 1000);
    return frame ? [{ ...r, frame }] : [];
  });
}

/** `npx tsx tools/kraken-v2.ts [--input a,b,c]` prints the converted recordings (CF-WS lines, merged by time) to stdout. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { input: { type: 'string', default: 'cryptofeed/KRAKEN.ws.48.0,cryptofeed/KRAKEN.ws.49.0,cryptofeed/KRAKEN.ws.50.0' } } });
  const frames = values.input!.split(',').flatMap((f) => readRecording(resolveRecording(f.trim()))).sort((a, b) => a.t - b.t);
  const out = toKrakenV2(frames).map((r) => `${(r.t / 1000).toFixed(6)}: ${r.frame}`);
  process.stdout.write(`wss://ws.kraken.com/v2 <-> 0\n${out.join('\n')}\n`);
}
