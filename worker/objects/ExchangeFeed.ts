import { DurableObject } from 'cloudflare:workers';
import type { FeedMode, FeedState, FeedStatus, InstrumentHealth, MarketEvent, Venue } from '../../shared/market/types';
import type { Adapter, Sink } from '../ingest/adapter';
import { ADAPTERS } from '../ingest/registry';
import { parseFeedName, shards, venueConfig, type VenueConfig } from '../config';
import type { HopTrace } from './hops';
import { hubStub } from './stubs';
import { fetchSpecs, type SpecsState } from './instrument-specs';

/**
 * Least time between two batches that carry no trade: quotes and depth after a quiet spell go on the next
 * turn, within this of the previous batch they wait for the window (or ride with the next trade), so a busy
 * feed's quotes cost its hubs ≤ 1000 / QUOTES_MS calls a second.
 */
const QUOTES_MS = 20;
/** Fine-grained liveness and rotation checks while the object runs; the alarm covers evictions. */
const TICK_MS = 1_000;
const WATCHDOG_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;
const SNAPSHOT_TIMEOUT_MS = 10_000;
const SNAPSHOT_RETRY_MS = 1_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A rotation's new socket gets this long to bring its books in sync before it takes over anyway. */
const ROTATE_SWITCH_MS = 30_000;
const HISTORY = 32;
/** Larger than any venue's book snapshot frame; a bigger one means a broken or hostile upstream. */
const MAX_FRAME_BYTES = 8 * 1024 * 1024;
/** Venues list and delist instruments and change ticks rarely: once a day, and a failed fetch again after a minute. */
const SPECS_EVERY_MS = 24 * 3600_000;
const SPECS_RETRY_MS = 60_000;

/** One upstream socket with the adapter reading it. */
interface Conn {
  ws: WebSocket;
  adapter: Adapter;
  sink: Sink;
  openedAt: number;
  lastMessageAt: number;
  heartbeat?: ReturnType<typeof setInterval>;
}

type Counters = Pick<InstrumentHealth, 'gaps' | 'checksumOk' | 'checksumFailed' | 'resyncs'>;

export interface HistoryEntry {
  at: number;
  state: FeedState;
  reason?: string;
  symbol?: string;
}

/** What `GET /api/v1/exchanges` shows for one connection. */
export interface FeedHealth {
  name: string;
  venue: Venue;
  mode: FeedMode;
  state: FeedState;
  reason?: string;
  url?: string;
  lastMessageAt: number;
  connectedAt: number;
  reconnects: number;
  stalls: number;
  rotations: number;
  snapshotErrors: number;
  /** Latest state changes of the connection and (with `symbol`) of its instruments, oldest first. */
  history: HistoryEntry[];
  instruments: InstrumentHealth[];
}

/**
 * One venue connection, named `venue` or `venue:shard`. Owns the outbound socket and the venue adapter:
 * subscribes the shard's instruments, sends the adapter's heartbeats, replaces a silent socket, backs
 * off with jitter, rotates before the venue's forced cut, fetches the REST snapshots the adapter asks
 * for, and batches normalized events to the SymbolHub of each instrument with its health. Outbound
 * sockets do not hibernate, so an alarm reconnects after an eviction.
 */
export class ExchangeFeed extends DurableObject<Env> {
  private name: string | undefined;
  private cfg: VenueConfig | undefined;
  private symbols: string[] = [];
  private adapter: Adapter | undefined;
  private conn: Conn | undefined;
  /** A rotation's replacement socket, syncing its own adapter until it takes over. */
  private next: Conn | undefined;
  private rotateTimer: ReturnType<typeof setTimeout> | undefined;
  private connecting = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private tickTimer: ReturnType<typeof setInterval> | undefined;
  private backoffMs = BACKOFF_MIN_MS;
  private pending: MarketEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires, so a trade can bring a quote window's flush forward. */
  private flushAt = 0;
  private lastFlush = 0;
  /** A trade waits in `pending`: it goes on the next turn, not at the end of a quote window. */
  private tradeWaiting = false;
  /** Batches handed to the hubs whose calls have not all returned. */
  private inFlight = 0;
  private sending: Promise<void> = Promise.resolve();
  private readonly snapshotsInFlight = new Set<string>();
  private ruleBroken = false;
  private specsTriedAt = 0;
  /** Counters of adapters retired by rotation, so an instrument's totals survive the switch. */
  private readonly carried = new Map<string, Counters>();
  /** Per symbol, the state last told to its hub, so hubs hear about changes once. */
  private readonly told = new Map<string, string>();
  private h: Omit<FeedHealth, 'instruments' | 'name' | 'venue' | 'mode'> = {
    state: 'down', reason: 'not started', lastMessageAt: 0, connectedAt: 0, reconnects: 0, stalls: 0, rotations: 0, snapshotErrors: 0, history: [],
  };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.h.reconnects = ctx.storage.kv.get<number>('reconnects') ?? 0;
  }

  /** Idempotent: called on every client connect and by cron; the alarm keeps it going afterwards. */
  async start(name: string): Promise<FeedStatus> {
    this.configure(name);
    this.ctx.storage.kv.put('name', name);
    this.ctx.storage.kv.delete('stopped');
    // A venue this build has no adapter for stays down without a watchdog: there is nothing to keep alive.
    if (this.adapter && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    this.run();
    return this.status();
  }

  /** Closes the upstream and stays down (no alarm) until the next start. */
  async stop(): Promise<FeedStatus> {
    this.ctx.storage.kv.put('stopped', true);
    await this.ctx.storage.deleteAlarm();
    cancel(this.tickTimer);
    cancel(this.retryTimer);
    this.tickTimer = this.retryTimer = undefined;
    for (const c of [this.conn, this.next]) if (c) this.retire(c, 'stopped');
    this.conn = this.next = undefined;
    this.adapter?.reset();
    this.setState('down', 'stopped');
    return this.status();
  }

  override async alarm(): Promise<void> {
    const name = this.ctx.storage.kv.get<string>('name');
    if (!name || this.ctx.storage.kv.get<boolean>('stopped')) return;
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    this.configure(name);
    this.run();
  }

  /** The feed's connection-level status, or as one instrument's hub sees it. */
  status(symbol?: string): FeedStatus {
    const base: FeedStatus = {
      exchange: this.cfg?.venue ?? 'binance', state: this.h.state, mode: this.mode, lastMessageAt: this.h.lastMessageAt,
      reconnects: this.h.reconnects, reason: this.h.reason,
    };
    const instrument = symbol === undefined ? undefined : this.instruments(Date.now()).find((i) => i.symbol === symbol);
    return instrument ? { ...base, state: instrument.state, reason: instrument.reason ?? base.reason, instrument } : base;
  }

  /** Health without starting anything: a feed nobody started reports `down` with its instruments. */
  health(name: string): FeedHealth {
    this.configure(name);
    if (!this.adapter && this.h.reason === 'not started') this.h.reason = `no adapter for ${this.cfg!.venue} in this build`;
    return {
      name, venue: this.cfg!.venue, mode: this.mode, ...this.h, url: this.adapter?.url(this.cfg!.ws),
      history: [...this.h.history], instruments: this.instruments(Date.now()),
    };
  }

  /** Tick, lot and contract sizes of this feed's instruments from the venue's list, as last fetched. */
  instrumentSpecs(): SpecsState {
    return this.ctx.storage.kv.get<SpecsState>('specs') ?? { specs: {}, fetchedAt: 0, error: 'instrument list not fetched yet' };
  }

  /** Opens a fresh socket beside the current one and switches once its books are in sync. */
  rotate(reason = 'scheduled rotation before the venue cuts the connection'): boolean {
    if (!this.conn || this.next || !this.cfg) return false;
    this.h.rotations++;
    this.note(this.h.state, `rotating: ${reason}`);
    void this.open(true);
    this.rotateTimer = setTimeout(() => this.next && this.switchTo(this.next), ROTATE_SWITCH_MS);
    return true;
  }

  private get mode(): FeedMode {
    return this.env.FEED_MODE === 'replay' ? 'replay' : 'live';
  }

  private configure(name: string): void {
    if (this.name === name && this.cfg) return;
    const parsed = parseFeedName(name);
    if (!parsed) throw new Error(`feed name ${name} is not venue or venue:shard`);
    const cfg = venueConfig(this.env, parsed.venue);
    if (!cfg) throw new Error(`venue ${parsed.venue} is not configured in VENUES`);
    this.name = name;
    this.cfg = cfg;
    this.symbols = shards(cfg).find((s) => s.name === name)?.symbols ?? [];
    this.adapter = ADAPTERS[cfg.venue]?.(this.symbols);
  }

  private run(): void {
    if (this.ctx.storage.kv.get<boolean>('stopped')) return;
    if (!this.adapter) {
      this.setState('down', `no adapter for ${this.cfg?.venue ?? '?'} in this build`);
      return;
    }
    this.tickTimer ??= setInterval(() => this.tick(), TICK_MS);
    void this.refreshSpecs();
    if (!this.conn && !this.connecting && !this.retryTimer) void this.open(false);
  }

  private get staleMs(): number {
    return this.cfg?.staleMs ?? this.adapter?.staleAfterMs ?? 10_000;
  }

  /** Silence past the venue's interval replaces the socket; age past the venue's cut rotates it. */
  private tick(): void {
    const now = Date.now();
    for (const c of [this.conn, this.next]) {
      if (!c || now - c.lastMessageAt <= this.staleMs) continue;
      const reason = `no frame for ${((now - c.lastMessageAt) / 1000).toFixed(1)} s`;
      if (c === this.next) {
        this.next = undefined;
        this.retire(c, 'stale');
        continue;
      }
      this.h.stalls++;
      this.conn = undefined;
      this.retire(c, 'stale');
      this.adapter?.reset();
      this.scheduleRetry('stale', reason);
    }
    const rotateMs = this.cfg?.rotateMs ?? this.adapter?.maxConnectionMs;
    if (this.conn && rotateMs && now - this.conn.openedAt > rotateMs) this.rotate();
    this.flush(true);
  }

  private async open(rotating: boolean): Promise<void> {
    const cfg = this.cfg!;
    const adapter = rotating ? ADAPTERS[cfg.venue]!(this.symbols) : this.adapter!;
    if (!rotating) {
      this.connecting = true;
      const after = this.h.state === 'down' || this.h.state === 'stale' ? this.h.reason : undefined;
      this.setState('connecting', after && after !== 'not started' ? `reconnecting after: ${after}` : undefined);
    }
    const url = adapter.url(cfg.ws);
    try {
      // The timeout bounds the handshake only: a signal that fires later would tear down the upgraded socket
      // (workerd ties the socket to its request), which dropped every connection 10 s after it opened.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(new Error(`no upgrade within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
      const res = await fetch(url.replace(/^ws/, 'http'), { headers: { Upgrade: 'websocket' }, signal: abort.signal }).finally(() => clearTimeout(timer));
      const ws = res.webSocket;
      if (!ws) throw new Error(`upstream answered ${res.status} without a WebSocket`);
      ws.accept();
      if (this.ctx.storage.kv.get<boolean>('stopped')) {
        ws.close(1000, 'stopped');
        return;
      }
      const now = Date.now();
      const conn: Conn = { ws, adapter, openedAt: now, lastMessageAt: now, sink: undefined as unknown as Sink };
      conn.sink = this.sinkFor(conn);
      ws.addEventListener('message', (e) => this.onFrame(conn, e.data));
      ws.addEventListener('close', (e) => this.onGone(conn, `upstream closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`));
      ws.addEventListener('error', () => this.onGone(conn, 'upstream socket error'));
      for (const m of adapter.subscribeMessages()) ws.send(m);
      const hb = adapter.heartbeat;
      if (hb) conn.heartbeat = setInterval(() => trySend(ws, hb.frame), hb.intervalMs);
      if (rotating) this.next = conn;
      else {
        this.conn = conn;
        this.h.connectedAt = now;
      }
    } catch (err) {
      const reason = `cannot reach ${url.split('?')[0]}: ${err instanceof Error ? err.message : String(err)}`;
      if (rotating) this.note(this.h.state, `rotation failed: ${reason}`);
      else this.scheduleRetry('down', reason);
    } finally {
      if (!rotating) this.connecting = false;
    }
  }

  private sinkFor(conn: Conn): Sink {
    return {
      // A rotation's socket syncs in silence: only the connection in charge publishes.
      event: (e) => {
        if (conn !== this.conn) return;
        this.pending.push(e);
        if (e.type === 'trade') this.tradeWaiting = true;
      },
      error: (message, symbol) => {
        console.warn(`${this.name}${symbol ? ` ${symbol}` : ''}: ${message}`);
        // A broken rule usually flips the book to resyncing: tell the hubs now, before a quick resync hides it.
        if (symbol) this.ruleBroken = true;
      },
      send: (frame) => trySend(conn.ws, frame),
      snapshot: (symbol, path) => void this.fetchSnapshot(conn, symbol, path, 0),
    };
  }

  private onFrame(conn: Conn, data: string | ArrayBuffer): void {
    const now = Date.now();
    conn.lastMessageAt = now;
    const size = typeof data === 'string' ? data.length : data.byteLength;
    if (size > MAX_FRAME_BYTES) {
      // Never parsed: the socket is replaced and the books rebuilt, as after any broken connection.
      this.retire(conn, 'frame too large');
      this.onGone(conn, `upstream sent a frame of ${size} bytes (limit ${MAX_FRAME_BYTES})`);
      return;
    }
    const frame = typeof data === 'string' ? data : new TextDecoder().decode(data);
    if (conn === this.next) {
      conn.adapter.parse(frame, now, conn.sink);
      if (conn.adapter.health().every((i) => i.state === 'live')) this.switchTo(conn);
      return;
    }
    if (conn !== this.conn) return;
    this.h.lastMessageAt = now;
    if (this.h.state !== 'live') {
      this.backoffMs = BACKOFF_MIN_MS;
      this.setState('live');
    }
    conn.adapter.parse(frame, now, conn.sink);
    this.queued();
  }

  /**
   * A trade goes to the hubs on the next turn, with every frame read before it (frames read in the same
   * turn travel together); quotes and depth alone wait out QUOTES_MS. One batch is on its way at a time:
   * what arrives meanwhile goes when it returns, so calls never outrun the hubs. Each call costs a hub a
   * transaction and every subscribed relay a call, whatever its size: sending every frame at once
   * saturated workerd at replay speed 5, a fixed window for everything delayed every trade up to 20 ms.
   */
  private queued(): void {
    if (this.ruleBroken) {
      this.ruleBroken = false;
      this.flush(true);
      return;
    }
    if (this.inFlight > 0 || this.pending.length === 0) return;
    const now = Date.now();
    const at = this.tradeWaiting ? now : Math.max(now, this.lastFlush + QUOTES_MS);
    if (this.flushTimer !== undefined && this.flushAt <= at) return;
    cancel(this.flushTimer);
    this.flushAt = at;
    this.flushTimer = setTimeout(() => this.flush(false), at - now);
  }

  /**
   * The venue's instrument list, daily, beside the socket and never in its way. A failure keeps the last
   * known specs (an instrument missing from a partial answer keeps its old ones) and only notes the error.
   */
  private async refreshSpecs(): Promise<void> {
    const now = Date.now();
    const last = this.instrumentSpecs();
    const sameSymbols = last.symbols?.join() === this.symbols.join();
    if ((sameSymbols && now - last.fetchedAt < SPECS_EVERY_MS) || now - this.specsTriedAt < SPECS_RETRY_MS || !this.cfg) return;
    this.specsTriedAt = now;
    const { specs, errors } = await fetchSpecs(this.cfg.venue, this.cfg.rest, this.symbols);
    const got = Object.keys(specs).length > 0;
    if (errors.length) console.warn(`${this.name}: instrument list: ${errors.join('; ')}`);
    const error = errors.length ? errors.join('; ') : got ? undefined : `none of ${this.symbols.join(', ')} is in the instrument list`;
    this.ctx.storage.kv.put<SpecsState>('specs', {
      specs: { ...last.specs, ...specs }, fetchedAt: got ? now : last.fetchedAt, ...(error ? { error } : {}),
      ...(got ? { symbols: this.symbols } : last.symbols ? { symbols: last.symbols } : {}),
    });
  }

  /** REST snapshot for a book the adapter is (re)building; failures retry with back-off while the socket lives. */
  private async fetchSnapshot(conn: Conn, symbol: string, path: string, attempt: number): Promise<void> {
    const key = `${symbol} ${path}`;
    if (attempt === 0 && this.snapshotsInFlight.has(key)) return;
    this.snapshotsInFlight.add(key);
    const live = () => conn === this.conn || conn === this.next;
    try {
      const res = await fetch(`${this.cfg!.rest.replace(/\/+$/, '')}${path}`, { signal: AbortSignal.timeout(SNAPSHOT_TIMEOUT_MS) });
      const body = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${body.slice(0, 120)}`);
      this.snapshotsInFlight.delete(key);
      if (!live()) return;
      conn.adapter.onSnapshot?.(symbol, body, Date.now(), conn.sink);
      if (conn === this.conn) this.flush(true);
    } catch (err) {
      this.h.snapshotErrors++;
      if (!live()) {
        this.snapshotsInFlight.delete(key);
        return;
      }
      console.warn(`${this.name} ${symbol}: snapshot ${path} failed: ${err instanceof Error ? err.message : String(err)}`);
      const delay = Math.min(SNAPSHOT_RETRY_MS * 2 ** attempt, BACKOFF_MAX_MS) * (0.5 + Math.random() / 2);
      setTimeout(() => (live() ? void this.fetchSnapshot(conn, symbol, path, attempt + 1) : this.snapshotsInFlight.delete(key)), delay);
    }
  }

  private onGone(conn: Conn, reason: string): void {
    cancel(conn.heartbeat);
    if (conn === this.next) {
      this.next = undefined;
      this.note(this.h.state, `rotation socket lost: ${reason}`);
      return;
    }
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.adapter?.reset();
    this.scheduleRetry('down', reason);
  }

  private switchTo(next: Conn): void {
    cancel(this.rotateTimer);
    const old = this.conn;
    this.flush(false);
    if (old) {
      for (const i of old.adapter.health()) {
        const c = this.carried.get(i.symbol) ?? { gaps: 0, checksumOk: 0, checksumFailed: 0, resyncs: 0 };
        this.carried.set(i.symbol, { gaps: c.gaps + i.gaps, checksumOk: c.checksumOk + i.checksumOk, checksumFailed: c.checksumFailed + i.checksumFailed, resyncs: c.resyncs + i.resyncs });
      }
      this.retire(old, 'rotated');
    }
    this.conn = next;
    this.next = undefined;
    this.adapter = next.adapter;
    this.h.connectedAt = next.openedAt;
    this.h.lastMessageAt = next.lastMessageAt;
    this.note('live', 'switched to the rotated connection');
  }

  private retire(c: Conn, reason: string): void {
    cancel(c.heartbeat);
    try {
      c.ws.close(1000, reason);
    } catch {
      // already closing
    }
  }

  /** Jittered exponential back-off so many feeds don't hammer a venue in step after an outage. */
  private scheduleRetry(state: FeedState, reason: string): void {
    this.setState(state, reason);
    if (this.retryTimer || this.ctx.storage.kv.get<boolean>('stopped')) return;
    const delay = this.backoffMs * (0.5 + Math.random() / 2);
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.h.reconnects++;
    this.ctx.storage.kv.put('reconnects', this.h.reconnects);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.open(false);
    }, delay);
  }

  private setState(state: FeedState, reason?: string): void {
    if (this.h.state === state && this.h.reason === reason) return;
    this.note(state, reason);
    this.flush(true);
  }

  private note(state: FeedState, reason?: string): void {
    this.h.state = state;
    this.h.reason = reason;
    this.remember(reason ? { at: Date.now(), state, reason } : { at: Date.now(), state });
  }

  /** Book-level transitions (syncing, resyncing, live) of one instrument, beside the connection's. */
  private noteInstrument(i: InstrumentHealth): void {
    if (this.h.state !== 'live' && i.state === this.h.state) return; // the connection's own change, already noted
    this.remember(i.reason ? { at: Date.now(), symbol: i.symbol, state: i.state, reason: i.reason } : { at: Date.now(), symbol: i.symbol, state: i.state });
  }

  private remember(entry: HistoryEntry): void {
    this.h.history.push(entry);
    if (this.h.history.length > HISTORY) this.h.history.shift();
  }

  /**
   * Each instrument as a consumer must see it: the connection's state while it is not live (a book on
   * a dead socket is not live), else the adapter's book state, and stale when the instrument is silent.
   */
  private instruments(now: number): InstrumentHealth[] {
    const adapter = this.conn?.adapter ?? this.adapter;
    const byAdapter = new Map((adapter?.health() ?? []).map((i) => [i.symbol, i]));
    return this.symbols.map((symbol) => {
      const a = byAdapter.get(symbol);
      const c = this.carried.get(symbol);
      const i: InstrumentHealth = {
        symbol, state: a?.state ?? 'connecting', lastMessageAt: a?.lastMessageAt ?? 0,
        gaps: (a?.gaps ?? 0) + (c?.gaps ?? 0), checksumOk: (a?.checksumOk ?? 0) + (c?.checksumOk ?? 0),
        checksumFailed: (a?.checksumFailed ?? 0) + (c?.checksumFailed ?? 0), resyncs: (a?.resyncs ?? 0) + (c?.resyncs ?? 0),
      };
      if (a?.reason) i.reason = a.reason;
      if (this.h.state !== 'live') {
        i.state = this.h.state;
        if (this.h.reason) i.reason = this.h.reason;
        else delete i.reason;
      } else if (i.state === 'live' && i.lastMessageAt && now - i.lastMessageAt > this.staleMs) {
        i.state = 'stale';
        i.reason = `no data for ${((now - i.lastMessageAt) / 1000).toFixed(0)} s`;
      }
      return i;
    });
  }

  /**
   * Batches go out one after another, so a hub never sees a later batch (or state) before an earlier one.
   * Only a forced flush (a state change hubs must hear before a quick recovery hides it) overtakes the wait
   * for the batch in flight; it is still queued behind it.
   */
  private flush(force: boolean): void {
    cancel(this.flushTimer);
    this.flushTimer = undefined;
    if (!force && (this.pending.length === 0 || this.inFlight > 0)) return;
    this.lastFlush = Date.now();
    this.tradeWaiting = false;
    const batch = this.pending;
    this.pending = [];
    const recv = batch.length ? batch[0]!.recvTs : Date.now();
    const base = this.status();
    // Health is read now, in step with the events, not when the previous batch's calls have returned.
    const statuses = new Map(this.instruments(Date.now()).map((i) => [i.symbol, { ...base, state: i.state, reason: i.reason ?? base.reason, instrument: i } as FeedStatus & { instrument: InstrumentHealth }]));
    const changed = new Set<string>();
    for (const [symbol, status] of statuses) {
      const key = `${status.state}|${status.reason ?? ''}`;
      if (this.told.get(symbol) === key) continue;
      this.told.set(symbol, key);
      changed.add(symbol);
      this.noteInstrument(status.instrument);
    }
    this.inFlight++;
    this.sending = this.sending.then(() => this.publish(batch, base, statuses, changed, recv)).finally(() => {
      if (--this.inFlight === 0) this.queued();
    });
  }

  /** Events to their instrument's hub with its health; hubs without events hear only of state changes. */
  private async publish(batch: MarketEvent[], base: FeedStatus, statuses: Map<string, FeedStatus>, changed: Set<string>, recv: number): Promise<void> {
    const bySymbol = new Map<string, MarketEvent[]>();
    for (const e of batch) {
      const list = bySymbol.get(e.symbol);
      if (list) list.push(e);
      else bySymbol.set(e.symbol, [e]);
    }
    const calls: Promise<void>[] = [];
    for (const symbol of new Set([...statuses.keys(), ...bySymbol.keys()])) {
      const status = statuses.get(symbol) ?? base;
      const events = bySymbol.get(symbol);
      if (!events && !changed.has(symbol)) continue;
      // A state change goes out as its own status message before the events it precedes.
      const hub = hubStub(this.env, symbol);
      calls.push((async () => {
        if (changed.has(symbol)) await hub.updateFeed(status);
        if (events) await hub.ingest(events, status, { recv, feedSend: Date.now() } satisfies HopTrace);
      })().catch((err: unknown) => console.error(`hub ${symbol}:`, err)));
    }
    await Promise.all(calls);
  }
}

/** Timers and intervals share one id space; either may be unset. */
function cancel(id: ReturnType<typeof setTimeout> | undefined): void {
  if (id !== undefined) clearTimeout(id);
}

function trySend(ws: WebSocket, frame: string): void {
  try {
    ws.send(frame);
  } catch {
    // closing; its close event replaces the connection
  }
}
