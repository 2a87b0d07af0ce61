import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { FakeExchange } from '../../tools/fake-exchange/server';
import { BinancePlugin } from '../../tools/fake-exchange/venues/binance';
import type { VenuePlugin } from '../../tools/fake-exchange/venue';
import { hasData, NO_DATA, recording, SPOT_0808 } from './recordings';

/** Opens a socket and gathers text frames until `n` arrived. */
function gather(url: string, n: number, send?: string[]) {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  let pings = 0;
  ws.on('ping', () => pings++);
  const done = new Promise<string[]>((ok, fail) => {
    ws.on('message', (d) => {
      frames.push(d.toString());
      if (frames.length === n) ok(frames.slice());
    });
    ws.on('error', fail);
  });
  ws.on('open', () => send?.forEach((m) => ws.send(m)));
  return { ws, done, pings: () => pings };
}

describe.skipIf(!hasData())(`fake Binance replaying the real spot recording ${hasData() ? '' : NO_DATA}`, () => {
  let fake: FakeExchange;
  let base: string;
  beforeAll(async () => {
    const frames = recording(SPOT_0808);
    fake = new FakeExchange(new BinancePlugin(frames) as VenuePlugin<unknown>, frames, { speed: 20, loop: false, port: 0, pingMs: 50 });
    base = `127.0.0.1:${await fake.listen()}`;
  });
  afterAll(() => fake.close());

  it('sends the recorded frames byte for byte, in recorded order, on a combined stream', async () => {
    const c = gather(`ws://${base}/stream?streams=btcusdt@trade`, 30);
    const got = await c.done;
    const trades = recording(SPOT_0808).filter((r) => r.frame.includes('"stream":"btcusdt@trade"')).map((r) => r.frame);
    const at = trades.indexOf(got[0]!);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(got).toEqual(trades.slice(at, at + 30));
    await vi.waitFor(() => expect(c.pings()).toBeGreaterThan(0));
    c.ws.close();
  });

  it('answers SUBSCRIBE and LIST_SUBSCRIPTIONS like Binance, and raw streams send the bare payload', async () => {
    const c = gather(`ws://${base}/ws`, 3, [
      JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@bookTicker'], id: 1 }),
      JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 2 }),
      JSON.stringify({ method: 'FLY', id: 3 }),
    ]);
    const got = await c.done;
    const replies = got.filter((f) => f.includes('"id"'));
    expect(replies.slice(0, 2)).toEqual(['{"result":null,"id":1}', '{"result":["btcusdt@bookTicker"],"id":2}']);
    const more = gather(`ws://${base}/ws/btcusdt@bookTicker`, 1);
    const [bare] = await more.done;
    expect(bare).toMatch(/^\{"u":\d+,"s":"BTCUSDT","b":"/);
    c.ws.close();
    more.ws.close();
  });

  it('serves /api/v3/depth from the recorded snapshot kept current by the replayed diffs', async () => {
    const res = await fetch(`http://${base}/api/v3/depth?symbol=BTCUSDT&limit=5`);
    const book = (await res.json()) as { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
    expect(book.lastUpdateId).toBeGreaterThanOrEqual(50093239218);
    expect(book.bids).toHaveLength(5);
    expect(+book.bids[0]![0]).toBeLessThan(+book.asks[0]![0]);
    expect(book.bids.map((b) => +b[0])).toEqual(book.bids.map((b) => +b[0]).sort((a, b) => b - a));
    expect((await fetch(`http://${base}/api/v3/depth?symbol=NOPE`)).status).toBe(400);
  });

  it('refuses sockets on paths Binance does not serve', async () => {
    const ws = new WebSocket(`ws://${base}/nope`);
    const err = await new Promise<Error>((ok) => ws.on('error', ok));
    expect(err.message).toMatch(/404/);
  });
});
