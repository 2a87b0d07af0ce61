import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Venue } from '../../shared/market/types';
import { DATA_DIR, REPO_ROOT } from '../../tools/paths';
import { hasData, NO_DATA } from './recordings';

/** cryptofeed's file prefix → venue; the other exchanges in ../shared/data have no adapter yet. */
const PREFIX: Record<string, Venue> = {
  BINANCE: 'binance', BINANCE_FUTURES: 'binance-usdm', COINBASE: 'coinbase', BITSTAMP: 'bitstamp', BITMEX: 'bitmex',
  KRAKEN: 'kraken', OKX: 'okx', BYBIT: 'bybit',
};
const NO_ADAPTER = ['BITFINEX', 'DERIBIT', 'GEMINI', 'HUOBI', 'KUCOIN'];

/** Every socket recording in ../shared/data with the venue that reads it. */
function recordings(): { file: string; venue: Venue }[] {
  const out: { file: string; venue: Venue }[] = [];
  for (const f of readdirSync(join(DATA_DIR, 'cryptofeed')).sort()) {
    const m = /^([A-Z_]+)\.ws\.\d+\.0$/.exec(f);
    if (!m) continue;
    if (NO_ADAPTER.includes(m[1]!)) continue;
    const venue = PREFIX[m[1]!];
    if (!venue) throw new Error(`cryptofeed/${f}: a venue this test does not know`);
    out.push({ file: `cryptofeed/${f}`, venue });
  }
  for (const [dir, venue] of [['spot', 'binance'], ['usdm', 'binance-usdm']] as const) {
    for (const f of readdirSync(join(DATA_DIR, 'hftbacktest', dir)).sort()) if (f.endsWith('.gz')) out.push({ file: `hftbacktest/${dir}/${f}`, venue });
  }
  return out;
}

type Line = Record<string, unknown>;
const cli = (venue: Venue, input: string) => {
  const r = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), [join(REPO_ROOT, 'tools/normalize.ts'), '--exchange', venue, '--input', input], {
    encoding: 'utf8', cwd: REPO_ROOT, maxBuffer: 1 << 30,
  });
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  return { status: r.status, stderr: r.stderr, lines, summaries: lines.filter((l) => l.type === 'summary') };
};

const top = (s: Line) => [s.symbol, s.state, s.events, s.bestBid, s.bestAsk];

describe.skipIf(!hasData())(`npm run normalize on every recording of the eight venues ${hasData() ? '' : NO_DATA}`, () => {
  const all = hasData() ? recordings() : [];

  it('finds the 14 socket recordings of the eight venues', () => {
    expect(all.map((r) => r.file)).toEqual([
      'cryptofeed/BINANCE.ws.1.0', 'cryptofeed/BINANCE_FUTURES.ws.1.0', 'cryptofeed/BITMEX.ws.1.0', 'cryptofeed/BITSTAMP.ws.1.0',
      'cryptofeed/BYBIT.ws.25.0', 'cryptofeed/BYBIT.ws.26.0', 'cryptofeed/COINBASE.ws.28.0', 'cryptofeed/KRAKEN.ws.48.0',
      'cryptofeed/KRAKEN.ws.49.0', 'cryptofeed/KRAKEN.ws.50.0', 'cryptofeed/OKX.ws.1.0',
      'hftbacktest/spot/btcusdt_20240808.gz', 'hftbacktest/spot/btcusdt_20240809.gz', 'hftbacktest/usdm/btcusdt_20240808.gz',
    ]);
  });

  it.each(all)('$file ($venue): zero errors, no gaps or failed checksums, one summary per instrument last, books never crossed', ({ file, venue }) => {
    const { status, stderr, lines, summaries } = cli(venue, file);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(summaries.length).toBeGreaterThan(0);
    expect(lines.slice(-summaries.length)).toEqual(summaries);
    for (const s of summaries) {
      expect(s, String(s.symbol)).toMatchObject({ exchange: venue, errors: 0, gaps: 0, checksumFailed: 0, resyncs: 0 });
      if (s.bestBid !== null && s.bestAsk !== null) expect(s.bestBid as number).toBeLessThan(s.bestAsk as number);
    }
    // Events per instrument add up to the events printed.
    expect(summaries.reduce((n, s) => n + (s.events as number), 0)).toBe(lines.length - summaries.length);
    for (const l of lines) if (l.type === 'book') expect(l.exchange).toBe(venue);
  }, 120_000);

  it('OKX: exact summaries, every book checksum verified', () => {
    const { summaries } = cli('okx', 'cryptofeed/OKX.ws.1.0');
    expect(summaries.map((s) => [...top(s), s.checksumOk])).toEqual(OKX);
  }, 60_000);

  it('Kraken book socket alone: exact summaries, 4,269 book checksums verified, none failed', () => {
    const { summaries } = cli('kraken', 'cryptofeed/KRAKEN.ws.50.0');
    expect(summaries.map((s) => [...top(s), s.checksumOk])).toEqual(KRAKEN);
    expect(summaries.reduce((n, s) => n + (s.checksumOk as number), 0)).toBe(4269);
  }, 60_000);

  it('the spot continuation file alone has no snapshot: the book waits for one, honestly not live, with its trades and quotes', () => {
    const { summaries } = cli('binance', 'hftbacktest/spot/btcusdt_20240809.gz');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ symbol: 'BTC-USDT', state: 'syncing', events: 55281, errors: 0, resyncs: 0 });
  }, 60_000);
});

/** [symbol, state, events, bestBid, bestAsk, checksumOk] at the end of the recording. */
const OKX: unknown[][] = [
  ['BTC-USD-220527', 'live', 105, 30229.4, 30238.8, 99],
  ['BTC-USDT', 'live', 192, 30236.1, 30236.2, 98],
  ['UNI-USD-PERP', 'live', 95, 5.137, 5.145, 93],
];
const KRAKEN: unknown[][] = [
  ['ADA-BTC', 'live', 348, 2.288e-05, 2.29e-05, 347],
  ['BTC-CHF', 'live', 290, 56060.3, 56194.2, 289],
  ['ETH-CHF', 'live', 318, 2183.69, 2190.17, 317],
  ['GRT-ETH', 'live', 21, 0.0008335, 0.0008362, 20],
  ['KSM-BTC', 'live', 336, 0.00756, 0.007566, 335],
  ['OCEAN-BTC', 'live', 149, 2.774e-05, 2.781e-05, 148],
  ['OMG-USD', 'live', 574, 9.586075, 9.604799, 573],
  ['SC-EUR', 'live', 819, 0.04307, 0.04317, 818],
  ['WAVES-EUR', 'live', 577, 13.233, 13.2581, 576],
  ['XMR-USD', 'live', 847, 353.64, 354.48, 846],
];
