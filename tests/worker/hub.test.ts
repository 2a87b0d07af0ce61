import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { FeedStatus, MarketEvent } from '../../shared/market/types';
import type { TradeMsg } from '../../shared/protocol/messages';
import { hubStub } from '../../worker/objects/stubs';
import { connect } from './socket';

const feed: FeedStatus = { exchange: 'binance', state: 'live', mode: 'replay', lastMessageAt: 1, reconnects: 0 };
const trade = (i: number): MarketEvent => ({
  type: 'trade', exchange: 'binance', symbol: 'ETH-USDT', id: `t${i}`, price: 61_000 + i, amount: 0.001 * i, side: i % 2 ? 'buy' : 'sell',
  ts: 1_723_161_255_000 + i, recvTs: 1_723_161_254_000 + i,
});

describe('SymbolHub fan-out', () => {
  it('sends a client hello and snapshot, then every pushed trade in order with increasing sequence numbers', async () => {
    const client = await connect('/ws?symbol=ETH-USDT');
    await client.until((m) => m.some((x) => x.t === 'snapshot'));
    expect(client.received[0]).toMatchObject({ t: 'hello', v: 1, mode: 'replay' });
    const hub = hubStub(env, 'ETH-USDT');
    await hub.ingest([trade(1), trade(2), trade(3)], feed);
    await hub.ingest([trade(4), trade(5)], feed);
    const trades = (await client.until((m) => m.filter((x) => x.t === 'trade' && x.data.id.startsWith('t')).length >= 5))
      .filter((x): x is TradeMsg => x.t === 'trade' && x.data.id.startsWith('t'));
    expect(trades.map((t) => t.data.id)).toEqual(['t1', 't2', 't3', 't4', 't5']);
    expect(trades.map((t) => t.data.price)).toEqual([61_001, 61_002, 61_003, 61_004, 61_005]);
    const seqs = trades.map((t) => t.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
    client.ws.close();
  });

  it('conflates quotes within a batch to the latest one', async () => {
    const client = await connect('/ws?symbol=ETH-USDT');
    await client.until((m) => m.some((x) => x.t === 'snapshot'));
    const bbo = (bid: number): MarketEvent => ({ type: 'bbo', exchange: 'binance', symbol: 'ETH-USDT', bid, bidSize: 1, ask: bid + 0.01, askSize: 2, ts: 1, recvTs: 1 });
    await hubStub(env, 'ETH-USDT').ingest([bbo(100), bbo(101), bbo(102)], feed);
    const quotes = (await client.until((m) => m.some((x) => x.t === 'bbo' && x.data.bid === 102))).filter((x) => x.t === 'bbo');
    expect(quotes.map((q) => q.t === 'bbo' && q.data.bid)).toEqual([102]);
    client.ws.close();
  });

  it('answers malformed and oversize frames with error frames and cuts the client off after five', async () => {
    const client = await connect('/ws?symbol=ETH-USDT');
    await client.until((m) => m.some((x) => x.t === 'snapshot'));
    client.ws.send('{not json');
    client.ws.send(JSON.stringify({ t: 'subscribe', symbol: 'btc/usdt' }));
    client.ws.send('x'.repeat(5000));
    client.ws.send(JSON.stringify({ t: 'launch' }));
    const errors = await client.until((m) => m.filter((x) => x.t === 'error').length === 4);
    expect(errors.filter((x) => x.t === 'error').map((x) => x.t === 'error' && x.code)).toEqual(['bad_json', 'bad_message', 'too_large', 'bad_message']);
    client.ws.send(JSON.stringify({ t: 'ping', ts: 42 }));
    await client.until((m) => m.some((x) => x.t === 'pong' && x.ts === 42));
    expect(client.closed()).toBeUndefined();
    client.ws.send('[]');
    await client.until(() => client.closed() !== undefined);
    expect(client.closed()).toMatchObject({ code: 1008 });
  });

  it('refuses plain HTTP and unknown symbols on /ws with problem+json', async () => {
    const plain = await SELF.fetch('http://edge.test/ws');
    expect(plain.status).toBe(426);
    expect(plain.headers.get('content-type')).toBe('application/problem+json');
    const unknown = await SELF.fetch('http://edge.test/ws?symbol=DOGE-USDT', { headers: { Upgrade: 'websocket' } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status: 404, detail: 'unknown symbol DOGE-USDT' });
  });
});
