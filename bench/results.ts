import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../tools/paths';

/** Writes bench/results/<name>.json with the machine it ran on, so figures are never quoted without context. */
export function writeResults(name: string, results: unknown): string {
  const dir = join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const machine = { node: process.version, platform: platform(), arch: arch(), cpu: cpus()[0]?.model, cores: cpus().length };
  writeFileSync(file, `${JSON.stringify({ name, date: new Date().toISOString(), machine, results }, null, 2)}\n`);
  return file;
}
