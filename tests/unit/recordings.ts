import { readFileSync } from 'node:fs';
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

/** The symbols a cryptofeed session subscribed to (`l2_book` of the `configuration:` line of its `*.0` file). */
export function configuredSymbols(rel: string): string[] {
  const line = readFileSync(join(DATA_DIR, rel), 'utf8').split('\n').find((l) => l.startsWith('configuration: '));
  return (JSON.parse(line!.slice('configuration: '.length)) as { l2_book: string[] }).l2_book;
}

/** The body of the first REST response in a CF-REST file. */
export const restBody = (rel: string): string => recording(rel).find((r) => r.kind === 'rest')!.frame;
