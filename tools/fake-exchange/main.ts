import { parseArgs } from 'node:util';
import { resolveRecording } from '../paths';
import { readRecording } from './recording';
import { FakeExchange } from './server';
import { BinancePlugin } from './venues/binance';
import { BitmexPlugin } from './venues/bitmex';
import { BitstampPlugin } from './venues/bitstamp';
import { CoinbasePlugin } from './venues/coinbase';
import { BybitPlugin } from './venues/bybit';
import { KrakenPlugin } from './venues/kraken';
import { OkxPlugin } from './venues/okx';
import type { VenuePlugin } from './venue';
import type { RecordedFrame } from './recording';
import type { Venue } from '../../shared/market/types';

export const PLUGINS: Partial<Record<Venue, (rec: readonly RecordedFrame[]) => VenuePlugin<unknown>>> = {
  binance: (rec) => new BinancePlugin(rec) as VenuePlugin<unknown>,
  coinbase: (rec) => new CoinbasePlugin(rec) as VenuePlugin<unknown>,
  bitstamp: (rec) => new BitstampPlugin(rec) as VenuePlugin<unknown>,
  bitmex: (rec) => new BitmexPlugin(rec) as VenuePlugin<unknown>,
  kraken: (rec) => new KrakenPlugin(rec) as VenuePlugin<unknown>,
  okx: (rec) => new OkxPlugin(rec) as VenuePlugin<unknown>,
  bybit: (rec) => new BybitPlugin(rec) as VenuePlugin<unknown>,
};

/**
 * What `npm start -- --replay` replays per venue: comma-separated recordings under ../shared/data (played
 * one after another) and the canonical symbols they hold, which the edge is configured to ingest.
 */
export const REPLAYS: Partial<Record<Venue, { recording: string; symbols: string[] }>> = {
  binance: { recording: 'hftbacktest/spot/btcusdt_20240808.gz,hftbacktest/spot/btcusdt_20240809.gz', symbols: ['BTC-USDT'] },
};

export const DEFAULT_RECORDING = REPLAYS.binance!.recording;

/** Loads comma-separated recordings (played one after another) and starts a fake venue on 127.0.0.1. */
export async function startFakeExchange(o: { venue: string; recording: string; speed: number; loop: boolean; port: number }) {
  const make = PLUGINS[o.venue as Venue];
  if (!make) throw new Error(`unknown venue ${o.venue}; known: ${Object.keys(PLUGINS).join(', ')}`);
  // Socket files recorded side by side (Kraken's book, trade and ticker sockets) interleave by receive time;
  // files recorded one after another keep their order. REST captures go last: plug-ins preload them.
  const all = o.recording.split(',').flatMap((f) => readRecording(resolveRecording(f.trim())));
  const frames = [...all.filter((r) => r.kind !== 'rest').sort((a, b) => a.t - b.t), ...all.filter((r) => r.kind === 'rest')];
  if (frames.length === 0) throw new Error(`no frames in ${o.recording}`);
  const fake = new FakeExchange(make(frames), frames, { speed: o.speed, loop: o.loop, port: o.port });
  const port = await fake.listen();
  return { fake, port, frames: frames.length };
}

export type RunningFake = Awaited<ReturnType<typeof startFakeExchange>> & { venue: Venue; symbols: string[] };

/** One fake per venue that has both a plug-in and a default recording, each on a free port. */
export async function startFakes(o: { speed: number; loop: boolean }): Promise<RunningFake[]> {
  const venues = (Object.keys(REPLAYS) as Venue[]).filter((v) => PLUGINS[v]);
  const started = await Promise.allSettled(venues.map(async (venue) => {
    const { recording, symbols } = REPLAYS[venue]!;
    return { venue, symbols, ...(await startFakeExchange({ venue, recording, speed: o.speed, loop: o.loop, port: 0 })) };
  }));
  const fakes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failed.length) {
    await Promise.all(fakes.map((f) => f.fake.close()));
    throw new Error(`fake exchanges failed to start: ${failed.map((e) => e.message).join('; ')}`);
  }
  return fakes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      venue: { type: 'string', default: 'binance' },
      recording: { type: 'string', default: DEFAULT_RECORDING },
      speed: { type: 'string', default: '1' },
      loop: { type: 'boolean', default: false },
      port: { type: 'string', default: '0' },
    },
  });
  const { fake, port, frames } = await startFakeExchange({
    venue: values.venue!, recording: values.recording!, speed: Number(values.speed), loop: values.loop!, port: Number(values.port),
  });
  console.log(`fake ${values.venue} on ws://127.0.0.1:${port} replaying ${frames} frames at ${values.speed}×`);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
