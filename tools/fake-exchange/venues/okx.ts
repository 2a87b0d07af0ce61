import { OrderBook } from '../../../shared/market/book';
import { OkxChecksum, okxDigest } from '../../../shared/market/checksums';
import { LevelBook } from '../level-book';
import type { RecordedFrame } from '../recording';
import type { HttpAnswer, Session, VenuePlugin } from '../venue';

interface OkxSession {
  /** `channel|instId` → waiting for a book snapshot (true) or streaming (false). */
  subs: Map<string, boolean>;
  connId: string;
}

type Arg = { channel?: unknown; instId?: unknown; instType?: unknown };
const CHANNELS = ['books', 'books5', 'bbo-tbt', 'books-l2-tbt', 'books50-l2-tbt', 'trades', 'tickers', 'funding-rate', 'mark-price', 'index-tickers', 'open-interest', 'price-limit'];
const INST_TYPES = ['SWAP', 'FUTURES', 'OPTION', 'MARGIN'];
const ARG_RE = /^\{"arg":\{"channel":"([^"]+)","inst(?:Id|Type)":"([^"]+)"/;

/**
 * OKX v5 public WebSocket at /ws/v5/public as the venue speaks it: `ping` → `pong`, subscribe /
 * unsubscribe answered per arg (`{"event":"subscribe","arg":…,"connId":…}`), errors with OKX's codes, book
 * frames numbered with `seqId`/`prevSeqId`, and for `books` a snapshot on subscribe built from the book
 * the replay has reached, with its checksum and current `seqId`, so a resubscribe resyncs the client.
 */
export class OkxPlugin implements VenuePlugin<OkxSession> {
  readonly venue = 'okx';
  private readonly books = new Map<string, { book: LevelBook; ts: string; seqId: number }>();
  /** The last observed frame as sent, with the sequence ids the current API adds. */
  private current: { rec: RecordedFrame; frame: string } | undefined;
  /** Instrument ids the recording holds; their other public channels are served, silent. */
  private readonly instIds = new Set<string>();
  private sessions = 0;

  constructor(recording: readonly RecordedFrame[]) {
    for (const r of recording) {
      const m = ARG_RE.exec(r.frame);
      if (m) this.instIds.add(m[2]!);
    }
  }

  reset(): void {
    this.books.clear();
  }

  accept(url: URL): OkxSession | undefined {
    return url.pathname === '/ws/v5/public' ? { subs: new Map(), connId: `fake${++this.sessions}` } : undefined;
  }

  onMessage(session: Session<OkxSession>, text: string): void {
    if (text === 'ping') return session.send('pong');
    const { connId } = session.state;
    let req: { op?: unknown; args?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      return session.send(JSON.stringify({ event: 'error', code: '60012', msg: `Invalid request: ${text.slice(0, 100)}`, connId }));
    }
    if ((req.op !== 'subscribe' && req.op !== 'unsubscribe') || !Array.isArray(req.args)) {
      return session.send(JSON.stringify({ event: 'error', code: '60012', msg: `Invalid request: ${text.slice(0, 100)}`, connId }));
    }
    for (const arg of req.args as Arg[]) {
      const key = `${String(arg?.channel)}|${String(arg?.instId ?? arg?.instType)}`;
      const known = arg?.channel === 'liquidation-orders' ? INST_TYPES.includes(String(arg.instType)) : CHANNELS.includes(String(arg?.channel)) && this.instIds.has(String(arg?.instId));
      if (!known) {
        session.send(JSON.stringify({ event: 'error', code: '60018', msg: `Wrong URL or channel:${String(arg?.channel)},instId:${String(arg?.instId)} doesn't exist`, connId }));
        continue;
      }
      session.send(JSON.stringify({ event: req.op, arg, connId }));
      if (req.op === 'unsubscribe') {
        session.state.subs.delete(key);
        continue;
      }
      const book = arg.channel === 'books' ? this.books.get(String(arg.instId)) : undefined;
      session.state.subs.set(key, arg.channel === 'books' && !book);
      if (book) session.send(snapshot(String(arg.instId), book.book, book.ts, book.seqId));
    }
  }

  /**
   * Keeps the book current and numbers book frames as OKX does since 2023 (the 2022 recording predates
   * it): each update's `prevSeqId` is the previous message's `seqId`, a snapshot's is -1, and `seqId`
   * advances by one per message.
   */
  observe(rec: RecordedFrame): void {
    this.current = { rec, frame: rec.frame };
    if (!rec.frame.startsWith('{"arg":{"channel":"books"')) return;
    const m = JSON.parse(rec.frame) as { arg: { instId: string }; action: string; data: { asks: string[][]; bids: string[][]; ts: string }[] };
    const d = m.data[0]!;
    let st = this.books.get(m.arg.instId);
    if (m.action === 'snapshot') this.books.set(m.arg.instId, (st = { book: new LevelBook(), ts: d.ts, seqId: (st?.seqId ?? 1_000_000) + 1 }));
    if (!st) return;
    const prev = m.action === 'snapshot' ? -1 : st.seqId;
    if (m.action !== 'snapshot') st.seqId++;
    st.book.apply('asks', d.asks);
    st.book.apply('bids', d.bids);
    st.ts = d.ts;
    this.current.frame = rec.frame.replace('"checksum":', `"prevSeqId":${prev},"seqId":${st.seqId},"checksum":`);
  }

  frameFor(session: Session<OkxSession>, rec: RecordedFrame): string | undefined {
    const frame = this.current?.rec === rec ? this.current.frame : rec.frame;
    const m = ARG_RE.exec(frame);
    if (!m || !frame.includes('"data":')) return undefined;
    const key = `${m[1]}|${m[2]}`;
    const waiting = session.state.subs.get(key);
    if (waiting === undefined) return undefined;
    if (!waiting) return frame;
    if (!frame.includes('"action":"snapshot"')) return undefined;
    session.state.subs.set(key, false);
    return frame;
  }

  http(): HttpAnswer | undefined {
    return undefined;
  }
}

/** OKX's books snapshot for the state reached: 400 levels a side, levels [px, sz, "0", orders], checksummed. */
function snapshot(instId: string, book: LevelBook, ts: string, seqId: number): string {
  const asks = book.top('asks', 400), bids = book.top('bids', 400);
  const ob = new OrderBook(okxDigest);
  for (const [p, s] of asks) ob.asks.set(+p!, +s!, p, s);
  for (const [p, s] of bids) ob.bids.set(+p!, +s!, p, s);
  return JSON.stringify({ arg: { channel: 'books', instId }, action: 'snapshot', data: [{ asks, bids, ts, checksum: new OkxChecksum().of(ob), prevSeqId: -1, seqId }] });
}
