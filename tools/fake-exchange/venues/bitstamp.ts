import type { RecordedFrame } from '../recording';
import type { HttpAnswer, Session, VenuePlugin } from '../venue';
import { LevelBook } from './level-book';

interface BitstampSession {
  channels: Set<string>;
}

interface PairBook {
  book: LevelBook;
  /** Microtimestamp of the newest change in the book. */
  micro: number;
}

interface Snapshot {
  microtimestamp: string;
  bids: [string, string][];
  asks: [string, string][];
}

const CHANNEL_RE = /"channel":"([a-z_0-9]+)"/;
const EVENT_RE = /"event":"([\w:]+)"/;
const PAIR_RE = /^\/api\/v2\/order_book\/([a-z0-9]+)\/?$/;
const CHANNEL_OK = /^(diff_order_book|live_trades|order_book|live_orders|detail_order_book)_[a-z0-9]+$/;

/**
 * Bitstamp WebSocket v2 on `/`: bts:subscribe / bts:unsubscribe with their replies, bts:heartbeat
 * answered, bts:error for anything else; the recorded diff_order_book and live_trades frames for the
 * subscribed channels; and GET /api/v2/order_book/<pair>/ answered from the recorded REST snapshot
 * kept current by applying the replayed diffs newer than it.
 */
export class BitstampPlugin implements VenuePlugin<BitstampSession> {
  readonly venue = 'bitstamp';
  private books = new Map<string, PairBook>();

  constructor(private readonly recording: readonly RecordedFrame[]) {
    this.reset();
  }

  reset(): void {
    this.books.clear();
    for (const rec of this.recording) if (rec.kind === 'rest') this.load(rec);
  }

  accept(url: URL): BitstampSession | undefined {
    return url.pathname === '/' ? { channels: new Set() } : undefined;
  }

  onMessage(session: Session<BitstampSession>, text: string): void {
    let req: { event?: unknown; data?: { channel?: unknown } };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      return session.send(JSON.stringify({ event: 'bts:error', channel: '', data: { code: null, message: 'Bad subscription string.' } }));
    }
    const channel = typeof req.data?.channel === 'string' ? req.data.channel : '';
    switch (req.event) {
      case 'bts:heartbeat':
        return session.send(JSON.stringify({ event: 'bts:heartbeat', channel: '', data: { status: 'success' } }));
      case 'bts:subscribe':
        if (!CHANNEL_OK.test(channel)) break;
        session.state.channels.add(channel);
        return session.send(JSON.stringify({ event: 'bts:subscription_succeeded', channel, data: {} }));
      case 'bts:unsubscribe':
        session.state.channels.delete(channel);
        return session.send(JSON.stringify({ event: 'bts:unsubscription_succeeded', channel, data: {} }));
    }
    session.send(JSON.stringify({ event: 'bts:error', channel: '', data: { code: null, message: 'Bad subscription string.' } }));
  }

  observe(rec: RecordedFrame): void {
    if (rec.kind === 'rest') return this.load(rec);
    if (!rec.frame.includes('"event":"data"')) return;
    const channel = CHANNEL_RE.exec(rec.frame)?.[1];
    if (!channel?.startsWith('diff_order_book_')) return;
    const pb = this.books.get(channel.slice('diff_order_book_'.length));
    if (!pb) return;
    const d = (JSON.parse(rec.frame) as { data: Snapshot }).data;
    const micro = Number(d.microtimestamp);
    // Diffs the snapshot already covers change nothing.
    if (micro <= pb.micro) return;
    for (const [p, s] of d.bids) pb.book.bids.set(p, s);
    for (const [p, s] of d.asks) pb.book.asks.set(p, s);
    pb.micro = micro;
  }

  frameFor(session: Session<BitstampSession>, rec: RecordedFrame): string | undefined {
    if (rec.kind === 'rest') return undefined;
    // Recorded subscription replies answered the recording's client, not this one.
    const event = EVENT_RE.exec(rec.frame)?.[1];
    if (event !== 'data' && event !== 'trade') return undefined;
    const channel = CHANNEL_RE.exec(rec.frame)?.[1];
    return channel && session.state.channels.has(channel) ? rec.frame : undefined;
  }

  http(url: URL): HttpAnswer | undefined {
    const m = PAIR_RE.exec(url.pathname);
    if (!m) return undefined;
    const pb = this.books.get(m[1]!);
    if (!pb) return { status: 404, body: { status: 'error', reason: 'Invalid currency pair', code: 'API0001' } };
    return {
      status: 200,
      body: { timestamp: String(Math.floor(pb.micro / 1e6)), microtimestamp: String(pb.micro), bids: pb.book.bids.sorted(-1), asks: pb.book.asks.sorted(1) },
    };
  }

  /** A recorded REST snapshot replaces the pair's book unless the book is already newer. */
  private load(rec: RecordedFrame): void {
    const pair = PAIR_RE.exec(new URL(rec.url!).pathname)?.[1];
    if (!pair) return;
    const s = JSON.parse(rec.frame) as Snapshot;
    const micro = Number(s.microtimestamp);
    if ((this.books.get(pair)?.micro ?? -1) >= micro) return;
    this.books.set(pair, { book: LevelBook.from(s.bids, s.asks), micro });
  }
}
