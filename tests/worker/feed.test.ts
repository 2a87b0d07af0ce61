import { inject, describe, expect, it } from 'vitest';
import type { WireTrade } from '../../shared/protocol/messages';
import { connect } from './socket';

interface Sent { line: number; frame: string }

describe.skipIf(!inject('hasData'))('ExchangeFeed → SymbolHub → client, from the fake exchange replaying the real recording', () => {
  it('delivers the recording\'s trades to a browser socket in the exchange\'s order', async () => {
    const client = await connect({ codec: 'bin' });
    client.send({ t: 'subscribe', streams: ['trades:BTC-USDT:binance'] });
    const tradesOf = () => client.received.flatMap((x) => (x.t === 'trades' ? x.trades : []));
    await client.until(() => tradesOf().length >= 20, 20_000);
    const trades: WireTrade[] = tradesOf();
    // Every trade the client saw was sent by the fake exchange, with the same id, price, amount and time.
    const recent = (await (await fetch(`${inject('fakeUrl')}/__fake/recent?last=2000`)).json()) as Sent[];
    const sent = new Map<string, { p: string; q: string; T: number; m: boolean }>();
    for (const r of recent) {
      if (!r.frame.includes('@trade')) continue;
      const d = (JSON.parse(r.frame) as { data: { t: number; p: string; q: string; T: number; m: boolean } }).data;
      sent.set(String(d.t), d);
    }
    for (const t of trades) {
      const s = sent.get(t.id);
      expect(s, `trade ${t.id} was never sent`).toBeDefined();
      expect(t.price).toBe(Number(s!.p));
      expect(t.amount).toBe(Number(s!.q));
      expect(t.ts).toBe(s!.T);
      expect(t.side).toBe(s!.m ? 'sell' : 'buy');
    }
    const ids = trades.map((t) => Number(t.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(client.received.find((x) => x.t === 'snapshot')).toMatchObject({ stream: 'trades:BTC-USDT:binance', data: { kind: 'trades' } });
    expect(client.received.find((x) => x.t === 'status')).toMatchObject({ feed: { exchange: 'binance', mode: 'replay' } });
    client.ws.close();
  });
});
