import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The real recordings handed over beside the repo; never copied into it. */
export const DATA_DIR = resolve(REPO_ROOT, '../shared/data');
export const hasData = (): boolean => existsSync(DATA_DIR);

/** A recording given on the command line: absolute, relative to the working directory, or relative to ../shared/data. */
export function resolveRecording(p: string): string {
  if (isAbsolute(p)) return p;
  const local = resolve(p);
  return existsSync(local) ? local : resolve(DATA_DIR, p);
}
