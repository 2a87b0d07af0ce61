import type { RecordedFrame } from '../recording';
import type { HttpAnswer, Session, VenuePlugin } from '../venue';

interface BinanceSession {
  /** `/stream` wraps payloads as {stream,data}; `/ws` sends them bare. */
  combined: boolean;
  streams: Set<string>;
}

interface Book {
  lastUpdateId: number;
  bids: Map<string, string>;
  asks: Map<string, string>;
}

const STREAM_RE = /^\{"stream":"([^"]+)","data":/;
const MAX_STREAMS = 1024;

/**
 * Binance spot public market data, as the venue serves it: combined and raw streams, SUBSCRIBE /
 * UNSUBSCRIBE / LIST_SUBSCRIPTIONS with their replies, and GET /api/v3/depth answered from a book kept
 * current by applying the replayed diffs to the recorded snapshot (as a real snapshot would be).
 */
export class BinancePlugin implements VenuePlugin<BinanceSession> {
  readonly venue = 'binance';
  private books = new Map<string, Book>();
  private initial = new Map<string, Book>();

  /** The recording's REST snapshots, so a depth request before the replay reaches them still answers. */
  constructor(recording: readonly RecordedFrame[]) {
    for (const rec of recording) {
      if (!rec.frame.startsWith('{"lastUpdateId"')) continue;
      const symbol = rec.kind === 'rest' && rec.url ? (new URL(rec.url).searchParams.get('symbol') ?? '').toLowerCase() : symbolOfFile(rec.file);
      if (this.initial.has(symbol)) continue;
      const snap = JSON.parse(rec.frame) as { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
      this.initial.set(symbol, { lastUpdateId: snap.lastUpdateId, bids: new Map(snap.bids), asks: new Map(snap.asks) });
    }
    this.reset();
  }

  reset(): void {
    this.books = new Map([...this.initial].map(([s, b]) => [s, { lastUpdateId: b.lastUpdateId, bids: new Map(b.bids), asks: new Map(b.asks) }]));
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

  frameFor(session: Session<BinanceSession>, rec: RecordedFrame): string | undefined {
    const m = STREAM_RE.exec(rec.frame);
    if (!m || !session.state.streams.has(m[1]!)) return undefined;
    return session.state.combined ? rec.frame : rec.frame.slice(m[0].length, -1);
  }

  http(url: URL): HttpAnswer | undefined {
    switch (url.pathname) {
      case '/api/v3/ping':
        return { status: 200, body: {} };
      case '/api/v3/time':
        return { status: 200, body: { serverTime: Date.now() } };
      case '/api/v3/depth': {
        const symbol = url.searchParams.get('symbol') ?? '';
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, 5000);
        const book = this.books.get(symbol.toLowerCase());
        if (!book) return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
        return { status: 200, body: { lastUpdateId: book.lastUpdateId, bids: side(book.bids, limit, -1), asks: side(book.asks, limit, 1) } };
      }
      default:
        return undefined;
    }
  }

  private applyDiff(symbol: string, frame: string): void {
    const book = this.books.get(symbol);
    if (!book) return;
    const d = (JSON.parse(frame) as { data: { u: number; b: [string, string][]; a: [string, string][] } }).data;
    if (d.u <= book.lastUpdateId) return;
    for (const [p, q] of d.b) if (+q === 0) book.bids.delete(p); else book.bids.set(p, q);
    for (const [p, q] of d.a) if (+q === 0) book.asks.delete(p); else book.asks.set(p, q);
    book.lastUpdateId = d.u;
  }
}

const side = (levels: Map<string, string>, limit: number, dir: 1 | -1): [string, string][] =>
  [...levels].sort((a, b) => dir * (+a[0] - +b[0])).slice(0, limit);

/** hftbacktest names files by instrument (btcusdt_20240808.gz); the symbol is Binance's upper-case one. */
const symbolOfFile = (file: string): string => (/([a-z0-9]+)_\d{8}/.exec(file)?.[1] ?? 'btcusdt');
