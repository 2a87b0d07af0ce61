import type { RecordedFrame } from '../recording';
import type { HttpAnswer, Session, VenuePlugin } from '../venue';
import { LevelBook } from './level-book';

interface CoinbaseSession {
  /** channel → product ids */
  channels: Map<string, Set<string>>;
}

const TYPE_RE = /^\{"type":"(\w+)"/;
const PRODUCT_RE = /"product_id":"([^"]+)"/;
/** Recorded message type → the channel that carries it. level2 and level2_batch carry the same messages. */
const CHANNEL_OF: Record<string, string> = { l2update: 'level2', match: 'matches', ticker: 'ticker', heartbeat: 'heartbeat' };
const CHANNELS = new Set(['level2', 'level2_batch', 'matches', 'ticker', 'heartbeat']);
const level2 = (c: string) => (c === 'level2_batch' ? 'level2' : c);

/**
 * Coinbase Exchange's public feed on `/`: subscribe / unsubscribe with a `subscriptions` reply, a
 * level2 snapshot of the current book on every level2 subscription (the recorded snapshot kept current
 * by the replayed l2updates, as the venue's own would be), `last_match` on a matches subscription,
 * then the recorded l2update, match and ticker frames for the subscribed products.
 */
export class CoinbasePlugin implements VenuePlugin<CoinbaseSession> {
  readonly venue = 'coinbase';
  private books = new Map<string, LevelBook>();
  private lastMatch = new Map<string, string>();

  constructor(private readonly recording: readonly RecordedFrame[]) {
    this.reset();
  }

  reset(): void {
    this.books.clear();
    this.lastMatch.clear();
    // Each product's first recorded snapshot is its book at the start of the replay.
    for (const rec of this.recording) {
      if (!rec.frame.startsWith('{"type":"snapshot"')) continue;
      const s = JSON.parse(rec.frame) as { product_id: string; bids: [string, string][]; asks: [string, string][] };
      if (!this.books.has(s.product_id)) this.books.set(s.product_id, LevelBook.from(s.bids, s.asks));
    }
  }

  accept(url: URL): CoinbaseSession | undefined {
    return url.pathname === '/' ? { channels: new Map() } : undefined;
  }

  onMessage(session: Session<CoinbaseSession>, text: string): void {
    let req: { type?: unknown; product_ids?: unknown; channels?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      return session.send(JSON.stringify({ type: 'error', message: 'Failed to parse message', reason: 'malformed JSON' }));
    }
    if (req.type !== 'subscribe' && req.type !== 'unsubscribe') {
      return session.send(JSON.stringify({ type: 'error', message: 'Failed to subscribe', reason: `unknown type ${String(req.type)}` }));
    }
    const products = Array.isArray(req.product_ids) ? req.product_ids.filter((p): p is string => typeof p === 'string') : [];
    // Channels are names (with the top-level product_ids) or {name, product_ids} objects.
    const wanted: [string, string[]][] = (Array.isArray(req.channels) ? req.channels : []).map((c: unknown) =>
      typeof c === 'string' ? [c, products] : [String((c as { name?: unknown }).name), ((c as { product_ids?: string[] }).product_ids ?? products)],
    );
    for (const [name, ids] of wanted) {
      if (!CHANNELS.has(name)) return session.send(JSON.stringify({ type: 'error', message: 'Failed to subscribe', reason: `${name} is not a valid channel` }));
      const unknown = ids.find((p) => !this.books.has(p));
      if (unknown) return session.send(JSON.stringify({ type: 'error', message: 'Failed to subscribe', reason: `${unknown} is not a valid product` }));
    }
    for (const [name, ids] of wanted) {
      const set = session.state.channels.get(name) ?? new Set<string>();
      session.state.channels.set(name, set);
      for (const p of ids) {
        if (req.type === 'unsubscribe') set.delete(p);
        else set.add(p);
      }
    }
    session.send(JSON.stringify({
      type: 'subscriptions',
      channels: [...session.state.channels].filter(([, s]) => s.size).map(([name, s]) => ({ name, product_ids: [...s] })),
    }));
    if (req.type === 'unsubscribe') return;
    for (const [name, ids] of wanted) {
      for (const p of ids) {
        if (level2(name) === 'level2') {
          const b = this.books.get(p)!;
          session.send(JSON.stringify({ type: 'snapshot', product_id: p, bids: b.bids.sorted(-1), asks: b.asks.sorted(1) }));
        } else if (name === 'matches' && this.lastMatch.has(p)) {
          session.send(this.lastMatch.get(p)!.replace('"type":"match"', '"type":"last_match"'));
        }
      }
    }
  }

  observe(rec: RecordedFrame): void {
    const type = TYPE_RE.exec(rec.frame)?.[1];
    if (type === 'l2update') {
      const u = JSON.parse(rec.frame) as { product_id: string; changes: [string, string, string][] };
      const b = this.books.get(u.product_id);
      if (b) for (const [side, price, size] of u.changes) (side === 'buy' ? b.bids : b.asks).set(price, size);
    } else if (type === 'match' || type === 'last_match') {
      const p = PRODUCT_RE.exec(rec.frame)?.[1];
      if (p) this.lastMatch.set(p, rec.frame.replace('"type":"last_match"', '"type":"match"'));
    }
  }

  frameFor(session: Session<CoinbaseSession>, rec: RecordedFrame): string | undefined {
    // Recorded snapshots and subscription replies belonged to the recording's client; each session gets its own.
    const type = rec.kind === 'rest' ? undefined : TYPE_RE.exec(rec.frame)?.[1];
    const channel = type && CHANNEL_OF[type];
    if (!channel) return undefined;
    const product = PRODUCT_RE.exec(rec.frame)?.[1];
    if (!product) return undefined;
    const subscribed = (c: string) => session.state.channels.get(c)?.has(product);
    return subscribed(channel) || (channel === 'level2' && subscribed('level2_batch')) ? rec.frame : undefined;
  }

  http(): HttpAnswer | undefined {
    return undefined;
  }
}
