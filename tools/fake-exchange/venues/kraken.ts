import { LevelBook } from '../level-book';
import type { RecordedFrame } from '../recording';
import type { HttpAnswer, Session, VenuePlugin } from '../venue';

interface KrakenSession {
  /** `pair|channelName` → waiting for the recorded snapshot (true) or streaming (false). */
  subs: Map<string, boolean>;
}

const TAIL_RE = /,"([^"]+)","([^"]+)"\]$/;
const CHANNELS = ['book', 'trade', 'ticker', 'spread', 'ohlc'];

/**
 * Kraken spot WebSocket v1 as the venue speaks it at wss://ws.kraken.com: subscribe / unsubscribe with a
 * subscriptionStatus per pair (channel ids as recorded), ping → pong, the recorded heartbeats, and for
 * books a snapshot on subscribe built from the book the replay has reached (so a resubscribe resyncs).
 * Books are served at the recorded depth only; other depths are refused.
 */
export class KrakenPlugin implements VenuePlugin<KrakenSession> {
  readonly venue = 'kraken';
  private readonly channelIds = new Map<string, number>();
  private readonly pairs = new Set<string>();
  private readonly books = new Map<string, LevelBook>();
  /** The book channel the recording holds (book-1000 → 1000). */
  private bookDepth = 0;

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
  }

  accept(url: URL): KrakenSession | undefined {
    return url.pathname === '/' ? { subs: new Map() } : undefined;
  }

  onMessage(session: Session<KrakenSession>, text: string): void {
    let req: { event?: unknown; reqid?: unknown; pair?: unknown; subscription?: { name?: unknown; depth?: unknown } };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      return session.send(JSON.stringify({ errorMessage: 'Malformed request', event: 'error' }));
    }
    const reqid = typeof req.reqid === 'number' ? { reqid: req.reqid } : {};
    if (req.event === 'ping') return session.send(JSON.stringify({ event: 'pong', ...reqid }));
    if (req.event !== 'subscribe' && req.event !== 'unsubscribe') {
      return session.send(JSON.stringify({ errorMessage: 'Unsupported event', event: 'error', ...reqid }));
    }
    const name = req.subscription?.name;
    const pairs = Array.isArray(req.pair) ? req.pair.filter((p): p is string => typeof p === 'string') : [];
    const depth = req.subscription?.depth ?? 10;
    const channelName = name === 'book' ? `book-${String(depth)}` : String(name);
    const subscription = name === 'book' ? { depth, name } : { name };
    for (const pair of pairs) {
      const key = `${pair}|${channelName}`;
      const status = { channelName, event: 'subscriptionStatus', pair, ...reqid };
      const why = !this.pairs.has(pair) ? 'Currency pair not supported'
        : !CHANNELS.includes(String(name)) ? 'Subscription name invalid'
        : name === 'book' && depth !== this.bookDepth ? `Subscription depth not supported (replaying book-${this.bookDepth})` : undefined;
      if (why) {
        session.send(JSON.stringify({ ...status, errorMessage: why, status: 'error', subscription }));
        continue;
      }
      // A channel the recording has no frames for is subscribed and stays quiet, as a quiet market would.
      const channelID = this.channelIds.get(key) ?? 90_000 + this.channelIds.size;
      this.channelIds.set(key, channelID);
      if (req.event === 'unsubscribe') {
        session.state.subs.delete(key);
        session.send(JSON.stringify({ channelID, ...status, status: 'unsubscribed', subscription }));
        continue;
      }
      session.send(JSON.stringify({ channelID, ...status, status: 'subscribed', subscription }));
      const book = name === 'book' ? this.books.get(pair) : undefined;
      session.state.subs.set(key, name === 'book' && !book);
      if (book) session.send(this.snapshot(channelID, pair, channelName, book));
    }
  }

  observe(rec: RecordedFrame): void {
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
    if (rec.frame === '{"event":"heartbeat"}') return session.state.subs.size ? rec.frame : undefined;
    const m = rec.frame.startsWith('[') ? TAIL_RE.exec(rec.frame) : null;
    if (!m) return undefined;
    const key = `${m[2]}|${m[1]}`;
    const waiting = session.state.subs.get(key);
    if (waiting === undefined) return undefined;
    if (!waiting) return rec.frame;
    if (!rec.frame.includes('{"as":') && !rec.frame.includes('"bs":')) return undefined;
    session.state.subs.set(key, false);
    return rec.frame;
  }

  http(): HttpAnswer | undefined {
    return undefined;
  }

  /** A book snapshot as Kraken sends it after a subscribe: the best `depth` levels a side with their strings. */
  private snapshot(channelID: number, pair: string, channelName: string, book: LevelBook): string {
    const depth = Number(channelName.slice(5));
    // Updates may carry a 4th element (`r`, republished); snapshot levels are [price, volume, time].
    const side = (s: 'asks' | 'bids') => book.top(s, depth).map((l) => l.slice(0, 3));
    return JSON.stringify([channelID, { as: side('asks'), bs: side('bids') }, channelName, pair]);
  }
}
