import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { scanCombined } from '../../worker/ingest/binance-scan';
import { hasData, NO_DATA, recording, SPOT_0808 } from './recordings';
import { mutatedFramesReadAsJsonParse } from './scanner-subset';

/** What the adapter makes of a frame the slow way: JSON.parse, then price/qty pairs as numbers. */
function slow(frame: string): unknown {
  const j = JSON.parse(frame) as { data?: Record<string, unknown> };
  for (const k of ['b', 'a']) {
    const v = j.data?.[k];
    if (Array.isArray(v) && v.every((l) => Array.isArray(l) && l.length === 2 && typeof l[0] === 'string' && typeof l[1] === 'string')) {
      j.data![k] = v.map((l: string[]) => [+l[0]!, +l[1]!]);
    }
  }
  return j;
}

const FILES = [SPOT_0808, 'hftbacktest/usdm/btcusdt_20240808.gz', 'cryptofeed/BINANCE.ws.1.0', 'cryptofeed/BINANCE_FUTURES.ws.1.0'];

// Four whole recordings (137k frames) parsed twice: seconds of CPU alone, many times that on a loaded shared machine.
describe.skipIf(!hasData())(`scanCombined ${hasData() ? '' : NO_DATA}`, { timeout: 120_000 }, () => {
  it('reads every recorded Binance frame it accepts exactly as JSON.parse does, and leaves the rest to it', () => {
    let scanned = 0;
    let left = 0;
    for (const f of FILES) {
      for (const r of recording(f)) {
        const s = scanCombined(r.frame);
        if (s === undefined) left++;
        else {
          scanned++;
          if (!isDeepStrictEqual(s, slow(r.frame))) expect.fail(`${f}:${r.line} differs`);
        }
      }
    }
    // All but the two REST snapshots and the cryptofeed frames with nested objects (klines) take the fast path.
    expect(scanned).toBe(136_932);
    expect(left).toBe(71);
  });

  it('accepts a mutated frame only if JSON.parse accepts it and reads the same', () => {
    const frames = recording(SPOT_0808).slice(0, 300).map((r) => r.frame);
    const accepted = mutatedFramesReadAsJsonParse(frames, scanCombined, slow, 5_000, 7);
    // Many mutations (a digit, a letter inside a string) stay valid: the comparison really ran.
    expect(accepted).toBeGreaterThan(500);
  });
});
