import { join } from 'node:path';
import type { Venue } from '../shared/market/types';
import type { RecordedFrame } from '../tools/fake-exchange/recording';
import { toKrakenV2 } from '../tools/kraken-v2';
import { loadTimeline, replay } from '../tools/normalize';
import { DATA_DIR, hasData } from '../tools/paths';
import { currentProtocol, VENUE_RECORDINGS } from '../tools/venue-recordings';
import type { Adapter } from '../worker/ingest/adapter';
import { KrakenV2Adapter } from '../worker/ingest/kraken-v2';
import { ADAPTERS } from '../worker/ingest/registry';
import { CCXT_DRIVERS, CCXT_MISSING, type CcxtFeed } from './ccxt-drivers';
import { writeResults } from './results';

/**
 * Timed rounds per peer, interleaved so machine load hits every peer alike; the fastest round counts.
 * Timed in this process's CPU time, not wall time: the benchmark machine is shared, and other processes'
 * load then stretches wall time without saying anything about the code.
 */
const ROUNDS = 5;
/** Short recordings are replayed (with fresh state) until a round holds this many bytes, so a round outlasts timer noise. */
const MIN_ROUND_BYTES = 20e6;

type Peer = 'json' | 'edgetape' | 'ccxt';

/** One table row: a venue's recordings as both peers get them. */
interface Row {
  label: string;
  venue: Venue;
  adapter: () => Adapter;
  /** The frames as the adapter (and JSON.parse, and ccxt) get them. */
  convert?: (frames: RecordedFrame[]) => RecordedFrame[];
  /** Why ccxt is not in this row, when it is not. */
  noCcxt?: string;
}

/** `NORMALIZE_VENUES=coinbase,bybit` runs only those venues' rows (and writes normalize-coinbase-bybit.json, not the full table's file). */
const ONLY = process.env.NORMALIZE_VENUES?.split(',').filter(Boolean);

const ROWS: Row[] = (Object.keys(ADAPTERS) as Venue[]).filter((v) => !ONLY || ONLY.includes(v)).flatMap((venue): Row[] => {
  const adapter = () => ADAPTERS[venue]!([]);
  if (venue !== 'kraken') return [{ label: venue, venue, adapter, noCcxt: CCXT_MISSING[venue] }];
  // ccxt speaks only Kraken v2: v1 (the recorded protocol) runs without it; v2 runs both on the converted recordings.
  return [
    { label: 'kraken (v1)', venue, adapter, noCcxt: 'ccxt 4.5 speaks only Kraken v2: see the v2 row' },
    { label: 'kraken (v2, converted)', venue, adapter: () => new KrakenV2Adapter([]), convert: toKrakenV2 },
  ];
});

async function time(fn: () => void | Promise<void>): Promise<number> {
  const t0 = process.cpuUsage();
  await fn();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000;
}

/** The three peers over the same records: bare JSON.parse, the edgetape adapter end to end, ccxt's own handlers. */
function peers(row: Row, sessions: RecordedFrame[][], symbols: string[], reps: number, feeds: CcxtFeed[]): Partial<Record<Peer, () => void | Promise<void>>> {
  const out = { event: () => {}, error: () => {} };
  const ccxt = row.noCcxt === undefined ? CCXT_DRIVERS[row.venue] : undefined;
  return {
    json: () => {
      for (let k = 0; k < reps; k++) for (const s of sessions) for (const r of s) if (r.frame !== 'pong') JSON.parse(r.frame);
    },
    // Parse, normalize, keep every book in sync (snapshots, sequence checks, crossing, checksums where the venue has them).
    edgetape: () => {
      for (let k = 0; k < reps; k++) for (const s of sessions) replay(row.adapter(), s, out);
    },
    ...(ccxt && {
      ccxt: async () => {
        feeds.length = 0;
        for (let k = 0; k < reps; k++) {
          for (const s of sessions) {
            const feed = ccxt(symbols);
            feeds.push(feed);
            for (const r of s) {
              const p = feed(r);
              if (p) await p;
            }
          }
        }
      },
    }),
  };
}

/** The instruments a row's recordings hold, as the adapter names them (ccxt gets them as its markets). */
function symbolsOf(row: Row, sessions: RecordedFrame[][]): string[] {
  const symbols = new Set<string>();
  for (const s of sessions) replay(row.adapter(), s, { event: (e) => void symbols.add(e.symbol), error: () => {} });
  return [...symbols];
}

export async function run(): Promise<void> {
  if (!hasData()) {
    console.log(`skipped: ../shared/data is absent (looked in ${DATA_DIR})`);
    return;
  }
  const rows: Record<string, unknown>[] = [];
  const notes: string[] = [];
  console.log(`best of ${ROUNDS} rounds, process CPU time; msg/s and MB/s of frames (REST snapshot bodies included); short recordings replayed to ≥ ${MIN_ROUND_BYTES / 1e6} MB a round`);
  console.log('| venue | frames | MB | JSON.parse msg/s (MB/s) | edgetape msg/s (MB/s) | ccxt 4.5 msg/s (MB/s) | edgetape cost ÷ JSON.parse | ccxt cost ÷ JSON.parse | edgetape ÷ ccxt speed |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of ROWS) {
    const files = VENUE_RECORDINGS[row.venue];
    if (!files) {
      console.log(`| ${row.label} | no recording in tools/venue-recordings.ts | | | | | | | |`);
      continue;
    }
    const sessions = files.map((s) => {
      const frames = currentProtocol(row.venue, loadTimeline(s.map((f) => join(DATA_DIR, f)), () => {}));
      return row.convert ? row.convert(frames) : frames;
    });
    const frames = sessions.reduce((n, s) => n + s.length, 0);
    const bytes = sessions.reduce((n, s) => n + s.reduce((m, r) => m + Buffer.byteLength(r.frame), 0), 0);
    const reps = Math.max(1, Math.ceil(MIN_ROUND_BYTES / bytes));
    const symbols = symbolsOf(row, sessions);
    const feeds: CcxtFeed[] = [];
    const fns = peers(row, sessions, symbols, reps, feeds);
    const best: Partial<Record<Peer, number>> = {};
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [peer, fn] of Object.entries(fns) as [Peer, () => void | Promise<void>][]) {
        const ms = (await time(fn)) / reps;
        if (round > 0) best[peer] = Math.min(best[peer] ?? Infinity, ms); // round 0 warms the JIT
      }
    }
    const rate = (ms: number | undefined) => (ms === undefined ? undefined : { msgPerS: Math.round(frames / (ms / 1000)), mbPerS: +(bytes / 1e6 / (ms / 1000)).toFixed(1), ms: +ms.toFixed(2) });
    const r = { json: rate(best.json), edgetape: rate(best.edgetape), ccxt: rate(best.ccxt) };
    const costVsJson = best.edgetape! / best.json!;
    const vsCcxt = best.ccxt === undefined ? undefined : best.ccxt / best.edgetape!;
    const ccxtThrew = feeds.slice(0, sessions.length).reduce((n, f) => n + f.thrown, 0);
    const ccxtBooks = feeds.slice(0, sessions.length).reduce((n, f) => n + Object.values(f.tops()).filter(([b, a]) => b !== undefined && a !== undefined).length, 0);
    const noCcxt = row.noCcxt ?? (CCXT_DRIVERS[row.venue] ? undefined : 'no ccxt driver');
    rows.push({
      venue: row.label, recordings: files, frames, bytes, repeats: reps, ...r, costVsJson: +costVsJson.toFixed(2), ccxtCostVsJson: best.ccxt === undefined ? undefined : +(best.ccxt / best.json!).toFixed(2), speedupVsCcxt: vsCcxt && +vsCcxt.toFixed(1),
      ...(noCcxt ? { ccxtMissing: noCcxt } : { ccxtThrew, ccxtBooks }),
    });
    if (!noCcxt) notes.push(`${row.label}: ccxt ended with ${ccxtBooks} two-sided books; its handlers threw on ${ccxtThrew} of ${frames} frames`);
    const cell = (x: typeof r.json) => (x ? `${x.msgPerS.toLocaleString('en')} (${x.mbPerS})` : `n/a: ${noCcxt}`);
    console.log(`| ${row.label} | ${frames.toLocaleString('en')} | ${(bytes / 1e6).toFixed(2)} | ${cell(r.json)} | ${cell(r.edgetape)} | ${cell(r.ccxt)} | ${costVsJson.toFixed(2)}× | ${best.ccxt === undefined ? 'n/a' : `${(best.ccxt / best.json!).toFixed(1)}×`} | ${vsCcxt ? `${vsCcxt.toFixed(1)}×` : 'n/a'} |`);
  }
  for (const n of notes) console.log(n);
  console.log(`wrote ${writeResults(ONLY ? `normalize-${ONLY.join('-')}` : 'normalize', { rounds: ROUNDS, minRoundBytes: MIN_ROUND_BYTES, rows })}`);
}
