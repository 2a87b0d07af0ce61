import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OkxAdapter } from '../../worker/ingest/okx';
import { scanOkxBook } from '../../worker/ingest/okx-scan';
import { feed } from './adapter-harness';
import { hasData, NO_DATA, recording } from './recordings';
import { mutatedFramesReadAsJsonParse } from './scanner-subset';

/** What the adapter reads of a frame the slow way: JSON.parse, each book level cut to its price and size strings. */
function slow(frame: string): unknown {
  const j = JSON.parse(frame) as { data?: Record<string, unknown>[] };
  const d = Array.isArray(j.data) ? j.data[0] : undefined;
  for (const k of ['asks', 'bids']) {
    const v = d?.[k];
    if (Array.isArray(v) && v.every((l) => Array.isArray(l) && l.length >= 2)) d![k] = v.map((l: unknown[]) => l.slice(0, 2));
  }
  return j;
}

const WS = 'cryptofeed/OKX.ws.1.0';

describe.skipIf(!hasData())(`scanOkxBook ${hasData() ? '' : NO_DATA}`, () => {
  it('reads every recorded OKX book push exactly as JSON.parse does, and leaves every other frame to it', () => {
    let scanned = 0;
    let left = 0;
    for (const r of recording(WS)) {
      if (r.kind !== 'ws') continue;
      const s = scanOkxBook(r.frame);
      if (s === undefined) left++;
      else {
        scanned++;
        if (!isDeepStrictEqual(s, slow(r.frame))) expect.fail(`${WS}:${r.line} differs`);
      }
    }
    // 3 snapshots + 287 updates; the rest are trades, tickers and subscribe acknowledgements.
    expect(scanned).toBe(290);
    expect(left).toBe(120);
  });

  it('accepts a mutated frame only if JSON.parse accepts it and reads the same', () => {
    const frames = recording(WS).filter((r) => r.kind === 'ws' && scanOkxBook(r.frame) !== undefined).map((r) => r.frame);
    const accepted = mutatedFramesReadAsJsonParse(frames, scanOkxBook, slow, 5_000, 7);
    // Many mutations (a digit, a letter inside a string) stay valid: the comparison really ran.
    expect(accepted).toBeGreaterThan(500);
  });
});

describe.skipIf(!hasData())(`OkxAdapter, scanned or parsed ${hasData() ? '' : NO_DATA}`, () => {
  it('emits the same events and verifies the same checksums whether its book pushes take the scanner or JSON.parse', () => {
    const frames = recording(WS);
    // A space after the first colon is still JSON but outside the scanner's subset.
    const parsed = frames.map((r) => ({ ...r, frame: r.frame.replace('":', '": ') }));
    expect(parsed.filter((r) => r.kind === 'ws' && scanOkxBook(r.frame) !== undefined)).toEqual([]);
    const symbols = ['BTC-USDT', 'UNI-USD-PERP', 'BTC-USD-220527'];
    const fastAdapter = new OkxAdapter(symbols);
    const slowAdapter = new OkxAdapter(symbols);
    const a = feed(fastAdapter, frames);
    const b = feed(slowAdapter, parsed);
    expect(a.errors).toEqual([]);
    expect(a.events.length).toBe(392);
    expect(b).toStrictEqual(a);
    expect(fastAdapter.health().map((h) => h.checksumOk)).toEqual([98, 93, 99]);
    expect(slowAdapter.health()).toStrictEqual(fastAdapter.health());
  });
});
