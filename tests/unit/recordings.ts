import { join } from 'node:path';
import { readRecording, type RecordedFrame } from '../../tools/fake-exchange/recording';
import { DATA_DIR, hasData } from '../../tools/paths';

export { hasData };
/** Why a data-driven test did not run, printed by the skip. */
export const NO_DATA = `../shared/data is absent (looked in ${DATA_DIR})`;

const cache = new Map<string, RecordedFrame[]>();
/** A recording under ../shared/data, read once per test file. */
export function recording(rel: string): RecordedFrame[] {
  let r = cache.get(rel);
  if (!r) cache.set(rel, (r = readRecording(join(DATA_DIR, rel))));
  return r;
}

export const SPOT_0808 = 'hftbacktest/spot/btcusdt_20240808.gz';
export const SPOT_0809 = 'hftbacktest/spot/btcusdt_20240809.gz';
