import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe.skipIf(!hasData())(`fault injection on the fake Binance replaying the real spot recording ${hasData() ? '' : NO_DATA}`, () => {
  let fake: FakeExchange;
  let base: string;
  /** A stream's frames in the recording, in order: where each received frame sits shows what the fault did to the stream. */
  const positions = (stream: string) => new Map((hasData() ? recording(SPOT_0808) : []).filter((r) => r.frame.includes(`"stream":"${stream}"`)).map((r, i) => [r.frame, i]));

  beforeAll(async () => {
    const frames = recording(SPOT_0808);
    fake = new FakeExchange(new BinancePlugin(frames) as VenuePlugin<unknown>, frames, { speed: 40, loop: false, port: 0 });
    base = `127.0.0.1:${await fake.listen()}`;
  });
  afterAll(() => fake.close());

  const post = async (body: unknown) => {
    const res = await fetch(`http://${base}/__fake/fault`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /**
   * Receives `stream`'s frames, injects the fault after the 5th, and returns the steps between consecutive
   * frames' positions in the recording that are not +1 (a clean stream gives none).
   */
  async function anomaliesAround(fault: unknown, total = 30, stream = DEPTH): Promise<number[]> {
    const indexOf = positions(stream);
    const ws = new WebSocket(`ws://${base}/stream?streams=${stream}`);
    const got: number[] = [];
    await new Promise<void>((ok, fail) => {
      ws.on('message', (d) => {
        const i = indexOf.get(d.toString());
        if (i === undefined) return fail(new Error(`frame not in the recording: ${d.toString().slice(0, 80)}`));
        got.push(i);
        if (got.length === 5) void post(fault);
        if (got.length === total) ok();
      });
      ws.on('error', fail);
    });
    ws.close();
    const steps: number[] = [];
    for (let i = 1; i < got.length; i++) if (got[i]! - got[i - 1]! !== 1) steps.push(got[i]! - got[i - 1]!);
    return steps;
  }

  it('drop: the next book frame never arrives, leaving a one-frame gap in the update ids', async () => {
    expect(await anomaliesAround({ kind: 'drop', count: 1 })).toEqual([2]);
  });

  it('drop-trade: the next three trade frames never arrive', async () => {
    // Trades come many times faster than depth frames: a longer run leaves the fault request time to land.
    expect(await anomaliesAround({ kind: 'drop-trade', count: 3 }, 400, 'btcusdt@trade')).toEqual([4]);
  });

  it('reorder: the next two book frames arrive swapped', async () => {
    expect(await anomaliesAround({ kind: 'reorder' })).toEqual([2, -1, 2]);
  });

  it('duplicate: the next book frame arrives twice', async () => {
    expect(await anomaliesAround({ kind: 'duplicate', count: 1 })).toEqual([0]);
  });

  it('stall and slow hold frames back without losing or reordering any', async () => {
    expect(await anomaliesAround({ kind: 'stall', ms: 300 }, 12)).toEqual([]);
    expect(await anomaliesAround({ kind: 'slow', count: 5, ms: 20 }, 12)).toEqual([]);
  });

  it('disconnect closes every client socket with 1001', async () => {
    const ws = new WebSocket(`ws://${base}/stream?streams=${DEPTH}`);
    await new Promise((ok) => ws.on('open', ok));
    const closed = new Promise<number>((ok) => ws.on('close', (code) => ok(code)));
    expect((await post({ kind: 'disconnect' })).status).toBe(200);
    expect(await closed).toBe(1001);
  });

  it('refuses a checksum fault on a venue without checksums, and bad requests, with the reason', async () => {
    expect(await post({ kind: 'corrupt-checksum' })).toEqual({ status: 422, body: { error: 'binance frames carry no checksum: corrupt-checksum does not apply' } });
    expect((await post({ kind: 'drop', count: 0 })).status).toBe(400);
    const res = await fetch(`http://${base}/__fake/fault`, { method: 'POST', body: '{nope' });
    expect(res.status).toBe(400);
  });

  it('GET /__fake/faults lists what was injected and what was applied', async () => {
    const report = (await (await fetch(`http://${base}/__fake/faults`)).json()) as {
      applied: Record<string, number>; pending: Record<string, number>; injected: { kind: string }[];
    };
    expect(report.injected.map((f) => f.kind)).toEqual(['drop', 'drop-trade', 'reorder', 'duplicate', 'stall', 'slow', 'disconnect']);
    expect(report.applied).toEqual({ drop: 1, 'corrupt-checksum': 0, reorder: 1, duplicate: 1, stall: 1, disconnect: 1, slow: 5, 'drop-trade': 3 });
    expect(report.pending).toMatchObject({ drop: 0, reorder: 0, duplicate: 0, slow: 0, 'drop-trade': 0 });
  });
});
