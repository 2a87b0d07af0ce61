import { join } from 'node:path';
import type { Venue } from '../shared/market/types';
import type { RecordedFrame } from '../tools/fake-exchange/recording';
import { loadTimeline, replay } from '../tools/normalize';
import { DATA_DIR, hasData } from '../tools/paths';
import { currentProtocol, VENUE_RECORDINGS } from '../tools/venue-recordings';
import { ADAPTERS } from '../worker/ingest/registry';
import { CCXT_DRIVERS } from './ccxt-drivers';
import { writeResults } from './results';

/**
 * Timed rounds per peer, interleaved so machine load hits every peer alike; the fastest round counts.
 * Timed in this process's CPU time, not wall time: the benchmark machine is shared, and other processes'
 * load then stretches wall time without saying anything about the code.
 */
const ROUNDS = 5;

type Peer = 'json' | 'edgetape' | 'ccxt';

async function time(fn: () => void | Promise<void>): Promise<number> {
  const t0 = process.cpuUsage();
  await fn();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000;
}

/** The three peers over the same records: bare JSON.parse, the edgetape adapter end to end, ccxt's own handlers. */
function peers(venue: Venue, sessions: RecordedFrame[][]): Partial<Record<Peer, () => void | Promise<void>>> {
  let events = 0;
  const out = { event: () => void events++, error: () => {} };
  const ccxt = CCXT_DRIVERS[venue];
  return {
    json: () => {
      for (const s of sessions) for (const r of s) JSON.parse(r.frame);
    },
    // Parse, normalize, keep every book in sync (snapshots, sequence checks, crossing, checksums where the venue has them).
    edgetape: () => {
      for (const s of sessions) replay(ADAPTERS[venue]!([]), s, out);
    },
    ...(ccxt && {
      ccxt: async () => {
        for (const s of sessions) {
          const feed = ccxt();
          for (const r of s) {
            const p = feed(r);
            if (p) await p;
          }
        }
      },
    }),
  };
}

export async function run(): Promise<void> {
  if (!hasData()) {
    console.log(`skipped: ../shared/data is absent (looked in ${DATA_DIR})`);
    return;
  }
  const rows: Record<string, unknown>[] = [];
  console.log(`best of ${ROUNDS} rounds, process CPU time; msg/s and MB/s of frames (REST snapshot bodies included)`);
  console.log('| venue | frames | MB | JSON.parse msg/s (MB/s) | edgetape msg/s (MB/s) | ccxt 4.5 msg/s (MB/s) | edgetape cost ÷ JSON.parse | edgetape ÷ ccxt speed |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const venue of Object.keys(ADAPTERS) as Venue[]) {
    const files = VENUE_RECORDINGS[venue];
    if (!files) {
      console.log(`| ${venue} | no recording in tools/venue-recordings.ts | | | | | | |`);
      continue;
    }
    const sessions = files.map((s) => currentProtocol(venue, loadTimeline(s.map((f) => join(DATA_DIR, f)), () => {})));
    const frames = sessions.reduce((n, s) => n + s.length, 0);
    const bytes = sessions.reduce((n, s) => n + s.reduce((m, r) => m + Buffer.byteLength(r.frame), 0), 0);
    const fns = peers(venue, sessions);
    const best: Partial<Record<Peer, number>> = {};
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [peer, fn] of Object.entries(fns) as [Peer, () => void | Promise<void>][]) {
        const ms = await time(fn);
        if (round > 0) best[peer] = Math.min(best[peer] ?? Infinity, ms); // round 0 warms the JIT
      }
    }
    const rate = (ms: number | undefined) => (ms === undefined ? undefined : { msgPerS: Math.round(frames / (ms / 1000)), mbPerS: +(bytes / 1e6 / (ms / 1000)).toFixed(1), ms: +ms.toFixed(1) });
    const r = { json: rate(best.json), edgetape: rate(best.edgetape), ccxt: rate(best.ccxt) };
    const costVsJson = best.edgetape! / best.json!;
    const vsCcxt = best.ccxt === undefined ? undefined : best.ccxt / best.edgetape!;
    rows.push({ venue, recordings: files, frames, bytes, ...r, costVsJson: +costVsJson.toFixed(2), speedupVsCcxt: vsCcxt && +vsCcxt.toFixed(1) });
    const cell = (x: typeof r.json) => (x ? `${x.msgPerS.toLocaleString('en')} (${x.mbPerS})` : 'n/a: no ccxt driver');
    console.log(`| ${venue} | ${frames.toLocaleString('en')} | ${(bytes / 1e6).toFixed(1)} | ${cell(r.json)} | ${cell(r.edgetape)} | ${cell(r.ccxt)} | ${costVsJson.toFixed(2)}× | ${vsCcxt ? `${vsCcxt.toFixed(1)}×` : 'n/a'} |`);
  }
  console.log(`wrote ${writeResults('normalize', { rounds: ROUNDS, rows })}`);
}
