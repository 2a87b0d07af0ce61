import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { OrderBook } from '../shared/market/book';
import { VENUES, type MarketEvent, type Venue } from '../shared/market/types';
import type { Adapter } from '../worker/ingest/adapter';
import { currentProtocol } from './venue-recordings';
import { ADAPTERS } from '../worker/ingest/registry';
import { readRecording, type RecordedFrame } from './fake-exchange/recording';
import { resolveRecording } from './paths';

export interface Summary {
  type: 'summary';
  exchange: Venue;
  symbol: string;
  bestBid: number | null;
  bestBidSize: number | null;
  bestAsk: number | null;
  bestAskSize: number | null;
  events: number;
  gaps: number;
  checksumOk: number;
  checksumFailed: number;
  errors: number;
  resyncs: number;
  state: string;
}

interface Stats {
  book: OrderBook;
  /** Whether a book event was seen; otherwise the last bbo is the top of book. */
  hasBook: boolean;
  bbo: [number, number, number, number] | undefined;
  events: number;
  errors: number;
}

/** cryptofeed keeps REST snapshots beside the socket recording: `X.ws.N.0` → `X.http.0.0`, instruments in `X.0`. */
const sibling = (file: string, suffix: string): string | undefined => {
  const m = /^(.+)\.ws\.\d+\.0$/.exec(basename(file));
  const p = m ? join(dirname(file), `${m[1]}${suffix}`) : undefined;
  return p && existsSync(p) ? p : undefined;
};

/** Symbols the session subscribed, where the recording says: cryptofeed's configuration line or the edgetape header. */
function subscribedSymbols(file: string): string[] {
  const conf = sibling(file, '.0');
  try {
    if (conf) {
      const line = readFileSync(conf, 'utf8').split('\n').find((l) => l.startsWith('configuration: '));
      if (line) return [...new Set(Object.values(JSON.parse(line.slice(15)) as Record<string, string[]>).flat())];
    }
    if (!file.endsWith('.gz')) {
      const head = readFileSync(file, 'utf8').slice(0, 4096).split('\n')[0]!;
      if (head.startsWith('{"edgetape":')) return (JSON.parse(head) as { symbols?: string[] }).symbols ?? [];
    }
  } catch {
    // no usable subscription list: the adapter learns instruments from the frames
  }
  return [];
}

/** A recorded REST response answers a request when the paths agree and every query parameter but the depth does. */
function answers(rec: RecordedFrame, path: string): boolean {
  if (rec.url === undefined) return true; // inline snapshot without its URL (hftbacktest): the one the session asked for
  const want = new URL(path, 'http://x');
  const got = new URL(rec.url, 'http://x');
  // Bitstamp's path ends in `/`; the recorded URL may not.
  if (!got.pathname.replace(/\/$/, '').endsWith(want.pathname.replace(/\/$/, ''))) return false;
  for (const [k, v] of want.searchParams) if (k !== 'limit' && k !== 'depth' && got.searchParams.get(k) !== v) return false;
  return true;
}

/**
 * Every record of the given recordings and their cryptofeed `*.http.0.0` siblings, in time order (stable:
 * recordings without a clock keep their line order). Unreadable lines go to `onBad`.
 */
export function loadTimeline(files: string[], onBad: (file: string, line: number, message: string) => void): RecordedFrame[] {
  const records: RecordedFrame[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    const h = sibling(f, '.http.0.0');
    for (const file of h ? [f, h] : [f]) {
      if (seen.has(file)) continue;
      seen.add(file);
      records.push(...readRecording(file, (line, text, reason) => onBad(file, line, `${reason}: ${text}`)));
    }
  }
  return records.map((r, i) => ({ r, i })).sort((a, b) => a.r.t - b.r.t || a.i - b.i).map((x) => x.r);
}

export interface ReplaySink {
  event(e: MarketEvent): void;
  /** An adapter error, with the record being handled when it was raised. */
  error(message: string, symbol: string | undefined, rec: RecordedFrame | undefined): void;
}

/**
 * Replays a timeline through an adapter. REST snapshots the adapter asks for are answered from the
 * timeline's REST records: the first matching response not yet used at or after the request (delivered
 * when the replay reaches its time, as it arrived live), else the nearest earlier one. Each recorded
 * response is handed out once, so a resync the recording cannot satisfy stays visible. `after` sees
 * every record once the adapter has handled it.
 */
export function replay(adapter: Adapter, timeline: readonly RecordedFrame[], out: ReplaySink, after?: (rec: RecordedFrame) => void): void {
  const rest = timeline.filter((r) => r.kind === 'rest');
  const used = new Set<RecordedFrame>();
  let current: RecordedFrame | undefined;
  let now = 0;
  const due: { rec: RecordedFrame; symbol: string }[] = [];
  const sink = {
    event: (e: MarketEvent) => out.event(e),
    error: (message: string, symbol?: string) => out.error(message, symbol, current),
    send() {},
    snapshot(symbol: string, path: string) {
      const free = rest.filter((r) => !used.has(r) && answers(r, path));
      const rec = free.find((r) => r.t >= now) ?? free.sort((a, b) => Math.abs(a.t - now) - Math.abs(b.t - now))[0];
      if (!rec) return;
      used.add(rec);
      due.push({ rec, symbol });
    },
  };
  const deliver = (until: number) => {
    if (due.length === 0) return;
    due.sort((a, b) => a.rec.t - b.rec.t);
    while (due.length && due[0]!.rec.t <= until) {
      const { rec, symbol } = due.shift()!;
      current = rec;
      adapter.onSnapshot?.(symbol, rec.frame, now, sink);
    }
  };
  for (const rec of timeline) {
    now = Math.max(now, rec.t);
    deliver(now);
    current = rec;
    if (rec.kind !== 'rest') adapter.parse(rec.frame, rec.t, sink);
    deliver(now);
    after?.(rec);
  }
  deliver(Infinity);
}

/** Normalizes recordings with a venue's adapter; per instrument, the summary the CLI prints last. */
export function normalize(
  venue: Venue,
  files: string[],
  out: { event(e: MarketEvent): void; error(file: string, line: number, message: string): void },
  symbols?: string[],
): Summary[] {
  const make = ADAPTERS[venue];
  if (!make) throw new Error(`no adapter for ${venue}; registered: ${Object.keys(ADAPTERS).join(', ')}`);
  const timeline = currentProtocol(venue, loadTimeline(files, out.error));
  const adapter = make(symbols ?? subscribedSymbols(files[0]!));
  const stats = new Map<string, Stats>();
  const stat = (symbol: string): Stats => {
    let s = stats.get(symbol);
    if (!s) stats.set(symbol, (s = { book: new OrderBook(), hasBook: false, bbo: undefined, events: 0, errors: 0 }));
    return s;
  };
  replay(adapter, timeline, {
    event(e) {
      const s = stat(e.symbol);
      s.events++;
      if (e.type === 'book') {
        s.hasBook = true;
        if (e.kind === 'snapshot') s.book.clear();
        for (const [p, q] of e.bids) s.book.bids.set(p, q);
        for (const [p, q] of e.asks) s.book.asks.set(p, q);
      } else if (e.type === 'bbo') s.bbo = [e.bid, e.bidSize, e.ask, e.askSize];
      out.event(e);
    },
    error(message, symbol, rec) {
      if (symbol) stat(symbol).errors++;
      out.error(rec?.file ?? '', rec?.line ?? 0, message);
    },
  });
  const health = new Map(adapter.health().map((h) => [h.symbol, h]));
  for (const h of health.keys()) stat(h);
  return [...stats].sort(([a], [b]) => a.localeCompare(b)).map(([symbol, s]) => {
    const h = health.get(symbol);
    const b = s.book;
    const top = s.hasBook
      ? [b.bids.length ? b.bids.bestPrice : null, b.bids.length ? b.bids.bestSize : null, b.asks.length ? b.asks.bestPrice : null, b.asks.length ? b.asks.bestSize : null]
      : (s.bbo ?? [null, null, null, null]);
    return {
      type: 'summary', exchange: venue, symbol, bestBid: top[0]!, bestBidSize: top[1]!, bestAsk: top[2]!, bestAskSize: top[3]!,
      events: s.events, gaps: h?.gaps ?? 0, checksumOk: h?.checksumOk ?? 0, checksumFailed: h?.checksumFailed ?? 0, errors: s.errors,
      resyncs: h?.resyncs ?? 0, state: h?.state ?? 'unknown',
    };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { exchange: { type: 'string' }, input: { type: 'string' }, symbols: { type: 'string' } },
  });
  const venue = values.exchange as Venue | undefined;
  if (!venue || !values.input || !(VENUES as readonly string[]).includes(venue)) {
    console.error(`usage: npm run normalize -- --exchange <${VENUES.join('|')}> --input <file[,file…]> [--symbols A-B,C-D]`);
    process.exit(2);
  }
  const files = values.input.split(',').map((f) => resolveRecording(f.trim()));
  for (const f of files) if (!existsSync(f)) throw new Error(`no such recording: ${f}`);
  // Batched writes: one syscall per few hundred events instead of one per event.
  let buf: string[] = [];
  const flush = () => {
    if (buf.length) process.stdout.write(`${buf.join('\n')}\n`);
    buf = [];
  };
  const summaries = normalize(venue, files, {
    event(e) {
      if (buf.push(JSON.stringify(e)) >= 512) flush();
    },
    error(file, line, message) {
      flush();
      process.stderr.write(`${basename(file)}:${line}: ${message}\n`);
    },
  }, values.symbols?.split(','));
  for (const s of summaries) buf.push(JSON.stringify(s));
  flush();
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? 0 : 1));
  main().catch((e: unknown) => {
    console.error(`normalize: ${(e as Error).message}`);
    process.exit(1);
  });
}
