import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { edgetapeHeader, readRecording } from '../../tools/fake-exchange/recording';
import { DATA_DIR } from '../../tools/paths';
import { FakeExchange } from '../../tools/fake-exchange/server';
import { BinancePlugin } from '../../tools/fake-exchange/venues/binance';
import type { VenuePlugin } from '../../tools/fake-exchange/venue';
import { record } from '../../tools/record';
import { DepthCheckingBinance } from '../worker/depth-adapter';
import { hasData, NO_DATA, recording, SPOT_0808 } from './recordings';

const dir = mkdtempSync(join(tmpdir(), 'edgetape-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fakeOf(frames: ReturnType<typeof readRecording>, speed: number) {
  const fake = new FakeExchange(new BinancePlugin(frames) as VenuePlugin<unknown>, frames, { speed, loop: false, port: 0 });
  const host = `127.0.0.1:${await fake.listen()}`;
  return { fake, ws: `ws://${host}`, rest: `http://${host}` };
}

describe.skipIf(!hasData())(`recorder round trip through the fake exchange ${hasData() ? '' : NO_DATA}`, () => {
  it('records a replayed session (frames verbatim, REST snapshot inline), and replaying the file gives the same bytes', async () => {
    const source = recording(SPOT_0808);
    const first = await fakeOf(source, 20);
    const a = join(dir, 'a.etr.jsonl.gz');
    // The depth-chaining adapter asks for a REST snapshot, so the file holds one, as a live session's would.
    const ra = await record({ venue: 'binance', symbols: ['BTC-USDT'], ms: 1_500, out: a, ws: first.ws, rest: first.rest, adapter: new DepthCheckingBinance(['BTC-USDT']) });
    await first.fake.close();

    const lines = gunzipSync(readFileSync(a)).toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ edgetape: 1, exchange: 'binance', symbols: ['BTC-USDT'] });
    expect(lines[1]).toMatchObject({ k: 'open', url: `${first.ws}/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@depth@100ms` });
    expect(lines.at(-1)).toMatchObject({ k: 'close', code: 1000, reason: 'recording done' });
    const rest = lines.filter((l) => l.k === 'rest');
    expect(rest.map((l) => [l.url, l.status])).toEqual([[`${first.rest}/api/v3/depth?symbol=BTCUSDT&limit=1000`, 200]]);
    // The adapter's heartbeat went out on its interval and is in the file as `sent`.
    const sent = lines.filter((l) => l.k === 'sent');
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(new Set(sent.map((l) => l.d))).toEqual(new Set(['{"method":"LIST_SUBSCRIPTIONS","id":"hb"}']));
    expect(ra).toEqual({ frames: lines.filter((l) => l.k === 'ws').length, sent: sent.length, rest: 1, connections: 1 });
    const times = lines.slice(1).map((l) => l.t as number);
    expect([...times].sort((x, y) => x - y)).toEqual(times);

    // Every recorded frame is a frame of the source recording, byte for byte, in the source's order.
    const position = new Map(source.map((r, i) => [r.frame, i]));
    const recorded = readRecording(a);
    expect(edgetapeHeader(a)).toMatchObject({ edgetape: 1, exchange: 'binance', symbols: ['BTC-USDT'] });
    expect(edgetapeHeader(join(DATA_DIR, SPOT_0808))).toBeUndefined();
    const received = recorded.filter((r) => r.kind !== 'rest').map((r) => r.frame);
    // Besides the venue's stream frames, only the venue's answers to the heartbeats were received.
    const replies = received.filter((f) => !position.has(f));
    expect(replies).toEqual(sent.map(() => '{"result":["btcusdt@trade","btcusdt@bookTicker","btcusdt@depth@100ms"],"id":"hb"}'));
    const ws = received.filter((f) => position.has(f));
    expect(ws.length).toBeGreaterThan(100);
    const at = ws.map((f) => position.get(f)!);
    expect([...at].sort((x, y) => x - y)).toEqual(at);

    // Replay the recording through the fake: a second recording receives the same bytes (a tail of them,
    // since the replay clock starts before the recorder's socket opens), and the REST book is the recorded one.
    const second = await fakeOf(recorded, 1);
    const snap = (await (await fetch(`${second.rest}/api/v3/depth?symbol=BTCUSDT&limit=5`)).json()) as { lastUpdateId: number };
    expect(snap.lastUpdateId).toBeGreaterThanOrEqual(JSON.parse(rest[0]!.d as string).lastUpdateId as number);
    const b = join(dir, 'b.etr.jsonl');
    const span = recorded.at(-1)!.t - recorded[0]!.t;
    await record({ venue: 'binance', symbols: ['BTC-USDT'], ms: span + 1_000, out: b, ws: second.ws, rest: second.rest, adapter: new DepthCheckingBinance(['BTC-USDT']) });
    await second.fake.close();
    const again = readRecording(b).filter((r) => r.kind !== 'rest' && r.frame.startsWith('{"stream":')).map((r) => r.frame);
    expect(again.length).toBeGreaterThan(ws.length / 2);
    expect(again).toEqual(ws.slice(ws.length - again.length));
  }, 60_000); // two recordings of set wall-clock length (1.5 s, then the first one's span + 1 s) and two replays: ~5 s alone
});
