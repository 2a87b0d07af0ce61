import { OrderBook } from '../../shared/market/book';
import type { MarketEvent } from '../../shared/market/types';
import type { Adapter, Sink } from '../../worker/ingest/adapter';
import type { RecordedFrame } from '../../tools/fake-exchange/recording';
import type { FakeExchange } from '../../tools/fake-exchange/server';
import type WebSocket from 'ws';

/** Everything an adapter said while being driven, plus books rebuilt from its events alone. */
export interface Driven {
  events: MarketEvent[];
  errors: { message: string; symbol?: string }[];
  sent: string[];
  snapshots: { symbol: string; path: string }[];
  /** Books rebuilt from the emitted snapshot and delta events: an oracle independent of the adapter's own. */
  books: Map<string, OrderBook>;
  /** Events after which the rebuilt book was crossed. */
  crossed: number;
}

export function driven(): Driven {
  return { events: [], errors: [], sent: [], snapshots: [], books: new Map(), crossed: 0 };
}

/** A sink recording into `d`; REST snapshot requests are answered by `answer` (synchronously, as tests want). */
export function sinkOf(d: Driven, answer?: (symbol: string, path: string) => void): Sink {
  return {
    event(e) {
      d.events.push(e);
      if (e.type !== 'book') return;
      let b = d.books.get(e.symbol);
      if (!b) d.books.set(e.symbol, (b = new OrderBook()));
      if (e.kind === 'snapshot') b.clear();
      for (const [p, s] of e.bids) b.bids.set(p, s);
      for (const [p, s] of e.asks) b.asks.set(p, s);
      if (b.crossed) d.crossed++;
    },
    error: (message, symbol) => d.errors.push({ message, symbol }),
    send: (frame) => d.sent.push(frame),
    snapshot(symbol, path) {
      d.snapshots.push({ symbol, path });
      answer?.(symbol, path);
    },
  };
}

/** A sink whose REST snapshot requests are answered by the recording's CF-REST captures for their path. */
export function replaySink(adapter: Adapter, records: readonly RecordedFrame[], d: Driven): Sink {
  const bodies = new Map<string, RecordedFrame>();
  for (const r of records) if (r.kind === 'rest') bodies.set(restPath(r.url!), bodies.get(restPath(r.url!)) ?? r);
  const sink: Sink = sinkOf(d, (symbol, path) => {
    const r = bodies.get(path);
    if (r) adapter.onSnapshot?.(symbol, r.frame, r.t, sink);
  });
  return sink;
}

/**
 * Feeds a recording's socket frames to an adapter in order. REST captures in the same list (CF-REST)
 * answer snapshot requests for their path: the recorded order book is the venue's answer, whenever asked.
 */
export function drive(adapter: Adapter, records: readonly RecordedFrame[], d = driven()): Driven {
  const sink = replaySink(adapter, records, d);
  for (const r of records) if (r.kind !== 'rest') adapter.parse(r.frame, r.t, sink);
  return d;
}

/** A captured URL's path with the trailing slash the adapters ask with. */
export const restPath = (url: string): string => new URL(url).pathname.replace(/\/?$/, '/');

/** Every frame sent on the socket before now has arrived: a protocol ping's pong comes behind them. */
export const drained = (ws: WebSocket): Promise<void> => new Promise((ok) => {
  ws.once('pong', () => ok());
  ws.ping();
});

/**
 * Steps a manual fake `batch` delivered frames at a time until `done()`, letting the client take in each batch
 * and `between` settle what that started (REST fetches) before the next: no clock decides what the client sees,
 * however loaded the machine.
 */
export async function stepUntil(fake: FakeExchange, ws: () => WebSocket, done: () => boolean, between?: () => Promise<void>, batch = 100): Promise<void> {
  while (!done()) {
    if (fake.step(batch) < batch) throw new Error('the recording ended before the condition was met');
    await drained(ws());
    await between?.();
  }
}
