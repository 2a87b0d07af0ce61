import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REPLAYS, startFakeExchange } from '../../tools/fake-exchange/main';
import type { FakeExchange } from '../../tools/fake-exchange/server';
import { BinanceUsdmAdapter } from '../../worker/ingest/binance-usdm';
import { driven, sinkOf, stepUntil } from './drive';
import { hasData, NO_DATA } from './recordings';

// The replay is stepped by the test, never paced by the clock: on a loaded machine it neither outruns the adapter
// nor ends before the resync, and the fault lands at the same frame every run.
describe.skipIf(!hasData())(`the fake Binance USD-M replaying the real hftbacktest USD-M recording ${hasData() ? '' : NO_DATA}`, () => {
  let fake: FakeExchange;
  let base: string;
  beforeAll(async () => {
    const started = await startFakeExchange({ venue: 'binance-usdm', recording: REPLAYS['binance-usdm'].recording, speed: 20, loop: false, port: 0, manual: true });
    fake = started.fake;
    base = `127.0.0.1:${started.port}`;
  });
  afterAll(() => fake.close());

  it('answers GET /fapi/v1/depth with lastUpdateId, E and T; the spot path is not there', async () => {
    const res = await fetch(`http://${base}/fapi/v1/depth?symbol=BTCUSDT&limit=5`);
    const body = (await res.json()) as { lastUpdateId: number; E: number; T: number; bids: string[][]; asks: string[][] };
    expect(res.status).toBe(200);
    expect(Object.keys(body)).toEqual(['lastUpdateId', 'E', 'T', 'bids', 'asks']);
    expect(body.bids).toHaveLength(5);
    expect(+body.bids[0]![0]!).toBeLessThan(+body.asks[0]![0]!);
    expect(body.E).toBeGreaterThan(1_723_161_000_000);
    expect((await fetch(`http://${base}/api/v3/depth?symbol=BTCUSDT`)).status).toBe(404);
    expect((await fetch(`http://${base}/fapi/v1/depth?symbol=ETHUSDT`)).status).toBe(400);
  });

  it('the USD-M adapter syncs from its REST snapshot over the recorded pu chain, catches a dropped diff as a gap and resyncs to live', async () => {
    const adapter = new BinanceUsdmAdapter(['BTC-USDT-PERP']);
    const d = driven();
    const streams = new Set<string>();
    // Its state before any frame: the first frame may already move it on.
    const states: string[] = [adapter.health()[0]!.state];
    const inFlight: Promise<void>[] = [];
    const sink = sinkOf(d, (symbol, path) => {
      inFlight.push(fetch(`http://${base}${path}`).then(async (r) => adapter.onSnapshot(symbol, await r.text(), Date.now(), sink)));
    });
    const ws = new WebSocket(adapter.url(`ws://${base}`));
    let dropWanted = false;
    let dropped = false;
    let resynced = false;
    ws.on('message', (data) => {
      const frame = data.toString();
      streams.add(/^\{"stream":"([^"]+)"/.exec(frame)?.[1] ?? '?');
      adapter.parse(frame, Date.now(), sink);
      const h = adapter.health()[0]!;
      if (states.at(-1) !== h.state) states.push(h.state);
      if (h.state === 'live' && d.events.filter((e) => e.type === 'book').length > 20) dropWanted = true;
      if (h.resyncs === 1 && h.state === 'live') resynced = true;
    });
    await new Promise((ok, fail) => {
      ws.on('open', ok);
      ws.on('error', fail);
    });
    await stepUntil(fake, () => ws, () => resynced, async () => {
      await Promise.all(inFlight.splice(0));
      if (dropWanted && !dropped) {
        dropped = true;
        expect((await fetch(`http://${base}/__fake/fault`, { method: 'POST', body: '{"kind":"drop","count":1}' })).status).toBe(200);
      }
    });
    ws.close();
    // The adapter asked for depth@100ms; the recording's depth@0ms stream comes under that name.
    expect([...streams].sort()).toEqual(['btcusdt@bookTicker', 'btcusdt@depth@100ms', 'btcusdt@trade']);
    expect(states).toEqual(['connecting', 'syncing', 'live', 'resyncing', 'live']);
    expect(d.snapshots.map((s) => s.path)).toEqual(['/fapi/v1/depth?symbol=BTCUSDT&limit=1000', '/fapi/v1/depth?symbol=BTCUSDT&limit=1000']);
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]!.message).toMatch(/^binance-usdm: gap: after \d+ got pu \d+$/);
    expect(adapter.health()[0]).toMatchObject({ gaps: 1, resyncs: 1 });
    expect(d.crossed).toBe(0);
  }, 30_000); // thousands of real frames through the adapter and back over sockets: CPU a loaded machine spreads out
});
