import { createWriteStream, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import WebSocket from 'ws';
import { VENUES, type Venue } from '../shared/market/types';
import type { Adapter, Sink } from '../worker/ingest/adapter';
import { ADAPTERS } from '../worker/ingest/registry';
import { REPO_ROOT } from './paths';

export interface RecordOptions {
  venue: Venue;
  symbols: string[];
  /** How long to record. */
  ms: number;
  /** Output file; gzip-compressed when it ends in .gz. */
  out: string;
  ws: string;
  rest: string;
  /** The venue's registered adapter when absent. */
  adapter?: Adapter;
  log?: (line: string) => void;
}

export interface RecordResult {
  frames: number;
  sent: number;
  rest: number;
  connections: number;
}

const RECONNECT_MS = 1_000;

/** Wall-clock ms with sub-ms precision, as the format's `t`. */
const now = (): number => performance.timeOrigin + performance.now();

/**
 * Records a venue session in the edgetape format (docs/recording-format.md): the adapter decides the URL,
 * subscriptions, heartbeats, answers and REST snapshots, exactly as the ExchangeFeed would, so replaying the
 * file through the fake exchange gives the edge the same session again. Reconnects while time remains.
 */
export async function record(o: RecordOptions): Promise<RecordResult> {
  const make = ADAPTERS[o.venue];
  const adapter = o.adapter ?? make?.(o.symbols);
  if (!adapter) throw new Error(`no adapter for ${o.venue} in worker/ingest/registry.ts`);
  const file = createWriteStream(o.out);
  const sinkStream = o.out.endsWith('.gz') ? createGzip() : undefined;
  sinkStream?.pipe(file);
  const out = sinkStream ?? file;
  const write = (rec: object) => out.write(`${JSON.stringify(rec)}\n`);
  const result: RecordResult = { frames: 0, sent: 0, rest: 0, connections: 0 };
  const end = Date.now() + o.ms;
  write({ edgetape: 1, exchange: o.venue, symbols: o.symbols, started: Date.now() });

  const restBase = o.rest.replace(/\/+$/, '');
  let ws: WebSocket | undefined;
  const send = (frame: string) => {
    if (ws?.readyState !== WebSocket.OPEN) return;
    ws.send(frame);
    write({ t: now(), k: 'sent', d: frame });
    result.sent++;
  };
  const pendingRest = new Set<Promise<void>>();
  const inFlight = new Set<string>();
  const sink: Sink = {
    event: () => {},
    error: (message, symbol) => o.log?.(`${symbol ?? o.venue}: ${message}`),
    send,
    snapshot: (symbol, path) => {
      const url = `${restBase}${path}`;
      // Adapters ask again on every frame while they wait; one request at a time, as the feed does.
      if (inFlight.has(url)) return;
      inFlight.add(url);
      const p = (async () => {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
          const body = await res.text();
          write({ t: now(), k: 'rest', url, status: res.status, d: body });
          result.rest++;
          if (res.ok) adapter.onSnapshot?.(symbol, body, Date.now(), sink);
        } catch (err) {
          o.log?.(`snapshot ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      })();
      pendingRest.add(p);
      void p.finally(() => {
        pendingRest.delete(p);
        inFlight.delete(url);
      });
    },
  };

  await new Promise<void>((done) => {
    let heartbeat: NodeJS.Timeout | undefined;
    let finished = false;
    const stopAt = setTimeout(() => {
      finished = true;
      clearInterval(heartbeat);
      if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'recording done');
      else done();
    }, Math.max(0, end - Date.now()));
    const connect = () => {
      const url = adapter.url(o.ws);
      write({ t: now(), k: 'open', url });
      result.connections++;
      const sock = new WebSocket(url);
      ws = sock;
      sock.on('open', () => {
        for (const m of adapter.subscribeMessages()) send(m);
        const hb = adapter.heartbeat;
        if (hb) heartbeat = setInterval(() => send(hb.frame), hb.intervalMs);
      });
      sock.on('message', (data: Buffer, isBinary: boolean) => {
        const t = now();
        if (isBinary) {
          write({ t, k: 'ws', d: data.toString('base64'), b64: true });
        } else {
          const text = data.toString('utf8');
          write({ t, k: 'ws', d: text });
          adapter.parse(text, Math.floor(t), sink);
        }
        result.frames++;
      });
      sock.on('error', (err) => o.log?.(`socket error: ${err.message}`));
      sock.on('close', (code, reason) => {
        clearInterval(heartbeat);
        write({ t: now(), k: 'close', code, reason: reason.toString() });
        adapter.reset();
        if (!finished) {
          o.log?.(`connection closed (${code}); reconnecting`);
          setTimeout(connect, RECONNECT_MS);
        } else {
          clearTimeout(stopAt);
          done();
        }
      });
    };
    connect();
  });
  await Promise.all(pendingRest);
  await new Promise<void>((ok, fail) => {
    file.once('finish', ok);
    file.once('error', fail);
    out.end();
  });
  return result;
}

/** The VENUES variable of wrangler.toml, as text: the edge's own configuration of the live endpoints. */
export function shippedVenues(): string {
  const toml = readFileSync(resolve(REPO_ROOT, 'wrangler.toml'), 'utf8');
  const m = /^VENUES = '''([\s\S]*?)'''/m.exec(toml);
  if (!m) throw new Error("wrangler.toml has no VENUES = '''…''' variable");
  return m[1]!;
}

/** The live endpoints of a venue, from wrangler.toml. */
export function liveUrls(venue: Venue): { ws: string; rest: string } {
  const entry = (JSON.parse(shippedVenues()) as Record<string, { ws: string; rest: string }>)[venue];
  if (!entry) throw new Error(`${venue} has no entry in wrangler.toml VENUES; pass --ws-url and --rest-url`);
  return entry;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      exchange: { type: 'string' },
      symbols: { type: 'string' },
      minutes: { type: 'string', default: '1' },
      out: { type: 'string' },
      'ws-url': { type: 'string' },
      'rest-url': { type: 'string' },
    },
  });
  const venue = values.exchange as Venue | undefined;
  const minutes = Number(values.minutes);
  const usage = 'usage: npm run record -- --exchange <venue> --symbols BTC-USDT[,ETH-USDT] --minutes <n> --out <file[.gz]> [--ws-url URL --rest-url URL]';
  if (!venue || !VENUES.includes(venue) || !values.symbols || !values.out || !(minutes > 0)) {
    console.error(`${usage}\nvenues: ${VENUES.join(', ')}`);
    process.exit(2);
  }
  const urls = values['ws-url'] && values['rest-url'] ? { ws: values['ws-url'], rest: values['rest-url'] } : liveUrls(venue);
  const symbols = values.symbols.split(',').map((s) => s.trim()).filter(Boolean);
  const r = await record({ venue, symbols, ms: minutes * 60_000, out: values.out, ...urls, log: (l) => console.error(l) });
  console.log(`recorded ${r.frames} frames, ${r.sent} sent, ${r.rest} REST responses over ${r.connections} connection(s) to ${values.out}`);
}
