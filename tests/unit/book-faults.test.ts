import { describe, expect, it } from 'vitest';
import type { RecordedFrame } from '../../tools/fake-exchange/recording';
import type { VenuePlugin } from '../../tools/fake-exchange/venue';
import { BybitPlugin } from '../../tools/fake-exchange/venues/bybit';
import { KrakenPlugin } from '../../tools/fake-exchange/venues/kraken';
import { OkxPlugin } from '../../tools/fake-exchange/venues/okx';
import type { Adapter } from '../../worker/ingest/adapter';
import { BybitAdapter } from '../../worker/ingest/bybit';
import { KrakenAdapter } from '../../worker/ingest/kraken';
import { KrakenV2Adapter } from '../../worker/ingest/kraken-v2';
import { OkxAdapter } from '../../worker/ingest/okx';
import { BYBIT_PERPS, bybitV5, type Fault, KRAKEN_V1, merged, replayThrough } from './adapter-harness';
import { hasData, NO_DATA, recording } from './recordings';

interface Venue {
  name: string;
  frames: () => RecordedFrame[];
  plugin: (f: RecordedFrame[]) => VenuePlugin<unknown>;
  adapter: () => Adapter;
  /** The instrument faults are injected into, and a test for its book updates as the client receives them. */
  symbol: string;
  update: (frame: string) => boolean;
  corrupt?: (frame: string) => string;
  /** Counter the drop / reorder shows up in: checksum venues see the damage in the checksum, sequenced ones as a gap. */
  detectedBy: 'checksumFailed' | 'gaps';
}

const KRAKEN_PAIRS = ['BTC-CHF', 'XMR-USD', 'ETH-CHF', 'ADA-BTC', 'WAVES-EUR', 'KSM-BTC', 'GRT-ETH', 'SC-EUR', 'OMG-USD', 'OCEAN-BTC'];
const VENUES: Venue[] = [
  {
    name: 'kraken', frames: () => merged(...KRAKEN_V1),
    plugin: (f) => new KrakenPlugin(f) as VenuePlugin<unknown>, adapter: () => new KrakenAdapter(KRAKEN_PAIRS),
    symbol: 'XMR-USD', update: (f) => f.endsWith('"book-1000","XMR/USD"]') && f.includes('"c":"'),
    corrupt: (f) => f.replace(/"c":"\d+"/, '"c":"12345"'), detectedBy: 'checksumFailed',
  },
  {
    name: 'kraken v2', frames: () => merged(...KRAKEN_V1),
    plugin: (f) => new KrakenPlugin(f) as VenuePlugin<unknown>, adapter: () => new KrakenV2Adapter(KRAKEN_PAIRS),
    symbol: 'XMR-USD', update: (f) => f.startsWith('{"channel":"book","type":"update","data":[{"symbol":"XMR/USD"'),
    corrupt: (f) => f.replace(/"checksum":\d+/, '"checksum":12345'), detectedBy: 'checksumFailed',
  },
  {
    name: 'okx', frames: () => recording('cryptofeed/OKX.ws.1.0'),
    plugin: (f) => new OkxPlugin(f) as VenuePlugin<unknown>, adapter: () => new OkxAdapter(['BTC-USDT', 'UNI-USD-PERP', 'BTC-USD-220527']),
    symbol: 'BTC-USDT', update: (f) => f.startsWith('{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update"'),
    // The fake numbers book frames with seqId/prevSeqId as OKX does now: a lost or late update is a gap.
    corrupt: (f) => f.replace(/"checksum":(-?\d+)/, (_, c: string) => `"checksum":${Number(c) ^ 1}`), detectedBy: 'gaps',
  },
  {
    name: 'bybit', frames: bybitV5, plugin: (f) => new BybitPlugin(f) as VenuePlugin<unknown>, adapter: () => new BybitAdapter(BYBIT_PERPS),
    symbol: 'ETH-USDT-PERP', update: (f) => f.startsWith('{"topic":"orderbook.50.ETHUSDT","type":"delta"'),
    // No checksum on Bybit v5: the damage injected is a bid through the best ask.
    corrupt: (f) => f.replace('"b":[', '"b":[["999999","1"],'), detectedBy: 'gaps',
  },
];

/** Bybit's converted frames come from the plug-in converting the v2 recording itself: it replays the original. */
const source = (v: Venue) => (v.name === 'bybit' ? recording('cryptofeed/BYBIT.ws.25.0') : v.frames());

describe.skipIf(!hasData())(`injected faults are detected, resynced through the fake venue, and the book goes back to live ${hasData() ? '' : NO_DATA}`, () => {
  for (const v of VENUES) {
    describe(v.name, () => {
      it('replays clean through its fake plug-in: every book live, no error, no resync', () => {
        const adapter = v.adapter();
        const { run } = replayThrough(v.plugin(source(v)), adapter, source(v));
        expect(run.errors).toEqual([]);
        expect(adapter.health().every((h) => h.state === 'live' && h.resyncs === 0 && h.checksumFailed === 0 && h.gaps === 0)).toBe(true);
      });

      const faults: [string, Fault['kind'], 'checksumFailed' | 'gaps' | 'crossed'][] = [
        ['dropped update (gap)', 'drop', v.detectedBy],
        ['reordered updates', 'reorder', v.detectedBy],
        [v.name === 'bybit' ? 'crossing level' : 'corrupted checksum', { replace: v.corrupt! }, v.name === 'bybit' ? 'crossed' : 'checksumFailed'],
      ];
      for (const [what, kind, counter] of faults) {
        it(`${what}: detected, marked resyncing, resubscribed, live again with later updates verified`, () => {
          const adapter = v.adapter();
          const { run, states } = replayThrough(v.plugin(source(v)), adapter, source(v), { match: v.update, nth: 20, kind });
          const mine = run.errors.filter((e) => e.symbol === v.symbol);
          expect(mine.length).toBeGreaterThanOrEqual(1);
          expect(run.errors.filter((e) => e.symbol !== v.symbol)).toEqual([]);
          const h = adapter.health().find((x) => x.symbol === v.symbol)!;
          expect(h.state).toBe('live');
          expect(h.resyncs).toBe(1);
          if (counter !== 'crossed') expect(h[counter]).toBe(1);
          else expect(mine[0]!.message).toMatch(/crossed book 999999/);
          // Checksums kept verifying after the resync: more than the 19 updates before the fault.
          if (v.name !== 'bybit') expect(h.checksumOk).toBeGreaterThan(19);
          // The resync went to the venue, which answered with a snapshot the later updates build on.
          expect(run.sent.length).toBe(2);
          expect(run.sent[0]).toMatch(/unsubscribe/);
          const at = states.findIndex((s) => s.includes(`${v.symbol}:resyncing`));
          expect(at).toBeGreaterThan(0);
          expect(states.slice(at).some((s) => s.includes(`${v.symbol}:live`))).toBe(true);
          expect(adapter.health().filter((x) => x.symbol !== v.symbol).every((x) => x.resyncs === 0 && x.state === 'live')).toBe(true);
        });
      }
    });
  }
});
