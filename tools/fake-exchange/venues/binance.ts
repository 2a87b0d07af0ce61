import type { RecordedFrame } from '../recording';
import type { HttpAnswer, Session, VenuePlugin } from '../venue';

interface BinanceSession {
  /** `/stream` wraps payloads as {stream,data}; `/ws` sends them bare. */
  combined: boolean;
  streams: Set<string>;
}

interface Book {
  lastUpdateId: number;
  /** Event and transaction time of the last applied diff: USD-M's depth answer carries them. */
  E: number;
  T: number;
  bids: Map<string, string>;
  asks: Map<string, string>;
}

/** Where Binance spot and USD-M futures differ for the fake: the REST prefix, and USD-M's `E`/`T` in the depth answer. */
export interface BinanceApi {
  venue: 'binance' | 'binance-usdm';
  /** `/api/v3` (spot) or `/fapi/v1` (USD-M). */
  rest: string;
  futures: boolean;
}

export const SPOT_API: BinanceApi = { venue: 'binance', rest: '/api/v3', futures: false };
export const USDM_API: BinanceApi = { venue: 'binance-usdm', rest: '/fapi/v1', futures: true };

const STREAM_RE = /^\{"stream":"([^"]+)","data":/;
const MAX_STREAMS = 1024;

/**
 * Binance public market data, spot (`SPOT_API`) or USD-M futures (`USDM_API`), as the venue serves it:
 * combined and raw streams, SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS with their replies, and GET
 * /api/v3/depth (USD-M: /fapi/v1/depth, with `E` and `T`) answered from a book kept current by applying the
 * replayed diffs to the recorded snapshot, as a real snapshot would be. The recorded diffs go out as
 * recorded, so USD-M's `pu` chain is the venue's own. A recording holds one depth speed (hftbacktest's
 * USD-M file `@depth@0ms`): a subscription to any depth stream of the symbol gets it, under the
 * requested name.
 */
export class BinancePlugin implements VenuePlugin<BinanceSession> {
  readonly venue: string;
  private books = new Map<string, Book>();
  private initial = new Map<string, Book>();

  /** The recording's REST snapshots, so a depth request before the replay reaches them still answers. */
  constructor(
    recording: readonly RecordedFrame[],
    private readonly api: BinanceApi = SPOT_API,
  ) {
    this.venue = api.venue;
    for (const rec of recording) {
      if (!rec.frame.startsWith('{"lastUpdateId"')) continue;
      const symbol = rec.kind === 'rest' && rec.url ? (new URL(rec.url).searchParams.get('symbol') ?? '').toLowerCase() : symbolOfFile(rec.file);
      if (this.initial.has(symbol)) continue;
      const snap = JSON.parse(rec.frame) as { lastUpdateId: number; E?: number; T?: number; bids: [string, string][]; asks: [string, string][] };
      this.initial.set(symbol, { lastUpdateId: snap.lastUpdateId, E: snap.E ?? 0, T: snap.T ?? 0, bids: new Map(snap.bids), asks: new Map(snap.asks) });
    }
    this.reset();
  }

  reset(): void {
    this.books = new Map([...this.initial].map(([s, b]) => [s, { ...b, bids: new Map(b.bids), asks: new Map(b.asks) }]));
  }

  accept(url: URL): BinanceSession | undefined {
    if (url.pathname === '/stream') {
      const streams = (url.searchParams.get('streams') ?? '').split('/').filter(Boolean);
      return { combined: true, streams: new Set(streams) };
    }
    if (url.pathname === '/ws' || url.pathname.startsWith('/ws/')) {
      const stream = url.pathname.slice(4);
      return { combined: false, streams: new Set(stream ? [stream] : []) };
    }
    return undefined;
  }

  onMessage(session: Session<BinanceSession>, text: string): void {
    let req: { method?: unknown; params?: unknown; id?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      return session.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' } }));
    }
    const id = typeof req.id === 'number' || typeof req.id === 'string' ? req.id : null;
    const params = Array.isArray(req.params) ? req.params.filter((p): p is string => typeof p === 'string') : [];
    switch (req.method) {
      case 'SUBSCRIBE':
        if (session.state.streams.size + params.length > MAX_STREAMS) {
          return session.send(JSON.stringify({ error: { code: 2, msg: 'Max streams exceeded' }, id }));
        }
        for (const p of params) session.state.streams.add(p);
        return session.send(JSON.stringify({ result: null, id }));
      case 'UNSUBSCRIBE':
        for (const p of params) session.state.streams.delete(p);
        return session.send(JSON.stringify({ result: null, id }));
      case 'LIST_SUBSCRIPTIONS':
        return session.send(JSON.stringify({ result: [...session.state.streams], id }));
      default:
        return session.send(JSON.stringify({ error: { code: 2, msg: `Invalid request: unknown method ${String(req.method)}` }, id }));
    }
  }

  observe(rec: RecordedFrame): void {
    const m = STREAM_RE.exec(rec.frame);
    // Diffs older than the recorded snapshot are already in it and are skipped by update id.
    if (m && m[1]!.includes('@depth')) this.applyDiff(m[1]!.slice(0, m[1]!.indexOf('@')), rec.frame);
  }

  /** Depth diffs: the frames whose update ids the adapter chains. Binance sends no checksums, so no `corruptChecksum`. */
  isBookFrame(rec: RecordedFrame): boolean {
    return STREAM_RE.exec(rec.frame)?.[1]!.includes('@depth') ?? false;
  }

  isTradeFrame(rec: RecordedFrame): boolean {
    return /@(?:agg)?[tT]rade$/.test(STREAM_RE.exec(rec.frame)?.[1] ?? '');
  }

  frameFor(session: Session<BinanceSession>, rec: RecordedFrame): string | undefined {
    const m = STREAM_RE.exec(rec.frame);
    if (!m) return undefined;
    const stream = this.subscribed(session.state.streams, m[1]!);
    if (stream === undefined) return undefined;
    if (!session.state.combined) return rec.frame.slice(m[0].length, -1);
    return stream === m[1] ? rec.frame : `{"stream":"${stream}","data":${rec.frame.slice(m[0].length)}`;
  }

  /** The session's name for a recorded stream: itself, or for a depth stream the session's depth stream of that symbol. */
  private subscribed(streams: Set<string>, recorded: string): string | undefined {
    if (streams.has(recorded)) return recorded;
    const at = recorded.indexOf('@depth');
    if (at < 0) return undefined;
    const prefix = recorded.slice(0, at + 6);
    for (const s of streams) if (s === prefix || s.startsWith(`${prefix}@`)) return s;
    return undefined;
  }

  http(url: URL): HttpAnswer | undefined {
    if (!url.pathname.startsWith(`${this.api.rest}/`)) return undefined;
    switch (url.pathname.slice(this.api.rest.length)) {
      case '/ping':
        return { status: 200, body: {} };
      case '/time':
        return { status: 200, body: { serverTime: Date.now() } };
      case '/depth': {
        const symbol = url.searchParams.get('symbol') ?? '';
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, this.api.futures ? 1000 : 5000);
        const book = this.books.get(symbol.toLowerCase());
        if (!book) return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
        const times = this.api.futures ? { E: book.E, T: book.T } : {};
        return { status: 200, body: { lastUpdateId: book.lastUpdateId, ...times, bids: side(book.bids, limit, -1), asks: side(book.asks, limit, 1) } };
      }
      default:
        return undefined;
    }
  }

  private applyDiff(symbol: string, frame: string): void {
    const book = this.books.get(symbol);
    if (!book) return;
    const d = (JSON.parse(frame) as { data: { u: number; E: number; T?: number; b: [string, string][]; a: [string, string][] } }).data;
    if (d.u <= book.lastUpdateId) return;
    for (const [p, q] of d.b) if (+q === 0) book.bids.delete(p); else book.bids.set(p, q);
    for (const [p, q] of d.a) if (+q === 0) book.asks.delete(p); else book.asks.set(p, q);
    book.lastUpdateId = d.u;
    book.E = d.E;
    book.T = d.T ?? d.E;
  }
}

const side = (levels: Map<string, string>, limit: number, dir: 1 | -1): [string, string][] =>
  [...levels].sort((a, b) => dir * (+a[0] - +b[0])).slice(0, limit);

/** hftbacktest names files by instrument (btcusdt_20240808.gz); the symbol is Binance's upper-case one. */
const symbolOfFile = (file: string): string => (/([a-z0-9]+)_\d{8}/.exec(file)?.[1] ?? 'btcusdt');
