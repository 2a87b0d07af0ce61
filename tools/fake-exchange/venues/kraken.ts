import { krakenCanonical, krakenV1Pair, krakenV2Symbol } from '../../../shared/market/kraken-symbols';
import { KrakenV2FromV1, v2Snapshot } from '../../kraken-v2';
import { LevelBook } from '../level-book';
import type { RecordedFrame } from '../recording';
import type { HttpAnswer, Session, VenuePlugin } from '../venue';

interface KrakenSession {
  /** WebSocket API v2 (`/v2`): replies and frames in v2 form, converted from the v1 recording. */
  v2: boolean;
  /** `pair|channelName` (v1 names) → waiting for the recorded snapshot (true) or streaming (false). */
  subs: Map<string, boolean>;
}

/** A subscribe / unsubscribe request of either version, in v1 terms. */
interface Request {
  op: 'subscribe' | 'unsubscribe';
  pairs: string[];
  name: string;
  depth: number;
  reqid: Record<string, unknown>;
}

const TAIL_RE = /,"([^"]+)","([^"]+)"\]$/;
const CHANNELS = ['book', 'trade', 'ticker', 'spread', 'ohlc'];

/**
 * Kraken spot WebSocket as the venue speaks it, v1 at `/` (wss://ws.kraken.com) and v2 at `/v2`, from a
 * v1 recording (v2 frames converted by tools/kraken-v2.ts): subscribe / unsubscribe replies per pair
 * (v1 subscriptionStatus with the recorded channel ids; v2 method replies), ping → pong, the recorded
 * heartbeats, and for books a snapshot on subscribe built from the book the replay has reached (so a
 * resubscribe resyncs). Books are served at the recorded depth only; other depths are refused.
 */
export class KrakenPlugin implements VenuePlugin<KrakenSession> {
  readonly venue = 'kraken';
  private readonly channelIds = new Map<string, number>();
  private readonly pairs = new Set<string>();
  private readonly books = new Map<string, LevelBook>();
  /** The book channel the recording holds (book-1000 → 1000). */
  private bookDepth = 0;
  private conv = new KrakenV2FromV1();
  private current: { rec: RecordedFrame; v2: string | undefined } | undefined;

  constructor(recording: readonly RecordedFrame[]) {
    for (const r of recording) {
      const m = TAIL_RE.exec(r.frame);
      if (!m || !r.frame.startsWith('[')) continue;
      this.pairs.add(m[2]!);
      const key = `${m[2]}|${m[1]}`;
      if (!this.channelIds.has(key)) this.channelIds.set(key, Number(r.frame.slice(1, r.frame.indexOf(','))));
      if (m[1]!.startsWith('book-')) this.bookDepth = Number(m[1]!.slice(5));
    }
  }

  reset(): void {
    this.books.clear();
    this.conv = new KrakenV2FromV1();
  }

  accept(url: URL): KrakenSession | undefined {
    if (url.pathname === '/') return { v2: false, subs: new Map() };
    return url.pathname === '/v2' ? { v2: true, subs: new Map() } : undefined;
  }

  onMessage(session: Session<KrakenSession>, text: string): void {
    const v2 = session.state.v2;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return session.send(JSON.stringify(v2 ? { error: 'Malformed request', method: 'unknown', success: false } : { errorMessage: 'Malformed request', event: 'error' }));
    }
    const now = new Date().toISOString();
    if (v2 && raw.method === 'ping') return session.send(JSON.stringify({ method: 'pong', ...reqIdOf(raw, 'req_id'), time_in: now, time_out: now }));
    if (!v2 && raw.event === 'ping') return session.send(JSON.stringify({ event: 'pong', ...reqIdOf(raw, 'reqid') }));
    const req = v2 ? fromV2(raw) : fromV1(raw);
    if (!req) {
      return session.send(JSON.stringify(v2 ? { error: 'Method not found', method: raw.method, success: false, ...reqIdOf(raw, 'req_id') } : { errorMessage: 'Unsupported event', event: 'error', ...reqIdOf(raw, 'reqid') }));
    }
    const channelName = req.name === 'book' ? `book-${req.depth}` : req.name;
    for (const pair of req.pairs) {
      const key = `${pair}|${channelName}`;
      const why = !this.pairs.has(pair) ? 'Currency pair not supported'
        : !CHANNELS.includes(req.name) ? 'Subscription name invalid'
        : req.name === 'book' && req.depth !== this.bookDepth ? `Subscription depth not supported (replaying book-${this.bookDepth})` : undefined;
      // A channel the recording has no frames for is subscribed and stays quiet, as a quiet market would.
      const channelID = this.channelIds.get(key) ?? 90_000 + this.channelIds.size;
      if (!why) this.channelIds.set(key, channelID);
      if (v2) {
        const result = { channel: req.name, ...(req.name === 'book' ? { depth: req.depth, snapshot: true } : {}), symbol: krakenV2Symbol(krakenCanonical(pair)) };
        session.send(JSON.stringify({ method: req.op, ...(why ? { error: why } : { result }), success: !why, time_in: now, time_out: now, ...req.reqid }));
      } else {
        const subscription = req.name === 'book' ? { depth: req.depth, name: req.name } : { name: req.name };
        const status = why ? { errorMessage: why, status: 'error' } : { channelID, status: req.op === 'subscribe' ? 'subscribed' : 'unsubscribed' };
        session.send(JSON.stringify({ ...status, channelName, event: 'subscriptionStatus', pair, subscription, ...req.reqid }));
      }
      if (why) continue;
      if (req.op === 'unsubscribe') {
        session.state.subs.delete(key);
        continue;
      }
      const book = req.name === 'book' ? this.books.get(pair) : undefined;
      session.state.subs.set(key, req.name === 'book' && !book);
      if (book) session.send(v2 ? v2Snapshot(krakenV2Symbol(krakenCanonical(pair)), book.top('asks', req.depth), book.top('bids', req.depth), req.depth) : snapshotV1(channelID, pair, channelName, book));
    }
  }

  observe(rec: RecordedFrame): void {
    this.current = { rec, v2: this.conv.convert(rec.frame, rec.t / 1000) };
    if (!rec.frame.startsWith('[') || !rec.frame.includes('"book-')) return;
    const a = JSON.parse(rec.frame) as unknown[];
    const pair = a[a.length - 1] as string;
    const parts = a.slice(1, -2) as Record<string, string[][]>[];
    let book = this.books.get(pair);
    if (parts[0]!.as || parts[0]!.bs) {
      book = new LevelBook();
      this.books.set(pair, book);
    }
    if (!book) return;
    for (const p of parts) {
      book.apply('asks', p.as ?? p.a);
      book.apply('bids', p.bs ?? p.b);
    }
  }

  frameFor(session: Session<KrakenSession>, rec: RecordedFrame): string | undefined {
    const out = session.state.v2 ? (this.current?.rec === rec ? this.current.v2 : undefined) : rec.frame;
    if (out === undefined) return undefined;
    if (rec.frame === '{"event":"heartbeat"}') return session.state.subs.size ? out : undefined;
    const m = rec.frame.startsWith('[') ? TAIL_RE.exec(rec.frame) : null;
    if (!m) return undefined;
    const key = `${m[2]}|${m[1]}`;
    const waiting = session.state.subs.get(key);
    if (waiting === undefined) return undefined;
    if (!waiting) return out;
    if (!rec.frame.includes('{"as":') && !rec.frame.includes('"bs":')) return undefined;
    session.state.subs.set(key, false);
    return out;
  }

  http(): HttpAnswer | undefined {
    return undefined;
  }
}

const reqIdOf = (m: Record<string, unknown>, key: string) => (typeof m[key] === 'number' ? { [key]: m[key] } : {});

function fromV1(m: Record<string, unknown>): Request | undefined {
  if (m.event !== 'subscribe' && m.event !== 'unsubscribe') return undefined;
  const sub = (m.subscription ?? {}) as { name?: unknown; depth?: unknown };
  const pairs = Array.isArray(m.pair) ? m.pair.filter((p): p is string => typeof p === 'string') : [];
  return { op: m.event, pairs, name: String(sub.name), depth: Number(sub.depth ?? 10), reqid: reqIdOf(m, 'reqid') };
}

function fromV2(m: Record<string, unknown>): Request | undefined {
  if (m.method !== 'subscribe' && m.method !== 'unsubscribe') return undefined;
  const p = (m.params ?? {}) as { channel?: unknown; symbol?: unknown; depth?: unknown };
  const symbols = Array.isArray(p.symbol) ? p.symbol.filter((s): s is string => typeof s === 'string') : [];
  return { op: m.method, pairs: symbols.map((s) => krakenV1Pair(krakenCanonical(s))), name: String(p.channel), depth: Number(p.depth ?? 10), reqid: reqIdOf(m, 'req_id') };
}

/** A v1 book snapshot as Kraken sends it after a subscribe: the best `depth` levels a side, [price, volume, time]. */
function snapshotV1(channelID: number, pair: string, channelName: string, book: LevelBook): string {
  const depth = Number(channelName.slice(5));
  // Updates may carry a 4th element (`r`, republished); snapshot levels are [price, volume, time].
  const side = (s: 'asks' | 'bids') => book.top(s, depth).map((l) => l.slice(0, 3));
  return JSON.stringify([channelID, { as: side('asks'), bs: side('bids') }, channelName, pair]);
}
