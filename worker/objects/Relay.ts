import { DurableObject } from 'cloudflare:workers';
import type { FeedStatus } from '../../shared/market/types';
import type { ClientMsg, CodecName, ServerMsg, SnapshotMsg, StreamMsg, StreamRate } from '../../shared/protocol/messages';
import { configuredSymbols } from '../config';
import { CLOSE, HEARTBEAT_MS, MAX_STREAMS, parseStream, PROTOCOL_VERSION } from '../../shared/protocol/messages';
import { parseClientMsg } from '../../shared/protocol/validate';
import { HopLog, type HopSample, type HopTrace } from './hops';
import { Outbox } from './outbox';
import { frameOf } from './relay/frames';
import { Tail } from './relay/tail';
import { hubStub } from './stubs';
import { BookMirror, Thin } from './thin';

/** Bad frames a client may send before it is cut off. */
const MAX_BAD_FRAMES = 5;
/** Bytes a client may be behind (sent, not yet acknowledged) before its updates are conflated; RELAY_BACKLOG_BYTES overrides. */
const BACKLOG_BYTES = 256 * 1024;
const DRAIN_MS = 50;

/** All a woken relay needs to know about a socket: it survives hibernation with the socket. */
interface Attachment {
  codec: CodecName;
  subs: string[];
  bad: number;
  /** Wall-clock ms of the client's last frame. */
  seen: number;
  /** The rate the client asked for (its bandwidth setting); absent = everything as it happens. */
  rate?: StreamRate;
}

interface Conn {
  att: Attachment;
  subs: Set<string>;
  /** Streams whose snapshot is on its way: updates wait here so none arrives before it. */
  pending: Map<string, StreamMsg[]>;
  /** Per stream, the last update this socket was given: a late or repeated one is never sent after it. */
  seqs: Map<string, number>;
  out?: Outbox;
  /** Bytes sent on this socket since it was accepted or this relay woke; `acked` = the client's last `rx`, lined up with it. */
  sent: number;
  acked?: number;
  /** Rebuilt after hibernation: the next `rx` re-bases the counters. */
  woken: boolean;
  /** Present when the socket asked for a rate: what it holds and what waits for its next send. */
  thin?: Thin;
  /** `att.seen` as last written to the attachment. */
  savedSeen: number;
}

/**
 * One relay (named `<region>:<shard>`): browsers' hibernatable sockets, their subscriptions in each
 * socket's attachment, and one upstream subscription per stream to the hub that owns it. A slow socket
 * gets conflated updates from its own outbox; the others are never held up by it.
 */
export class Relay extends DurableObject<Env> {
  /** Every open socket (rebuilt from the attachments when a hibernated relay wakes). */
  private readonly conns = new Map<WebSocket, Conn>();
  /** Per stream: its sockets, and its snapshot with the updates since, shared by every socket on it. */
  private readonly tails = new Map<string, Tail>();
  /** Per symbol, its feeds' statuses as last heard from its hub, for a socket served without a hub call. */
  private readonly feeds = new Map<string, Map<string, FeedStatus>>();
  /** Full-depth books of the book streams sockets here hold (memory only, rebuilt from snapshots). */
  private readonly mirrors = new Map<string, BookMirror>();
  private readonly hopLog = new HopLog();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    for (const ws of ctx.getWebSockets()) this.conn(ws);
  }

  private get name(): string {
    return this.ctx.storage.kv.get<string>('name') ?? 'local:0';
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const name = url.searchParams.get('relay');
    if (name && name !== this.ctx.storage.kv.get('name')) this.ctx.storage.kv.put('name', name);
    const max = Number(this.env.RELAY_MAX_CLIENTS) || 1000;
    if (this.ctx.getWebSockets().length >= max) return new Response('relay full', { status: 503 });
    const codec: CodecName = url.searchParams.get('codec') === 'bin' ? 'bin' : 'json';
    const protocol = url.searchParams.get('protocol');
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    const att: Attachment = { codec, subs: [], bad: 0, seen: Date.now() };
    server.serializeAttachment(att);
    const c: Conn = { att, subs: new Set(), pending: new Map(), seqs: new Map(), sent: 0, woken: false, savedSeen: att.seen };
    this.conns.set(server, c);
    this.sendNow(server, c, { t: 'hello', v: PROTOCOL_VERSION, codec, mode: this.env.FEED_MODE === 'replay' ? 'replay' : 'live', serverTime: Date.now(), relay: this.name, features: ['rate'] });
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + HEARTBEAT_MS);
    // No permessage-deflate here (`no_web_socket_compression` in wrangler.toml; an empty
    // Sec-WebSocket-Extensions on this response did not stop workerd negotiating it).
    return new Response(null, { status: 101, webSocket: client, headers: protocol ? { 'Sec-WebSocket-Protocol': protocol } : {} });
  }

  /** The socket's state, rebuilt from its attachment after hibernation. */
  private conn(ws: WebSocket): Conn {
    let c = this.conns.get(ws);
    if (!c) {
      const att = ws.deserializeAttachment() as Attachment;
      this.conns.set(ws, (c = { att, subs: new Set(att.subs), pending: new Map(), seqs: new Map(), sent: 0, woken: true, thin: att.rate && new Thin(att.rate), savedSeen: att.seen }));
      for (const s of c.subs) this.tail(s).sockets.add(ws);
    }
    return c;
  }

  private tail(stream: string): Tail {
    let t = this.tails.get(stream);
    if (!t) this.tails.set(stream, (t = new Tail()));
    return t;
  }

  clients(): { sockets: number; streams: string[] } {
    const streams = [...this.tails].filter(([, t]) => t.sockets.size > 0).map(([s]) => s);
    return { sockets: this.ctx.getWebSockets().length, streams };
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const c = this.conn(ws);
    c.att.seen = Date.now();
    const parsed = parseClientMsg(raw);
    if (!parsed.ok) {
      c.att.bad++;
      ws.serializeAttachment(c.att);
      this.sendNow(ws, c, { t: 'error', code: parsed.code, message: parsed.message });
      if (c.att.bad >= MAX_BAD_FRAMES) ws.close(CLOSE.badFrames, `too many bad frames (${c.att.bad})`);
      return;
    }
    await this.handle(ws, c, parsed.msg);
    // Acks are most of a relay's incoming messages: a ping rewrites the attachment only when its `seen`
    // is 5 s stale, so after hibernation a socket is judged at worst 5 s early (40 s of its 45).
    if (parsed.msg.t !== 'ping' || c.att.seen - c.savedSeen >= HEARTBEAT_MS / 3) {
      ws.serializeAttachment(c.att);
      c.savedSeen = c.att.seen;
    }
  }

  private async handle(ws: WebSocket, c: Conn, msg: ClientMsg): Promise<void> {
    if (msg.t === 'ping') {
      if (msg.rx !== undefined) {
        if (c.woken) [c.sent, c.woken] = [msg.rx, false];
        c.acked = msg.rx;
      }
      this.sendNow(ws, c, { t: 'pong', ts: msg.ts, serverTime: Date.now() });
      return;
    }
    if (msg.t === 'unsubscribe') {
      for (const s of msg.streams) {
        c.subs.delete(s);
        c.pending.delete(s);
        c.seqs.delete(s);
        this.tails.get(s)?.sockets.delete(ws);
        c.thin?.drop(s);
      }
      c.att.subs = [...c.subs];
      await this.release(msg.streams);
      return;
    }
    // A new rate starts every stream afresh: what the client holds was cut (or not) to the old one.
    let resume = msg.resume;
    if (msg.rate && JSON.stringify(msg.rate) !== JSON.stringify(c.att.rate ?? {})) {
      c.att.rate = Object.keys(msg.rate).length ? msg.rate : undefined;
      c.thin = c.att.rate && new Thin(c.att.rate);
      resume = {};
      for (const s of msg.streams) c.subs.delete(s);
    }
    // A depth-limited socket never held the levels a replay would change: its books restart from a snapshot.
    if (resume && c.thin?.rate.depth) resume = Object.fromEntries(Object.entries(resume).filter(([s]) => !s.startsWith('book:')));
    const fresh = msg.streams.filter((s) => !c.subs.has(s) || resume?.[s] !== undefined || (c.thin?.rate.depth && s.startsWith('book:')));
    if (new Set([...c.subs, ...fresh]).size > MAX_STREAMS) {
      this.sendNow(ws, c, { t: 'error', code: 'too_many_streams', message: `at most ${MAX_STREAMS} streams per socket` });
      return;
    }
    const bySymbol = new Map<string, string[]>();
    for (const s of fresh) {
      const symbol = parseStream(s)!.symbol;
      bySymbol.set(symbol, [...(bySymbol.get(symbol) ?? []), s]);
      c.subs.add(s);
      c.seqs.delete(s);
      this.tail(s).sockets.add(ws);
    }
    c.att.subs = [...c.subs];
    ws.serializeAttachment(c.att);
    // Every instrument a venue ingests is served, as well as SYMBOLS (the same list /api/v1/instruments gives).
    const configured = configuredSymbols(this.env);
    await Promise.all([...bySymbol].map(async ([symbol, streams]) => {
      if (!configured.includes(symbol)) {
        for (const s of streams) {
          this.forget(ws, c, s);
          this.sendNow(ws, c, { t: 'error', code: 'unknown_stream', message: `${symbol} is not served here`, stream: s });
        }
        return;
      }
      // The feeds' states first, as the relay knows them (else once the hub has answered).
      const statuses = () => {
        for (const feed of this.feeds.get(symbol)?.values() ?? []) this.deliver(ws, c, { t: 'status', feed });
      };
      const known = this.feeds.has(symbol);
      if (known) statuses();
      // What this relay holds serves the socket at once; a depth-cut book, or a resume from before what
      // is held, needs the hub's own answer; every other stream waits for one snapshot call shared by all.
      const shared: string[] = [];
      const own: string[] = [];
      for (const s of streams) {
        const depthBook = c.thin?.rate.depth !== undefined && s.startsWith('book:');
        const held = depthBook ? undefined : this.tails.get(s)!.held(resume?.[s]);
        if (held) {
          c.pending.delete(s);
          for (const m of held) this.deliver(ws, c, m);
        } else {
          c.pending.set(s, []);
          (depthBook || resume?.[s] !== undefined ? own : shared).push(s);
        }
      }
      if (!own.length && !shared.length) return;
      try {
        const [mine, loaded] = await Promise.all([
          own.length ? hubStub(this.env, symbol).subscribe(this.name, symbol, own, resume) : undefined,
          shared.length ? this.load(symbol, shared) : undefined,
        ]);
        if (mine) this.noteFeeds(symbol, mine.feeds);
        if (!known) statuses();
        for (const m of (mine?.msgs ?? []) as StreamMsg[]) {
          this.follow(m);
          this.deliver(ws, c, m);
        }
        // A shared snapshot comes with the updates the relay took since; then whatever waited for this socket.
        for (const s of shared) {
          const snap = loaded?.get(s);
          for (const m of this.tails.get(s)?.held() ?? (snap ? [snap] : [])) this.deliver(ws, c, m);
        }
        for (const s of [...own, ...shared]) {
          const waiting = c.pending.get(s) ?? [];
          c.pending.delete(s);
          for (const m of waiting) this.deliver(ws, c, m);
        }
      } catch (err) {
        for (const s of [...own, ...shared]) this.forget(ws, c, s);
        this.sendNow(ws, c, { t: 'error', code: 'internal', message: `subscribe to ${symbol} failed: ${err instanceof Error ? err.message : String(err)}` });
      }
    }));
    c.att.subs = [...c.subs];
  }

  /** A socket no longer on `stream` (refused or failed): the hub hears of it when it next publishes it. */
  private forget(ws: WebSocket, c: Conn, stream: string): void {
    c.subs.delete(stream);
    c.pending.delete(stream);
    this.tails.get(stream)?.sockets.delete(ws);
  }

  /**
   * Snapshots of `streams` (one symbol) from its hub, one call for every socket that subscribes while it
   * is on its way; each stream's tail holds it with the updates that follow. Resolves to the snapshots.
   */
  private async load(symbol: string, streams: string[]): Promise<Map<string, SnapshotMsg>> {
    const tails = streams.map((s) => this.tail(s));
    const loading = tails.filter((t) => t.loading).map((t) => t.loading as Promise<Map<string, SnapshotMsg>>);
    const asked = streams.filter((_, i) => !tails[i]!.loading);
    const call = asked.length ? this.snapshots(symbol, asked) : undefined;
    for (const s of asked) this.tail(s).loading = call;
    const maps = await Promise.all([...(call ? [call] : []), ...loading]);
    return new Map(maps.flatMap((m) => [...m]));
  }

  private async snapshots(symbol: string, streams: string[]): Promise<Map<string, SnapshotMsg>> {
    try {
      const { msgs, feeds } = await hubStub(this.env, symbol).subscribe(this.name, symbol, streams);
      this.noteFeeds(symbol, feeds);
      const out = new Map<string, SnapshotMsg>();
      for (const m of msgs as StreamMsg[]) {
        if (m.t !== 'snapshot') continue;
        out.set(m.stream, m);
        this.follow(m);
        this.tails.get(m.stream)?.seed(m);
      }
      for (const s of streams) if (!out.has(s)) this.tails.get(s)?.drop();
      return out;
    } catch (err) {
      for (const s of streams) this.tails.get(s)?.drop();
      throw err;
    }
  }

  private noteFeeds(symbol: string, feeds: FeedStatus[]): void {
    let known = this.feeds.get(symbol);
    if (!known) this.feeds.set(symbol, (known = new Map()));
    for (const f of feeds) known.set(f.exchange, f);
  }

  /**
   * A batch from a hub. Each message is encoded once per codec, whatever the number of sockets.
   * Returns the streams no socket here wants any more, so the hub stops sending them. `traces` (one
   * per message, with BENCH on) are kept for the benchmark's per-hop figures.
   */
  async publish(msgs: ServerMsg[], traces: (HopTrace | undefined)[] = []): Promise<{ unwanted: string[] }> {
    const relayIn = Date.now();
    const unwanted = new Set<string>();
    for (const m of msgs) {
      const stream = streamOf(m);
      if (stream === undefined) {
        if (m.t === 'status' && m.feed.instrument) this.noteFeeds(m.feed.instrument.symbol, [m.feed]);
        for (const [ws, c] of this.conns) this.deliver(ws, c, m);
        continue;
      }
      const tail = this.tails.get(stream);
      if (!tail?.sockets.size) {
        unwanted.add(stream);
        continue;
      }
      const sm = m as StreamMsg;
      this.follow(sm);
      tail.push(sm);
      for (const ws of tail.sockets) {
        const c = this.conn(ws);
        const waiting = c.pending.get(stream);
        if (waiting) waiting.push(sm);
        else this.deliver(ws, c, sm);
      }
    }
    if (traces.length && this.env.BENCH === 'on') {
      const relaySent = Date.now();
      msgs.forEach((m, i) => {
        const t = traces[i];
        if (t && 'seq' in m) this.hopLog.add(m.stream, m.seq, { ...t, relayIn, relaySent });
      });
    }
    return { unwanted: [...unwanted] };
  }

  /**
   * Every book message the relay takes, once, into the stream's mirror: a depth-limited socket's levels and a
   * slow socket's pending book deltas come from it (the latter as the mirror's snapshot: O(1) per update per
   * slow socket instead of merging each one's levels).
   */
  private follow(m: ServerMsg): void {
    if (m.t !== 'book' && !(m.t === 'snapshot' && m.data.kind === 'book')) return;
    let mirror = this.mirrors.get(m.stream);
    if (!mirror) this.mirrors.set(m.stream, (mirror = new BookMirror()));
    if (!mirror.apply(m)) this.mirrors.delete(m.stream);
  }

  /** The hop traces recorded since the last call (BENCH on only). */
  hops(): HopSample[] {
    return this.hopLog.take();
  }

  /** To one socket, once per update: a stream's update at or before the last it was given is not sent again. */
  private deliver(ws: WebSocket, c: Conn, m: ServerMsg): void {
    const stream = streamOf(m);
    if (stream !== undefined) {
      const sm = m as StreamMsg;
      const at = c.seqs.get(stream);
      if (at !== undefined && (sm.t === 'gap' ? sm.from : sm.seq) <= at) return;
      if (sm.t !== 'gap') c.seqs.set(stream, sm.seq);
    }
    if (!this.thinned(ws, c, m)) this.emit(ws, c, m);
  }

  /**
   * A socket with a rate: its book streams are cut to its depth and sent as differences at most every
   * `bookMs`; its other streams wait in its box for their next send. True when the update was taken here.
   */
  private thinned(ws: WebSocket, c: Conn, m: ServerMsg): boolean {
    const t = c.thin;
    const stream = streamOf(m);
    if (!t || stream === undefined) return false;
    if (m.t === 'gap') {
      // A hole upstream leaves the stream whole: what waits for this socket still goes out.
      if (!m.upstream) t.forget(stream);
      return false;
    }
    const book = stream.startsWith('book:');
    if (!(book && t.rate.depth) && !t.interval(stream)) return false;
    if (m.t === 'snapshot') {
      t.forget(stream);
      if (m.data.kind !== 'book') return false;
      this.emit(ws, c, t.snapshot(m, m.data.book));
      return true;
    }
    if (m.t === 'book') {
      // After hibernation or a hole in the mirror, the levels to send are unknown: the client resubscribes.
      if (!this.mirrors.has(stream) || !t.books.has(stream)) {
        if (t.lose(stream)) this.emit(ws, c, { t: 'gap', stream, from: m.from ?? m.seq, to: m.seq, reason: 'the relay no longer holds this book at your depth; resubscribe for a snapshot' });
        return true;
      }
    } else t.box.add(m);
    this.schedule(ws, c, t, stream);
    return true;
  }

  /** One send per stream per interval: the book's difference from what the socket holds, or what waited. */
  private schedule(ws: WebSocket, c: Conn, t: Thin, stream: string): void {
    let d = t.due.get(stream);
    if (!d) t.due.set(stream, (d = { at: 0, timer: false }));
    if (d.timer) return;
    d.timer = true;
    const due = d;
    setTimeout(() => {
      due.timer = false;
      if (this.conns.get(ws) !== c || c.thin !== t || !c.subs.has(stream)) return;
      const diff = stream.startsWith('book:') ? t.diff(stream, this.mirrors.get(stream)) : undefined;
      const msgs = diff ? [diff] : t.box.take(stream);
      if (msgs.length) due.at = Date.now();
      for (const m of msgs) this.emit(ws, c, m);
    }, Math.max(0, due.at + t.interval(stream) - Date.now()));
  }

  /** Sends now, or conflates into the socket's outbox while it is backed up. */
  private emit(ws: WebSocket, c: Conn, m: ServerMsg): void {
    if (!c.out && this.backlog(ws, c) > this.maxBacklog) {
      c.out = new Outbox();
      this.scheduleDrain(ws, c);
    }
    if (c.out) {
      c.out.add(m);
      return;
    }
    c.sent += trySend(ws, frameOf(m, c.att.codec));
  }

  private scheduleDrain(ws: WebSocket, c: Conn): void {
    setTimeout(() => {
      if (!this.conns.has(ws) || !c.out) return;
      if (this.backlog(ws, c) > this.maxBacklog / 2) return this.scheduleDrain(ws, c);
      // A depth-limited socket's book deltas are cut to what it holds: those merge, never become the full book.
      const msgs = c.out.drain(c.thin?.rate.depth ? undefined : this.mirrors);
      c.out = undefined;
      for (const m of msgs) this.sendNow(ws, c, m);
    }, DRAIN_MS);
  }

  private sendNow(ws: WebSocket, c: Conn, m: ServerMsg): void {
    // A drained backlog's catch-up snapshot is the mirror's, shared by every slow socket: encoded once.
    c.sent += trySend(ws, frameOf(m, c.att.codec));
  }

  private get maxBacklog(): number {
    return Number(this.env.RELAY_BACKLOG_BYTES) || BACKLOG_BYTES;
  }

  /** How far behind a client is: unacknowledged bytes, or what the runtime still has queued, whichever is more. */
  private backlog(ws: WebSocket, c: Conn): number {
    const queued = (ws as { bufferedAmount?: number }).bufferedAmount ?? 0;
    return Math.max(queued, c.acked === undefined || c.woken ? 0 : c.sent - c.acked);
  }

  /** Heartbeat both ways: a beat to every socket; a socket silent for three periods is closed. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) {
      const c = this.conn(ws);
      if (now - c.att.seen > 3 * HEARTBEAT_MS) ws.close(CLOSE.heartbeat, 'heartbeat lost');
      else this.sendNow(ws, c, { t: 'beat', serverTime: now });
    }
    if (sockets.length) await this.ctx.storage.setAlarm(now + HEARTBEAT_MS);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    await this.gone(ws);
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code);
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.gone(ws);
  }

  private async gone(ws: WebSocket): Promise<void> {
    const c = this.conn(ws);
    this.conns.delete(ws);
    for (const s of c.subs) this.tails.get(s)?.sockets.delete(ws);
    await this.release([...c.subs]);
  }

  /** Tells hubs about streams no remaining socket wants. */
  private async release(streams: string[]): Promise<void> {
    const bySymbol = new Map<string, string[]>();
    for (const s of streams) {
      if (this.tails.get(s)?.sockets.size) continue;
      this.tails.delete(s);
      this.mirrors.delete(s);
      const symbol = parseStream(s)!.symbol;
      bySymbol.set(symbol, [...(bySymbol.get(symbol) ?? []), s]);
    }
    await Promise.all([...bySymbol].map(([symbol, list]) => hubStub(this.env, symbol).unsubscribe(this.name, list).catch(() => {})));
  }
}

/** The stream a hub message belongs to; status frames belong to none. */
const streamOf = (m: ServerMsg): string | undefined => ('seq' in m || m.t === 'gap' ? m.stream : undefined);

/** A socket closing under us must not stop the fan-out to the others. */
function trySend(ws: WebSocket, data: string | Uint8Array): number {
  try {
    ws.send(data);
    return typeof data === 'string' ? data.length : data.byteLength;
  } catch {
    return 0; // closed between getWebSockets() and send(); its close handler cleans up
  }
}
