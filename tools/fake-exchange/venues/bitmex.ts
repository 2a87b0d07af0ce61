import type { RecordedFrame } from '../recording';
import type { HttpAnswer, Session, VenuePlugin } from '../venue';

interface BitmexSession {
  /** `table:SYMBOL` topics. */
  topics: Set<string>;
}

interface Row {
  symbol: string;
  id?: number;
  side?: string;
  size?: number;
  price?: number;
  [k: string]: unknown;
}

interface Table {
  table: string;
  action: string;
  data: Row[];
  filter?: { symbol?: string };
}

const HEAD_RE = /^\{"table":"(\w+)","action":"(\w+)"/;
const SYMBOL_RE = /"symbol":"(\w+)"/;
const TABLES = new Set(['orderBookL2', 'orderBookL2_25', 'quote', 'trade', 'instrument', 'funding', 'liquidation']);

/**
 * BitMEX realtime on `/realtime`: `ping` → `pong`; subscribe / unsubscribe with per-topic success
 * replies, each subscription answered with a partial built from the replay's current state (the
 * orderBookL2 book kept by applying the replayed insert/update/delete rows to the recorded partials,
 * the latest quote and trade), then the recorded rows of the subscribed topics. Topics given in the
 * URL (`?subscribe=…`) are subscribed on connect. Tables the recording lacks get an empty partial.
 */
export class BitmexPlugin implements VenuePlugin<BitmexSession> {
  readonly venue = 'bitmex';
  /** symbol → level id → row */
  private books = new Map<string, Map<number, Row>>();
  private latest = new Map<string, Row>();

  constructor(private readonly recording: readonly RecordedFrame[]) {
    this.reset();
  }

  reset(): void {
    this.books.clear();
    this.latest.clear();
    for (const rec of this.recording) {
      if (!rec.frame.startsWith('{"table":"orderBookL2","action":"partial"')) continue;
      const t = JSON.parse(rec.frame) as Table;
      const symbol = t.filter?.symbol ?? t.data[0]?.symbol;
      if (symbol && !this.books.has(symbol)) this.books.set(symbol, new Map(t.data.map((r) => [r.id!, r])));
    }
  }

  accept(url: URL): BitmexSession | undefined {
    if (url.pathname !== '/realtime') return undefined;
    const topics = (url.searchParams.get('subscribe') ?? '').split(',').filter((t) => TABLES.has(t.split(':')[0]!));
    return { topics: new Set(topics) };
  }

  onMessage(session: Session<BitmexSession>, text: string): void {
    if (text === 'ping') return session.send('pong');
    let req: { op?: unknown; args?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      return session.send(JSON.stringify({ status: 400, error: 'Unable to parse request.', meta: {} }));
    }
    const args = Array.isArray(req.args) ? req.args : [req.args];
    if (req.op !== 'subscribe' && req.op !== 'unsubscribe') {
      return session.send(JSON.stringify({ status: 400, error: `Unknown or unsupported operation: ${String(req.op)}`, meta: {}, request: req }));
    }
    for (const arg of args) {
      const [table = '', symbol] = typeof arg === 'string' ? arg.split(':') : [];
      if (!TABLES.has(table) || !symbol) {
        session.send(JSON.stringify({ status: 400, error: `Unknown table: ${String(arg)}`, meta: {}, request: req }));
        continue;
      }
      const topic = `${table}:${symbol}`;
      if (req.op === 'unsubscribe') {
        session.state.topics.delete(topic);
        session.send(JSON.stringify({ success: true, unsubscribe: topic, request: req }));
        continue;
      }
      if (session.state.topics.has(topic)) {
        session.send(JSON.stringify({ status: 400, error: `You are already subscribed to this topic: ${topic}`, meta: {}, request: req }));
        continue;
      }
      session.state.topics.add(topic);
      session.send(JSON.stringify({ success: true, subscribe: topic, request: req }));
      session.send(JSON.stringify({ table, action: 'partial', keys: table.startsWith('orderBookL2') ? ['symbol', 'id', 'side'] : [], filter: { symbol }, data: this.partial(table, symbol) }));
    }
  }

  observe(rec: RecordedFrame): void {
    const head = HEAD_RE.exec(rec.frame);
    if (!head) return;
    const [, table, action] = head;
    if (table !== 'orderBookL2' && table !== 'quote' && table !== 'trade') return;
    const t = JSON.parse(rec.frame) as Table;
    if (table !== 'orderBookL2') {
      const last = t.data[t.data.length - 1];
      if (last) this.latest.set(`${table}:${last.symbol}`, last);
      return;
    }
    for (const r of t.data) {
      const book = this.books.get(r.symbol);
      if (!book) continue;
      if (action === 'partial') {
        if (r === t.data[0]) book.clear();
        book.set(r.id!, r);
      } else if (action === 'insert') book.set(r.id!, r);
      else if (action === 'delete') book.delete(r.id!);
      else if (action === 'update') {
        const old = book.get(r.id!);
        if (old) book.set(r.id!, { ...old, ...r });
      }
    }
  }

  frameFor(session: Session<BitmexSession>, rec: RecordedFrame): string | undefined {
    const head = HEAD_RE.exec(rec.frame);
    // Partials and replies in the recording answered the recording's client; each session gets its own.
    if (!head || head[2] === 'partial') return undefined;
    const symbol = SYMBOL_RE.exec(rec.frame)?.[1];
    // The venue groups a frame's rows by symbol, so the first row names them all.
    return symbol && session.state.topics.has(`${head[1]}:${symbol}`) ? rec.frame : undefined;
  }

  http(): HttpAnswer | undefined {
    return undefined;
  }

  private partial(table: string, symbol: string): Row[] {
    if (table === 'orderBookL2') return [...(this.books.get(symbol)?.values() ?? [])].sort((a, b) => a.id! - b.id!);
    const last = this.latest.get(`${table}:${symbol}`);
    return last ? [last] : [];
  }
}
