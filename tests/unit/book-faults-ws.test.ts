import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { RecordedFrame } from '../../tools/fake-exchange/recording';
import { FakeExchange } from '../../tools/fake-exchange/server';
import type { VenuePlugin } from '../../tools/fake-exchange/venue';
import { BybitPlugin } from '../../tools/fake-exchange/venues/bybit';
import { KrakenPlugin } from '../../tools/fake-exchange/venues/kraken';
import { OkxPlugin } from '../../tools/fake-exchange/venues/okx';
import type { Adapter } from '../../worker/ingest/adapter';
import { BybitAdapter } from '../../worker/ingest/bybit';
import { KrakenAdapter } from '../../worker/ingest/kraken';
import { KrakenV2Adapter } from '../../worker/ingest/kraken-v2';
import { OkxAdapter } from '../../worker/ingest/okx';
import { BYBIT_PERPS, KRAKEN_V1, merged, newRun, sinkInto } from './adapter-harness';
import { stepUntil } from './drive';
import { hasData, NO_DATA, recording } from './recordings';

interface Case {
  name: string;
  frames: () => RecordedFrame[];
  plugin: (f: RecordedFrame[]) => VenuePlugin<unknown>;
  adapter: () => Adapter;
  symbol: string;
  update: (frame: string) => boolean;
  pong: (frame: string) => boolean;
}

const CASES: Case[] = [
  {
    name: 'kraken', frames: () => merged(...KRAKEN_V1),
    plugin: (f) => new KrakenPlugin(f) as VenuePlugin<unknown>, adapter: () => new KrakenAdapter(['XMR-USD', 'SC-EUR', 'BTC-CHF']),
    symbol: 'XMR-USD', update: (f) => f.endsWith('"book-1000","XMR/USD"]') && f.includes('"c":"'), pong: (f) => f === '{"event":"pong"}',
  },
  {
    name: 'kraken v2', frames: () => merged(...KRAKEN_V1),
    plugin: (f) => new KrakenPlugin(f) as VenuePlugin<unknown>, adapter: () => new KrakenV2Adapter(['XMR-USD', 'SC-EUR', 'BTC-CHF']),
    symbol: 'XMR-USD', update: (f) => f.startsWith('{"channel":"book","type":"update","data":[{"symbol":"XMR/USD"'), pong: (f) => f.startsWith('{"method":"pong"'),
  },
  {
    name: 'okx', frames: () => recording('cryptofeed/OKX.ws.1.0'), plugin: (f) => new OkxPlugin(f) as VenuePlugin<unknown>,
    adapter: () => new OkxAdapter(['BTC-USDT', 'UNI-USD-PERP']), symbol: 'BTC-USDT',
    update: (f) => f.startsWith('{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update"'), pong: (f) => f === 'pong',
  },
  {
    name: 'bybit', frames: () => recording('cryptofeed/BYBIT.ws.25.0'), plugin: (f) => new BybitPlugin(f) as VenuePlugin<unknown>,
    adapter: () => new BybitAdapter(BYBIT_PERPS), symbol: 'ETH-USDT-PERP',
    update: (f) => f.startsWith('{"topic":"orderbook.50.ETHUSDT","type":"delta"'), pong: (f) => f.includes('"ret_msg":"pong"'),
  },
];

describe.skipIf(!hasData())(`a dropped update over a real socket to the fake venue is detected and resynced ${hasData() ? '' : NO_DATA}`, () => {
  let fake: FakeExchange | undefined;
  let ws: WebSocket | undefined;
  afterEach(async () => {
    ws?.terminate();
    await fake?.close();
  });
  /**
   * The fake replays only as the test steps it, so the client's subscriptions must be in before the first step:
   * frames go only to subscribed sockets, and nothing else makes the replay wait.
   */
  const heard = (messages: number) => vi.waitFor(() => expect(fake!.status().received).toBe(messages), { timeout: 20_000, interval: 10 });

  for (const c of CASES) {
    it(`${c.name}: subscribe, ping/pong, drop the 20th update → resyncing → resubscribe → live`, async () => {
      const frames = c.frames();
      fake = new FakeExchange(c.plugin(frames), frames, { speed: 15, loop: false, port: 0, manual: true });
      const port = await fake.listen();
      const adapter = c.adapter();
      const run = newRun();
      const sink = sinkInto(run, (f) => ws!.send(f));
      const states = new Set<string>();
      let updates = 0, pongs = 0;
      ws = new WebSocket(adapter.url(`ws://127.0.0.1:${port}`));
      const said = [...adapter.subscribeMessages(), adapter.heartbeat!.frame];
      ws.on('open', () => said.forEach((m) => ws!.send(m)));
      ws.on('message', (d) => {
        const f = d.toString();
        if (c.pong(f)) pongs++;
        if (c.update(f) && ++updates === 20) return; // lost on the way
        adapter.parse(f, Date.now(), sink);
        states.add(adapter.health().find((h) => h.symbol === c.symbol)!.state);
      });
      await heard(said.length);
      await stepUntil(fake, () => ws!, () => {
        const h = adapter.health().find((x) => x.symbol === c.symbol)!;
        return h.resyncs === 1 && h.state === 'live' && updates > 25;
      }, undefined, 50);
      expect(pongs).toBe(1);
      // In order of first appearance; the end state (live again) is asserted above.
      expect([...states]).toEqual(['syncing', 'live', 'resyncing']);
      expect(run.errors.every((e) => e.symbol === c.symbol)).toBe(true);
      expect(run.errors.length).toBe(1);
      const verb = (s: string) => {
        const m = JSON.parse(s) as { op?: string; event?: string; method?: string };
        return m.op ?? m.event ?? m.method;
      };
      expect(run.sent.slice(-2).map(verb)).toEqual(['unsubscribe', 'subscribe']);
    }, 30_000); // whole real recordings loaded and replayed through the adapter: CPU a loaded machine spreads out
  }

  for (const c of CASES) {
    it(`${c.name}: after a disconnect every book is unknown, and a new connection brings them back live`, async () => {
      const frames = c.frames();
      fake = new FakeExchange(c.plugin(frames), frames, { speed: 15, loop: false, port: 0, manual: true });
      const port = await fake.listen();
      const adapter = c.adapter();
      const run = newRun();
      let updates = 0;
      let said = 0;
      const connect = () => {
        const sock = new WebSocket(adapter.url(`ws://127.0.0.1:${port}`));
        const sink = sinkInto(run, (f) => sock.send(f));
        const subscribe = adapter.subscribeMessages();
        said += subscribe.length;
        sock.on('open', () => subscribe.forEach((m) => sock.send(m)));
        sock.on('message', (d) => {
          const f = d.toString();
          if (c.update(f)) updates++;
          adapter.parse(f, Date.now(), sink);
        });
        return sock;
      };
      ws = connect();
      await heard(said);
      await stepUntil(fake, () => ws!, () => updates > 10, undefined, 50);
      ws.terminate();
      adapter.reset();
      expect(adapter.health().every((h) => h.state === 'connecting')).toBe(true);
      const before = adapter.health().find((h) => h.symbol === c.symbol)!.checksumOk;
      updates = 0;
      ws = connect();
      await heard(said);
      await stepUntil(fake, () => ws!, () => adapter.health().find((x) => x.symbol === c.symbol)!.state === 'live' && updates > 10, undefined, 50);
      const h = adapter.health().find((x) => x.symbol === c.symbol)!;
      expect(run.errors).toEqual([]);
      expect(h.resyncs).toBe(0);
      // Checksum venues verified the updates that followed the new snapshot.
      if (c.name !== 'bybit') expect(h.checksumOk).toBeGreaterThan(before);
    }, 30_000); // whole real recordings loaded and replayed through the adapter: CPU a loaded machine spreads out
  }
});
