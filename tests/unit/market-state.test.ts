import { describe, expect, it } from 'vitest';
import { InstrumentState } from '../../shared/market/instrument';
import type { TradeEvent } from '../../shared/market/types';
import { streamName, type StreamMsg } from '../../shared/protocol/messages';
import { MarketState } from '../../app/workers/market-state';
import { realEvents, SPOT } from '../../tools/real-events';
import { hasData, NO_DATA } from './recordings';

describe.skipIf(!hasData())(`the data worker's tape, on real Binance trades with some lost upstream ${hasData() ? '' : NO_DATA}`, () => {
  it('shows the hole in its place, counting the missed trades, and keeps every trade that did arrive', () => {
    const events = realEvents(SPOT, 30_000, 'binance', 'BTC-USDT');
    const trades = events.filter((e): e is TradeEvent => e.type === 'trade');
    const lost = new Set(trades.slice(400, 405));
    const kept = events.filter((e) => !lost.has(e as TradeEvent));
    const s = new InstrumentState('BTC-USDT');
    const stream = streamName('trades', 'BTC-USDT', 'consolidated');
    const market = new MarketState();
    market.apply(s.snapshot(stream)); // the client starts from a snapshot, as a subscribe gives it
    const seen: string[] = [];
    market.onTrade = (t) => seen.push(t.id);
    // Up to a few trades after the hole, so the whole neighbourhood is still on the 40-row tape.
    const upTo = kept.indexOf(trades[410]!);
    for (let i = 0; i <= upTo; i += 25) {
      for (const m of s.apply(kept.slice(i, Math.min(i + 25, upTo + 1))).msgs) if (m.stream === stream) market.apply(m as StreamMsg);
    }
    const v = market.view();
    expect([v.gaps, v.missed]).toEqual([1, 5]);
    expect(seen).toEqual(trades.slice(0, 411).filter((t) => !lost.has(t)).map((t) => t.id));
    const at = v.tape.findIndex((r) => 'hole' in r);
    // Newest first: the trade after the hole above it, the trade before it below.
    expect(v.tape[at]).toEqual({ hole: true, venue: 'binance', missed: 5, since: trades[399]!.ts, until: trades[405]!.ts });
    expect(v.tape[at - 1]).toMatchObject({ id: trades[405]!.id });
    expect(v.tape[at + 1]).toMatchObject({ id: trades[399]!.id });
  });
});
