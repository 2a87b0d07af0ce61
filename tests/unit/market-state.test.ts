import { describe, expect, it } from 'vitest';
import { InstrumentState } from '../../shared/market/instrument';
import type { TradeEvent } from '../../shared/market/types';
import { streamName, type StreamMsg } from '../../shared/protocol/messages';
import { MarketState } from '../../app/workers/market-state';
import { realEvents, SPOT } from '../../tools/real-events';
import { Outbox } from '../../worker/objects/outbox';
import { hasData, NO_DATA } from './recordings';

describe.skipIf(!hasData())(`the data worker's tape, on real Binance trades with some lost upstream ${hasData() ? '' : NO_DATA}`, () => {
  const events = hasData() ? realEvents(SPOT, 30_000, 'binance', 'BTC-USDT') : [];
  const trades = events.filter((e): e is TradeEvent => e.type === 'trade');
  const lost = new Set(trades.slice(400, 405));
  const kept = events.filter((e) => !lost.has(e as TradeEvent));
  const stream = streamName('trades', 'BTC-USDT', 'consolidated');

  /** The hub's messages on the consolidated trades stream, up to a few trades after the hole (all on the 40-row tape). */
  function hubMsgs(): StreamMsg[] {
    const s = new InstrumentState('BTC-USDT');
    const out: StreamMsg[] = [s.snapshot(stream)]; // the client starts from a snapshot, as a subscribe gives it
    const upTo = kept.indexOf(trades[410]!);
    for (let i = 0; i <= upTo; i += 25) out.push(...(s.apply(kept.slice(i, Math.min(i + 25, upTo + 1))).msgs.filter((m) => m.stream === stream) as StreamMsg[]));
    return out;
  }

  it.each([
    ['as the hub sends them', (msgs: StreamMsg[]) => msgs],
    // A slow socket's outbox merges every pending trades update into one and sends the gap ahead of it.
    ['through a slow client\'s outbox', (msgs: StreamMsg[]) => {
      const box = new Outbox();
      for (const m of msgs.slice(-8)) box.add(m);
      return [...msgs.slice(0, -8), ...(box.drain() as StreamMsg[])];
    }],
  ])('shows the hole in its place, counting the missed trades, and keeps every trade that did arrive: %s', (_, deliver) => {
    const market = new MarketState();
    const seen: string[] = [];
    market.onTrade = (t) => seen.push(t.id);
    for (const m of deliver(hubMsgs())) market.apply(m);
    const v = market.view();
    expect([v.gaps, v.missed]).toEqual([1, 5]);
    expect(seen).toEqual(trades.slice(0, 411).filter((t) => !lost.has(t)).map((t) => t.id));
    const at = v.tape.findIndex((r) => 'hole' in r);
    // Newest first: the trade after the hole above it, the trade before it below.
    expect(v.tape[at]).toEqual({ hole: true, venue: 'binance', missed: 5, after: trades[399]!.id, since: trades[399]!.ts, until: trades[405]!.ts });
    expect(v.tape[at - 1]).toMatchObject({ id: trades[405]!.id });
    expect(v.tape[at + 1]).toMatchObject({ id: trades[399]!.id });
  });
});
