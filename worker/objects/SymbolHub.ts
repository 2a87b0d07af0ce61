import { DurableObject } from 'cloudflare:workers';
import type { BboEvent, FeedStatus, MarketEvent, TradeEvent } from '../../shared/market/types';
import type { BboMsg, ServerMsg, SnapshotMsg, TradeMsg } from '../../shared/protocol/messages';
import { PROTOCOL_VERSION, streamName } from '../../shared/protocol/messages';
import { parseClientMsg } from '../../shared/protocol/validate';

/** Bad frames a client may send before it is cut off (close code 1008, policy violation). */
const MAX_BAD_FRAMES = 5;

interface Attachment {
  symbol: string;
  bad: number;
}

interface HubState {
  /** Where the stored prices came from: a replay's prices must never be served to a live session. */
  mode: FeedStatus['mode'];
  seq: Record<string, number>;
  trade?: TradeMsg;
  bbo?: Record<string, BboMsg>;
}

/**
 * One canonical instrument (named by symbol). Keeps the last trade and best bid/ask per venue with a
 * sequence number per stream, and fans them out to browsers over hibernatable sockets. Everything a
 * woken object needs is in storage or in the sockets' attachments.
 */
export class SymbolHub extends DurableObject<Env> {
  private state: HubState;
  private feeds = new Map<string, FeedStatus>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const mode = env.FEED_MODE === 'replay' ? 'replay' : 'live';
    const stored = ctx.storage.kv.get<HubState>('state');
    this.state = stored?.mode === mode ? stored : { mode, seq: stored?.seq ?? {} };
    if (stored?.mode === mode) for (const f of ctx.storage.kv.get<FeedStatus[]>('feeds') ?? []) this.feeds.set(f.exchange, f);
  }

  override async fetch(request: Request): Promise<Response> {
    const symbol = new URL(request.url).searchParams.get('symbol') ?? '';
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ symbol, bad: 0 } satisfies Attachment);
    send(server, { t: 'hello', v: PROTOCOL_VERSION, mode: this.state.mode, serverTime: Date.now() });
    send(server, this.snapshot(symbol));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A batch from one ExchangeFeed, in venue order. Trades all go out; quotes are conflated to the batch's last. */
  async ingest(events: MarketEvent[], feed: FeedStatus): Promise<number> {
    this.feeds.set(feed.exchange, feed);
    const out: string[] = [];
    const quotes = new Map<string, BboEvent>();
    for (const e of events) {
      if (e.type === 'trade') out.push(JSON.stringify(this.tradeMsg(e)));
      else if (e.type === 'bbo') quotes.set(e.exchange, e);
    }
    for (const q of quotes.values()) out.push(JSON.stringify(this.bboMsg(q)));
    this.ctx.storage.kv.put('state', this.state);
    this.ctx.storage.kv.put('feeds', [...this.feeds.values()]);
    for (const ws of this.ctx.getWebSockets()) for (const m of out) trySend(ws, m);
    return out.length;
  }

  async updateFeed(feed: FeedStatus): Promise<void> {
    this.feeds.set(feed.exchange, feed);
    this.ctx.storage.kv.put('feeds', [...this.feeds.values()]);
    const msg = JSON.stringify({ t: 'status', feed } satisfies ServerMsg);
    for (const ws of this.ctx.getWebSockets()) trySend(ws, msg);
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const parsed = parseClientMsg(raw);
    const att = ws.deserializeAttachment() as Attachment;
    if (!parsed.ok) {
      att.bad++;
      ws.serializeAttachment(att);
      send(ws, { t: 'error', code: parsed.code, message: parsed.message });
      if (att.bad >= MAX_BAD_FRAMES) ws.close(1008, `too many bad frames (${att.bad})`);
      return;
    }
    const msg = parsed.msg;
    if (msg.t === 'ping') send(ws, { t: 'pong', ts: msg.ts, serverTime: Date.now() });
    else send(ws, this.snapshot(msg.symbol));
  }

  private snapshot(symbol: string): SnapshotMsg {
    const { trade, bbo } = this.state;
    return { t: 'snapshot', symbol, trade, bbo: bbo ? Object.values(bbo)[0] : undefined, feeds: [...this.feeds.values()] };
  }

  private nextSeq(stream: string): number {
    const n = (this.state.seq[stream] ?? 0) + 1;
    this.state.seq[stream] = n;
    return n;
  }

  private tradeMsg(e: TradeEvent): TradeMsg {
    const stream = streamName('trades', e.symbol, e.exchange);
    const msg: TradeMsg = { t: 'trade', stream, seq: this.nextSeq(stream), data: e };
    this.state.trade = msg;
    return msg;
  }

  private bboMsg(e: BboEvent): BboMsg {
    const stream = streamName('bbo', e.symbol, e.exchange);
    const msg: BboMsg = { t: 'bbo', stream, seq: this.nextSeq(stream), data: e };
    (this.state.bbo ??= {})[e.exchange] = msg;
    return msg;
  }
}

const send = (ws: WebSocket, msg: ServerMsg): void => trySend(ws, JSON.stringify(msg));

/** A socket closing under us must not stop the fan-out to the others. */
function trySend(ws: WebSocket, data: string): void {
  try {
    ws.send(data);
  } catch {
    // closed between getWebSockets() and send(); its close handler cleans up
  }
}
