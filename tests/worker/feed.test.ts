import { env } from 'cloudflare:test';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { feedStub } from '../../worker/objects/stubs';
import type { TradeMsg } from '../../shared/protocol/messages';
import { connect } from './socket';

interface Sent { line: number; frame: string }

describe.skipIf(!inject('hasData'))('ExchangeFeed → SymbolHub → client, from the fake exchange replaying the real recording', () => {
  afterAll(async () => {
    expect(await feedStub(env, 'binance').stop()).toMatchObject({ state: 'down', reason: 'stopped' });
  });

  it('delivers the recording\'s trades to a browser socket in the exchange\'s order', async () => {
    const client = await connect();
    const trades = (await client.until((m) => m.filter((x) => x.t === 'trade').length >= 20, 20_000))
      .filter((x): x is TradeMsg => x.t === 'trade');
    // Every trade the client saw was sent by the fake exchange, with the same id, price, amount and time.
    const recent = (await (await fetch(`${inject('fakeUrl')}/__fake/recent?last=2000`)).json()) as Sent[];
    const sent = new Map<string, { p: string; q: string; T: number; m: boolean }>();
    for (const r of recent) {
      if (!r.frame.includes('@trade')) continue;
      const d = (JSON.parse(r.frame) as { data: { t: number; p: string; q: string; T: number; m: boolean } }).data;
      sent.set(String(d.t), d);
    }
    const live = trades.slice(1); // the first may be the snapshot's, from before this client
    for (const t of live) {
      const s = sent.get(t.data.id);
      expect(s, `trade ${t.data.id} was never sent`).toBeDefined();
      expect(t.data.price).toBe(Number(s!.p));
      expect(t.data.amount).toBe(Number(s!.q));
      expect(t.data.ts).toBe(s!.T);
      expect(t.data.side).toBe(s!.m ? 'sell' : 'buy');
    }
    const ids = live.map((t) => Number(t.data.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const status = client.received.find((x) => x.t === 'snapshot');
    expect(status).toBeDefined();
    client.ws.close();
  });
});
