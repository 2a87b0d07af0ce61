import { describe, expect, it } from 'vitest';
import { InstrumentState, type FeedMark } from '../../shared/market/instrument';
import type { MarketEvent, TradeEvent } from '../../shared/market/types';
import type { GapMsg } from '../../shared/protocol/messages';
import { realEvents, SPOT, USDM } from '../../tools/real-events';
import { hasData, NO_DATA } from './recordings';

const isTrade = (e: MarketEvent): e is TradeEvent => e.type === 'trade';

/** Feeds `events` in batches of 50 (a hub's batches), each with `feed` when given; every message out, in order. */
function run(s: InstrumentState, events: MarketEvent[], feed?: (i: number) => FeedMark) {
  const msgs = [];
  for (let i = 0; i < events.length; i += 50) msgs.push(...s.apply(events.slice(i, i + 50), feed?.(i)).msgs);
  return msgs;
}
const gaps = (msgs: ReturnType<typeof run>) => msgs.filter((m): m is GapMsg => m.t === 'gap');

describe.skipIf(!hasData())(`trades lost upstream, on real Binance frames ${hasData() ? '' : NO_DATA}`, () => {
  const spot = realEvents(SPOT, 30_000, 'binance', 'BTC-USDT');
  const trades = spot.filter(isTrade);

  it('the recorded sequence as it came: consecutive ids, no gap marker', () => {
    expect(trades.length).toBeGreaterThan(500);
    expect(gaps(run(new InstrumentState('BTC-USDT'), spot))).toEqual([]);
  });

  it('seven trades taken out of the middle: one gap per trades stream, counting exactly seven, before the trades that follow', () => {
    const at = 300;
    const lost = new Set(trades.slice(at, at + 7));
    const msgs = run(new InstrumentState('BTC-USDT'), spot.filter((e) => !lost.has(e as TradeEvent)));
    const g = gaps(msgs);
    expect(g.map((m) => m.stream)).toEqual(['trades:BTC-USDT:binance', 'trades:BTC-USDT:consolidated']);
    for (const m of g) {
      expect(m.upstream).toEqual({ venue: 'binance', missed: 7, after: trades[at - 1]!.id, since: trades[at - 1]!.ts, until: trades[at + 7]!.ts });
      // Placed right before the update that carries the first trade after the hole, and naming its seq.
      const next = msgs[msgs.indexOf(m) + 1]!;
      expect(next).toMatchObject({ t: 'trades', stream: m.stream, seq: m.from });
      expect(m.to).toBe(m.from);
      expect(next.t === 'trades' && next.trades.some((t) => t.id === trades[at + 7]!.id)).toBe(true);
    }
    expect(g[0]!.reason).toMatch(/^7 binance trades never reached the edge/);
  });

  it('a reconnect with ids still consecutive is no hole: the venue\'s ids are the exact word', () => {
    expect(gaps(run(new InstrumentState('BTC-USDT'), spot, (i) => ({ exchange: 'binance', reconnects: i < 5000 ? 0 : 1 })))).toEqual([]);
  });

  it('a venue without consecutive ids: a reconnect between two trades marks a possible hole, once, and only on that venue', () => {
    // The USD-M recording relabelled as a venue whose trade ids say nothing about order (Bybit's are UUIDs).
    const bybit = realEvents(USDM, 20_000, 'bybit', 'BTC-USDT');
    const s = new InstrumentState('BTC-USDT');
    const cut = 3000;
    const before = run(s, bybit.slice(0, cut), () => ({ exchange: 'bybit', reconnects: 4 }));
    const spotMsgs = run(s, spot, () => ({ exchange: 'binance', reconnects: 9 })); // another venue's reconnects are not bybit's
    const after = run(s, bybit.slice(cut), () => ({ exchange: 'bybit', reconnects: 5 }));
    expect(gaps([...before, ...spotMsgs])).toEqual([]);
    const g = gaps(after);
    const t = bybit.filter(isTrade);
    const lastBefore = t.filter((e) => bybit.indexOf(e) < cut).at(-1)!;
    const firstAfter = t.find((e) => bybit.indexOf(e) >= cut)!;
    expect(g.map((m) => m.stream)).toEqual(['trades:BTC-USDT:bybit', 'trades:BTC-USDT:consolidated']);
    for (const m of g) expect(m.upstream).toEqual({ venue: 'bybit', after: lastBefore.id, since: lastBefore.ts, until: firstAfter.ts });
    expect(g[0]!.reason).toMatch(/^bybit reconnected: trades between .* may be missing$/);
  });

  it('a hole across a hub restart is still counted from the last stored trade', () => {
    const s = new InstrumentState('BTC-USDT');
    const last = trades[99]!;
    s.restoreTrade('binance', last.id, last.ts, 0);
    const g = gaps(s.apply(trades.slice(102, 110)).msgs);
    expect(g.map((m) => m.upstream?.missed)).toEqual([2, 2]);
  });
});
