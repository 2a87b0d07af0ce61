import type { FeedState, InstrumentHealth } from '../../shared/market/types';
import type { Sink } from '../../worker/ingest/adapter';
import { BinanceAdapter } from '../../worker/ingest/binance';

interface Book {
  state: FeedState;
  /** Last applied update id; -1 while waiting for a snapshot. */
  lastU: number;
  lastAt: number;
  /** Diffs received while the snapshot is on its way, as Binance's sync rules require. */
  buffered: [U: number, u: number][];
  gaps: number;
  resyncs: number;
  reason?: string;
}

/**
 * Test-only: the foundation's Binance adapter plus the depth stream chained by update id (snapshot
 * via REST, then every diff must start right after the last), so the feed's resync path can be driven
 * by injected gaps before the real Binance book sync lands. Nothing here is used outside tests.
 */
export class DepthCheckingBinance extends BinanceAdapter {
  /** Binance needs no application ping; this one (answered by the venue, ignored by the adapter) lets tests see heartbeats. */
  readonly heartbeat = { intervalMs: 500, frame: '{"method":"LIST_SUBSCRIPTIONS","id":"hb"}' };
  private book = new Map<string, Book>();

  override url(base: string): string {
    const depth = this.symbols.map((s) => `${s.replace(/-/g, '').toLowerCase()}@depth@100ms`);
    return `${super.url(base)}/${depth.join('/')}`;
  }

  override parse(frame: string, recvTs: number, sink: Sink): void {
    const m = /"e":"depthUpdate","E":\d+,"s":"(\w+)","U":(\d+),"u":(\d+)/.exec(frame);
    if (!m) return super.parse(frame, recvTs, sink);
    const symbol = this.symbols.find((s) => s.replace(/-/g, '') === m[1])!;
    const [U, u] = [Number(m[2]), Number(m[3])];
    const b = this.book.get(symbol) ?? { state: 'syncing', lastU: -1, lastAt: 0, buffered: [], gaps: 0, resyncs: 0 };
    this.book.set(symbol, b);
    b.lastAt = recvTs;
    if (b.lastU < 0) {
      b.buffered.push([U, u]);
      sink.snapshot(symbol, `/api/v3/depth?symbol=${m[1]}&limit=1000`);
      return;
    }
    this.apply(symbol, b, U, u, sink);
  }

  onSnapshot(symbol: string, body: string, _recvTs: number, sink: Sink): void {
    const b = this.book.get(symbol);
    if (!b) return;
    b.lastU = (JSON.parse(body) as { lastUpdateId: number }).lastUpdateId;
    b.state = 'live';
    delete b.reason;
    const buffered = b.buffered;
    b.buffered = [];
    for (const [U, u] of buffered) {
      if (b.lastU >= 0) this.apply(symbol, b, U, u, sink);
      else b.buffered.push([U, u]);
    }
  }

  /** Diffs older than the book are skipped; one that does not start right after it is a gap: resync. */
  private apply(symbol: string, b: Book, U: number, u: number, sink: Sink): void {
    if (u <= b.lastU) return;
    if (U > b.lastU + 1) {
      b.gaps++;
      b.resyncs++;
      b.state = 'resyncing';
      b.reason = `gap: expected update ${b.lastU + 1}, got ${U}`;
      b.lastU = -1;
      sink.error(b.reason, symbol);
      sink.snapshot(symbol, `/api/v3/depth?symbol=${symbol.replace(/-/g, '')}&limit=1000`);
      return;
    }
    b.lastU = u;
  }

  override reset(): void {
    super.reset();
    for (const b of this.book.values()) {
      b.state = 'syncing';
      b.lastU = -1;
      b.buffered = [];
    }
  }

  override health(): InstrumentHealth[] {
    return super.health().map((h) => {
      const b = this.book.get(h.symbol);
      return b ? { ...h, lastMessageAt: Math.max(h.lastMessageAt, b.lastAt), state: b.state, gaps: b.gaps, resyncs: b.resyncs, ...(b.reason ? { reason: b.reason } : {}) } : { ...h, state: 'syncing' };
    });
  }
}
