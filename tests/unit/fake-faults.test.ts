import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { parseFault } from '../../tools/fake-exchange/faults';
import { FakeExchange } from '../../tools/fake-exchange/server';
import { BinancePlugin } from '../../tools/fake-exchange/venues/binance';
import type { VenuePlugin } from '../../tools/fake-exchange/venue';
import { hasData, NO_DATA, recording, SPOT_0808 } from './recordings';

const DEPTH = 'btcusdt@depth@100ms';

describe('fault requests', () => {
  it('fills in defaults and refuses what is not a fault', () => {
    expect(parseFault({ kind: 'drop' })).toEqual({ kind: 'drop', count: 1, ms: 0 });
    expect(parseFault({ kind: 'stall', ms: 1500 })).toEqual({ kind: 'stall', count: 0, ms: 1500 });
    expect(parseFault({ kind: 'slow' })).toEqual({ kind: 'slow', count: 20, ms: 500 });
    expect(parseFault({ kind: 'explode' })).toMatch(/^kind must be one of drop, corrupt-checksum, reorder/);
    expect(parseFault({ kind: 'drop', count: -1 })).toBe('count must be an integer in 1..100000');
    expect(parseFault({ kind: 'stall', ms: 1e9 })).toBe('ms must be an integer in 1..600000');
    expect(parseFault([1])).toMatch(/^kind must be/);
    expect(parseFault(null)).toMatch(/^body must be a JSON object/);
  });
});

type Report = ReturnType<FakeExchange['faultReport']>;

describe.skipIf(!hasData())(`fault injection on the fake Binance replaying the real spot recording ${hasData() ? '' : NO_DATA}`, () => {
  const frames = hasData() ? recording(SPOT_0808) : [];
  /** A stream's frames in the recording, in order: where each received frame sits shows what the fault did to the stream. */
  const positions = (stream: string) => new Map(frames.filter((r) => r.frame.includes(`"stream":"${stream}"`)).map((r, i) => [r.frame, i]));
  const start = async (opts: { speed: number; manual?: boolean }) => {
    const fake = new FakeExchange(new BinancePlugin(frames) as VenuePlugin<unknown>, frames, { ...opts, loop: false, port: 0 });
    return { fake, base: `127.0.0.1:${await fake.listen()}` };
  };

  const post = async (base: string, body: unknown) => {
    const res = await fetch(`http://${base}/__fake/fault`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** A client of one stream: `got` holds each received frame's position among the recording's frames of it. */
  async function subscribe(base: string, stream = DEPTH) {
    const indexOf = positions(stream);
    const ws = new WebSocket(`ws://${base}/stream?streams=${stream}`);
    const got: number[] = [];
    const strangers: string[] = [];
    ws.on('message', (d) => {
      const i = indexOf.get(d.toString());
      if (i === undefined) strangers.push(d.toString().slice(0, 80));
      else got.push(i);
    });
    await new Promise((ok, fail) => {
      ws.on('open', ok);
      ws.on('error', fail);
    });
    return {
      ws, got, strangers,
      /** Every frame the fake sent before now has arrived: a protocol ping's pong comes behind them on the socket. */
      drained: () => new Promise((ok) => {
        ws.once('pong', ok);
        ws.ping();
      }),
      close: () => new Promise((ok) => {
        ws.once('close', ok);
        ws.close();
      }),
    };
  }

  /** The steps between consecutive received frames' positions that are not +1 (a clean stream gives none). */
  const anomalies = (got: number[]) => got.slice(1).map((p, i) => p - got[i]!).filter((d) => d !== 1);

  describe('on a manual replay, stepped frame by frame: the fault lands on the 6th frame whatever the load', () => {
    let stepped: Awaited<ReturnType<typeof start>>;
    beforeAll(async () => {
      stepped = await start({ speed: 40, manual: true });
    });
    afterAll(() => stepped.fake.close());

    /** Steps 5 frames of `stream` to a fresh client, injects the fault, steps 25 more; the positions the client received. */
    async function around(fault: unknown, stream = DEPTH): Promise<number[]> {
      const c = await subscribe(stepped.base, stream);
      expect(stepped.fake.step(5)).toBe(5);
      await c.drained();
      expect(c.got).toHaveLength(5);
      expect((await post(stepped.base, fault)).status).toBe(200);
      expect(stepped.fake.step(25)).toBe(25);
      await c.drained();
      await c.close();
      expect(c.strangers).toEqual([]);
      return c.got;
    }

    it('drop: the next book frame never arrives, leaving a one-frame gap in the update ids', async () => {
      const got = await around({ kind: 'drop', count: 1 });
      expect(anomalies(got)).toEqual([2]);
      expect(got).toHaveLength(29);
    });

    it('reorder: the next two book frames arrive swapped', async () => {
      const got = await around({ kind: 'reorder' });
      expect(anomalies(got)).toEqual([2, -1, 2]);
      expect(got.slice(4, 8).map((p) => p - got[0]!)).toEqual([4, 6, 5, 7]);
    });

    it('duplicate: the next book frame arrives twice', async () => {
      const got = await around({ kind: 'duplicate', count: 1 });
      expect(anomalies(got)).toEqual([0]);
      expect(got).toHaveLength(31);
    });

    it('drop-trade: the next three trade frames never arrive, and the book stream is untouched', async () => {
      const got = await around({ kind: 'drop-trade', count: 3 }, 'btcusdt@trade');
      expect(anomalies(got)).toEqual([4]);
      expect(got).toHaveLength(27);
    });

    it('refuses the time-based faults: a manual replay has no clock to stall or slow', async () => {
      expect(await post(stepped.base, { kind: 'stall', ms: 300 })).toEqual({ status: 422, body: { error: 'a manual replay has no clock: stall does not apply' } });
      expect((await post(stepped.base, { kind: 'slow' })).status).toBe(422);
    });

    it('GET /__fake/faults lists what was injected and what was applied', async () => {
      const report = (await (await fetch(`http://${stepped.base}/__fake/faults`)).json()) as Report;
      expect(report.injected.map((f) => f.kind)).toEqual(['drop', 'reorder', 'duplicate', 'drop-trade']);
      expect(report.applied).toEqual({ drop: 1, 'corrupt-checksum': 0, reorder: 1, duplicate: 1, stall: 0, disconnect: 0, slow: 0, 'drop-trade': 3 });
      expect(report.pending).toEqual({ drop: 0, 'corrupt-checksum': 0, reorder: 0, duplicate: 0, slow: 0, stallMs: 0, 'drop-trade': 0 });
    });
  });

  // 35 s of replay at 10×: room for a loaded machine; the tests wait for each fault to run its course, never for a time.
  describe('on a replay paced by the clock', { timeout: 45_000 }, () => {
    let paced: Awaited<ReturnType<typeof start>>;
    beforeAll(async () => {
      paced = await start({ speed: 10 });
    });
    afterAll(() => paced.fake.close());

    /** Injects the fault after 5 frames; once it has run its course and 3 more frames came, the positions received. */
    async function across(fault: unknown, over: (r: Report) => boolean): Promise<number[]> {
      const c = await subscribe(paced.base);
      const until = (done: () => boolean) => vi.waitFor(() => expect(done()).toBe(true), { timeout: 20_000, interval: 10 });
      await until(() => c.got.length >= 5);
      expect((await post(paced.base, fault)).status).toBe(200);
      await until(() => over(paced.fake.faultReport()));
      await c.drained();
      const n = c.got.length;
      await until(() => c.got.length >= n + 3);
      await c.close();
      expect(c.strangers).toEqual([]);
      return c.got;
    }

    it('stall and slow hold frames back without losing or reordering any', async () => {
      expect(anomalies(await across({ kind: 'stall', ms: 300 }, (r) => r.pending.stallMs === 0))).toEqual([]);
      expect(anomalies(await across({ kind: 'slow', count: 5, ms: 20 }, (r) => r.pending.slow === 0))).toEqual([]);
    });

    it('disconnect closes every client socket with 1001', async () => {
      const ws = new WebSocket(`ws://${paced.base}/stream?streams=${DEPTH}`);
      await new Promise((ok) => ws.on('open', ok));
      const closed = new Promise<number>((ok) => ws.on('close', (code) => ok(code)));
      expect((await post(paced.base, { kind: 'disconnect' })).status).toBe(200);
      expect(await closed).toBe(1001);
    });

    it('refuses a checksum fault on a venue without checksums, and bad requests, with the reason', async () => {
      expect(await post(paced.base, { kind: 'corrupt-checksum' })).toEqual({ status: 422, body: { error: 'binance frames carry no checksum: corrupt-checksum does not apply' } });
      expect((await post(paced.base, { kind: 'drop', count: 0 })).status).toBe(400);
      const res = await fetch(`http://${paced.base}/__fake/fault`, { method: 'POST', body: '{nope' });
      expect(res.status).toBe(400);
    });

    it('GET /__fake/faults lists what was injected and what was applied', async () => {
      const report = (await (await fetch(`http://${paced.base}/__fake/faults`)).json()) as Report;
      expect(report.injected.map((f) => f.kind)).toEqual(['stall', 'slow', 'disconnect']);
      expect(report.applied).toEqual({ drop: 0, 'corrupt-checksum': 0, reorder: 0, duplicate: 0, stall: 1, disconnect: 1, slow: 5, 'drop-trade': 0 });
      expect(report.pending).toMatchObject({ drop: 0, reorder: 0, duplicate: 0, slow: 0 });
    });
  });
});
