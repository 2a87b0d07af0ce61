import { BybitV5FromV2 } from '../../bybit-v5';
import { LevelBook } from '../level-book';
import type { RecordedFrame } from '../recording';
import type { HttpAnswer, Session, VenuePlugin } from '../venue';

interface BybitSession {
  spot: boolean;
  /** Topic → waiting for a book snapshot (true) or streaming (false). */
  subs: Map<string, boolean>;
  connId: string;
}

interface V5Book {
  book: LevelBook;
  u: number;
  seq: number;
  ts: number;
}

const TOPICS = ['publicTrade', 'tickers', 'allLiquidation'];
const TOPIC_RE = /^\{"topic":"([^"]+)","type":"(snapshot|delta)"/;

/**
 * Bybit v5 public WebSocket (/v5/public/linear, /inverse and /spot) replaying a real 2021 v2 recording
 * converted frame by frame to v5 (tools/bybit-v5.ts says exactly how): `{"op":"ping"}` → pong, subscribe /
 * unsubscribe replies as v5 sends them (spot refuses more than 10 args), and for order books a snapshot on
 * subscribe built from the book the replay has reached, with the current `u`, so a resubscribe resyncs.
 * The recordings are of perpetuals (BYBIT.ws.25.0 USDT, BYBIT.ws.26.0 inverse): the spot path answers but
 * has no data, and each recorded symbol is served on either derivatives path.
 */
export class BybitPlugin implements VenuePlugin<BybitSession> {
  readonly venue = 'bybit';
  private conv = new BybitV5FromV2();
  private readonly books = new Map<string, V5Book>();
  /** The v5 frame of the recording frame last observed (the server calls observe, then frameFor per session). */
  private current: { rec: RecordedFrame; frame: string | undefined } | undefined;
  /** Symbols the recording holds; their other public topics are served, silent. */
  private readonly symbols = new Set<string>();
  private sessions = 0;

  constructor(recording: readonly RecordedFrame[]) {
    const probe = new BybitV5FromV2();
    for (const r of recording) {
      const m = TOPIC_RE.exec(probe.convert(r.frame) ?? '');
      if (m) this.symbols.add(m[1]!.slice(m[1]!.lastIndexOf('.') + 1));
    }
  }

  reset(): void {
    this.conv = new BybitV5FromV2();
    this.books.clear();
  }

  accept(url: URL): BybitSession | undefined {
    const spot = url.pathname === '/v5/public/spot';
    const served = spot || url.pathname === '/v5/public/linear' || url.pathname === '/v5/public/inverse';
    return served ? { spot, subs: new Map(), connId: `fake-${++this.sessions}` } : undefined;
  }

  onMessage(session: Session<BybitSession>, text: string): void {
    const { connId } = session.state;
    let req: { op?: unknown; args?: unknown; req_id?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      return session.send(JSON.stringify({ success: false, ret_msg: 'error:unknown op', conn_id: connId, op: '' }));
    }
    const reqId = typeof req.req_id === 'string' ? { req_id: req.req_id } : {};
    const reply = (success: boolean, ret_msg: string) => session.send(JSON.stringify({ success, ret_msg, conn_id: connId, ...reqId, op: req.op }));
    if (req.op === 'ping') return reply(true, 'pong');
    if (req.op !== 'subscribe' && req.op !== 'unsubscribe') return reply(false, `error:unknown op ${String(req.op)}`);
    const args = Array.isArray(req.args) ? req.args.filter((a): a is string => typeof a === 'string') : [];
    if (session.state.spot && args.length > 10) return reply(false, `args size >10`);
    const unknown = args.filter((a) => session.state.spot || !this.serves(a));
    if (req.op === 'subscribe' && unknown.length) return reply(false, `error:handler not found,topic:${unknown.join(',')}`);
    reply(true, '');
    for (const topic of args) {
      if (req.op === 'unsubscribe') {
        session.state.subs.delete(topic);
        continue;
      }
      const book = topic.startsWith('orderbook.') ? this.books.get(topic) : undefined;
      session.state.subs.set(topic, topic.startsWith('orderbook.') && !book);
      if (book) session.send(snapshot(topic, book));
    }
  }

  /** The order book is served at the converted depth (50) only; other topics for a recorded symbol are accepted. */
  private serves(topic: string): boolean {
    const parts = topic.split('.');
    const symbol = parts[parts.length - 1]!;
    if (!this.symbols.has(symbol)) return false;
    if (parts[0] === 'orderbook') return parts[1] === '50' && parts.length === 3;
    return TOPICS.includes(parts[0]!) && parts.length === 2;
  }

  observe(rec: RecordedFrame): void {
    const frame = this.conv.convert(rec.frame);
    this.current = { rec, frame };
    if (!frame?.startsWith('{"topic":"orderbook.')) return;
    const m = JSON.parse(frame) as { topic: string; type: string; ts: number; data: { b: string[][]; a: string[][]; u: number; seq: number } };
    let st = this.books.get(m.topic);
    if (m.type === 'snapshot') this.books.set(m.topic, (st = { book: new LevelBook(), u: 0, seq: 0, ts: 0 }));
    if (!st) return;
    st.book.apply('bids', m.data.b);
    st.book.apply('asks', m.data.a);
    Object.assign(st, { u: m.data.u, seq: m.data.seq, ts: m.ts });
  }

  frameFor(session: Session<BybitSession>, rec: RecordedFrame): string | undefined {
    const frame = this.current?.rec === rec ? this.current.frame : undefined;
    const m = frame ? TOPIC_RE.exec(frame) : null;
    if (!m) return undefined;
    const waiting = session.state.subs.get(m[1]!);
    if (waiting === undefined) return undefined;
    if (!waiting) return frame;
    if (m[2] !== 'snapshot') return undefined;
    session.state.subs.set(m[1]!, false);
    return frame;
  }

  http(): HttpAnswer | undefined {
    return undefined;
  }
}

function snapshot(topic: string, st: V5Book): string {
  const depth = Number(topic.split('.')[1]);
  const levels = (side: 'bids' | 'asks') => st.book.top(side, depth).map((l) => l.slice(0, 2));
  return JSON.stringify({ topic, type: 'snapshot', ts: st.ts, data: { s: topic.split('.')[2], b: levels('bids'), a: levels('asks'), u: st.u, seq: st.seq }, cts: st.ts });
}
