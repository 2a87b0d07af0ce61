import { parseArgs } from 'node:util';
import { resolveRecording } from '../paths';
import { readRecording } from './recording';
import { FakeExchange } from './server';
import { BinancePlugin, USDM_API } from './venues/binance';
import { BitmexPlugin } from './venues/bitmex';
import { BitstampPlugin } from './venues/bitstamp';
import { CoinbasePlugin } from './venues/coinbase';
import { BybitPlugin } from './venues/bybit';
import { KrakenPlugin } from './venues/kraken';
import { OkxPlugin } from './venues/okx';
import type { VenuePlugin } from './venue';
import type { RecordedFrame } from './recording';
import { VENUES, type Venue } from '../../shared/market/types';
import { sibling } from '../normalize';
import { VENUE_RECORDINGS } from '../venue-recordings';
import { toBybitV5Instruments } from '../bybit-v5';

export const PLUGINS: Record<Venue, (rec: readonly RecordedFrame[]) => VenuePlugin<unknown>> = {
  binance: (rec) => new BinancePlugin(rec) as VenuePlugin<unknown>,
  'binance-usdm': (rec) => new BinancePlugin(rec, USDM_API) as VenuePlugin<unknown>,
  coinbase: (rec) => new CoinbasePlugin(rec) as VenuePlugin<unknown>,
  bitstamp: (rec) => new BitstampPlugin(rec) as VenuePlugin<unknown>,
  bitmex: (rec) => new BitmexPlugin(rec) as VenuePlugin<unknown>,
  kraken: (rec) => new KrakenPlugin(rec) as VenuePlugin<unknown>,
  okx: (rec) => new OkxPlugin(rec) as VenuePlugin<unknown>,
  bybit: (rec) => new BybitPlugin(rec) as VenuePlugin<unknown>,
};

/**
 * The instruments `npm start -- --replay` ingests per venue: the busiest of its recording, each of which
 * reaches live within seconds of subscribing and never falls silent for its venue's stale interval. No two
 * venues share one: the recordings are years apart (OKX's BTC-USDT of 2022 at half Binance's 2024 price would
 * make a consolidated BTC-USDT book that is crossed by thousands).
 */
const REPLAY_SYMBOLS: Record<Venue, string[]> = {
  binance: ['BTC-USDT'],
  'binance-usdm': ['BTC-USDT-PERP'],
  coinbase: ['SKL-USD', 'DASH-BTC', 'SKL-BTC'],
  kraken: ['XMR-USD', 'SC-EUR', 'BTC-CHF'],
  okx: ['BTC-USD-220527', 'UNI-USD-PERP'],
  bybit: ['LTC-USDT-PERP', 'BCH-USDT-PERP', 'ETH-USDT-PERP'],
  bitmex: ['BTC-USD-PERP', 'SOL-USDT-PERP', 'MATIC-USDT-PERP'],
  bitstamp: ['BAT-BTC', 'USDT-EUR', 'ETH-USD'],
};

/**
 * What `npm start -- --replay` replays per venue: the first session of its real recordings (VENUE_RECORDINGS,
 * with cryptofeed's REST snapshot captures beside them), comma-separated and played as one stream, and the
 * canonical symbols the edge is configured to ingest from it.
 */
export const REPLAYS: Record<Venue, { recording: string; symbols: string[] }> = Object.fromEntries(VENUES.map((venue) => {
  const files = VENUE_RECORDINGS[venue]![0]!;
  const rest = files.flatMap((f) => sibling(resolveRecording(f), '.http.0.0') ? [f.replace(/\.ws\.\d+\.0$/, '.http.0.0')] : []);
  return [venue, { recording: [...files, ...rest].join(','), symbols: REPLAY_SYMBOLS[venue] }];
})) as Record<Venue, { recording: string; symbols: string[] }>;

export const DEFAULT_RECORDING = REPLAYS.binance.recording;

/** Each venue's recorded instrument list (cryptofeed's `X.0`: the REST answers it fetched before subscribing). */
export const INSTRUMENT_LIST_FILES: Record<Venue, string> = {
  binance: 'cryptofeed/BINANCE.0',
  'binance-usdm': 'cryptofeed/BINANCE_FUTURES.0',
  coinbase: 'cryptofeed/COINBASE.0',
  kraken: 'cryptofeed/KRAKEN.0',
  okx: 'cryptofeed/OKX.0',
  // The 2021 v2 /v2/public/symbols, served also as v5 instruments-info (tools/bybit-v5.ts).
  bybit: 'cryptofeed/BYBIT.0',
  bitmex: 'cryptofeed/BITMEX.0',
  bitstamp: 'cryptofeed/BITSTAMP.0',
};

/** The recorded REST answers of a venue's instrument list by path and query; the latest of repeated ones. */
export function recordedInstrumentLists(venue: Venue): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of readRecording(resolveRecording(INSTRUMENT_LIST_FILES[venue]))) {
    if (r.kind !== 'rest' || !r.url) continue;
    const u = new URL(r.url);
    out.set(u.pathname + u.search, r.frame);
    if (u.pathname !== '/v2/public/symbols') continue;
    for (const [category, body] of Object.entries(toBybitV5Instruments(r.frame))) out.set(`/v5/market/instruments-info?category=${category}`, body);
  }
  return out;
}

/** Loads comma-separated recordings (played one after another) and starts a fake venue on 127.0.0.1. */
export async function startFakeExchange(o: { venue: string; recording: string; speed: number; loop: boolean; port: number; manual?: boolean }) {
  const make = PLUGINS[o.venue as Venue];
  if (!make) throw new Error(`unknown venue ${o.venue}; known: ${Object.keys(PLUGINS).join(', ')}`);
  // Socket files recorded side by side (Kraken's book, trade and ticker sockets) interleave by receive time;
  // files recorded one after another keep their order. REST captures go last: plug-ins preload them.
  const all = o.recording.split(',').flatMap((f) => readRecording(resolveRecording(f.trim())));
  const frames = [...all.filter((r) => r.kind !== 'rest').sort((a, b) => a.t - b.t), ...all.filter((r) => r.kind === 'rest')];
  if (frames.length === 0) throw new Error(`no frames in ${o.recording}`);
  const recordedRest = recordedInstrumentLists(o.venue as Venue);
  const fake = new FakeExchange(make(frames), frames, { speed: o.speed, loop: o.loop, port: o.port, recordedRest, manual: o.manual });
  const port = await fake.listen();
  return { fake, port, frames: frames.length };
}

export type RunningFake = Awaited<ReturnType<typeof startFakeExchange>> & { venue: Venue; symbols: string[] };

/** One fake per venue, each replaying its recording (REPLAYS) on a free port. */
export async function startFakes(o: { speed: number; loop: boolean }): Promise<RunningFake[]> {
  const started = await Promise.allSettled(VENUES.map(async (venue) => {
    const { recording, symbols } = REPLAYS[venue];
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
