import { DurableObject } from 'cloudflare:workers';
import type { FeedState, FeedStatus, MarketEvent, Venue } from '../../shared/market/types';
import type { Adapter } from '../ingest/adapter';
import { ADAPTERS } from '../ingest/registry';
import { configuredSymbols, hubStub } from './stubs';

/** Longest a batch waits before it goes to the hubs (the design's ≤ 50 ms hop). */
const FLUSH_MS = 20;
const FLUSH_MAX = 1000;
/** No frame for this long: the feed is stale; twice as long: the socket is presumed dead and replaced. */
const STALE_MS = 5_000;
const WATCHDOG_MS = 5_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/**
 * One venue connection (named by venue). Owns the outbound socket and the adapter, batches normalized
 * events to the SymbolHub of each instrument. Outbound sockets do not hibernate, so an alarm watches
 * liveness and reconnects after an eviction or a silent upstream.
 */
export class ExchangeFeed extends DurableObject<Env> {
  private ws: WebSocket | undefined;
  private connecting = false;
  private adapter: Adapter | undefined;
  private pending: MarketEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private sending: Promise<void> = Promise.resolve();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private backoffMs = BACKOFF_MIN_MS;
  private st: FeedStatus = { exchange: 'binance', state: 'down', mode: 'live', lastMessageAt: 0, reconnects: 0 };

  /** Idempotent: called on every client connect and by cron; the alarm keeps it going afterwards. */
  async start(venue: Venue): Promise<FeedStatus> {
    this.st.exchange = venue;
    this.st.mode = this.env.FEED_MODE === 'replay' ? 'replay' : 'live';
    await this.ctx.storage.put('venue', venue);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    if (!this.ws && !this.connecting && !this.retryTimer) void this.openUpstream();
    return this.status();
  }

  /** Closes the venue socket and ends the watchdog until the next start(). */
  async stop(): Promise<FeedStatus> {
    await this.ctx.storage.deleteAlarm();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000, 'stopped');
    await this.flush();
    this.setState('down', 'stopped');
    return this.status();
  }

  status(): FeedStatus {
    return { ...this.st };
  }

  override async alarm(): Promise<void> {
    const venue = (await this.ctx.storage.get<Venue>('venue')) ?? 'binance';
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    const silentFor = Date.now() - this.st.lastMessageAt;
    if (this.ws && silentFor > 2 * STALE_MS) {
      this.drop(`no frame for ${Math.round(silentFor / 1000)} s`);
    } else if (this.ws && silentFor > STALE_MS && this.st.state === 'live') {
      this.setState('stale', `no frame for ${Math.round(silentFor / 1000)} s`);
    }
    if (!this.ws && !this.connecting && !this.retryTimer) {
      this.st.exchange = venue;
      void this.openUpstream();
    }
  }

  private async openUpstream(): Promise<void> {
    this.connecting = true;
    this.setState('connecting');
    const symbols = configuredSymbols(this.env);
    this.adapter = ADAPTERS[this.st.exchange]!(symbols);
    const url = this.adapter.url(this.env.BINANCE_WS_URL);
    try {
      const res = await fetch(url.replace(/^ws/, 'http'), { headers: { Upgrade: 'websocket' } });
      const ws = res.webSocket;
      if (!ws) throw new Error(`upstream answered ${res.status} without a WebSocket`);
      ws.accept();
      this.ws = ws;
      ws.addEventListener('message', (e) => this.onFrame(e.data));
      ws.addEventListener('close', (e) => this.onGone(ws, `upstream closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`));
      ws.addEventListener('error', () => this.onGone(ws, 'upstream socket error'));
      for (const m of this.adapter.subscribeMessages()) ws.send(m);
    } catch (err) {
      this.scheduleRetry(`cannot reach ${url.split('?')[0]}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.connecting = false;
    }
  }

  private onFrame(data: string | ArrayBuffer): void {
    const now = Date.now();
    this.st.lastMessageAt = now;
    if (this.st.state !== 'live') {
      this.backoffMs = BACKOFF_MIN_MS;
      this.setState('live');
    }
    const frame = typeof data === 'string' ? data : new TextDecoder().decode(data);
    this.adapter?.parse(frame, now, {
      event: (e) => this.pending.push(e),
      error: (message) => console.warn(message),
      send: (f) => this.ws?.send(f),
      snapshot: () => {},
    });
    if (this.pending.length >= FLUSH_MAX) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private onGone(ws: WebSocket, reason: string): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    this.scheduleRetry(reason);
  }

  private drop(reason: string): void {
    const ws = this.ws;
    this.ws = undefined;
    try {
      ws?.close(1000, 'stale');
    } catch {
      // already closing
    }
    this.scheduleRetry(reason);
  }

  /** Jittered exponential back-off so many feeds don't hammer a venue in step after an outage. */
  private scheduleRetry(reason: string): void {
    this.setState('down', reason);
    if (this.retryTimer) return;
    const delay = this.backoffMs * (0.5 + Math.random() / 2);
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.st.reconnects++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.openUpstream();
    }, delay);
  }

  private setState(state: FeedState, reason?: string): void {
    if (this.st.state === state && this.st.reason === reason) return;
    this.st.state = state;
    this.st.reason = reason;
    const status = this.status();
    for (const symbol of configuredSymbols(this.env)) void hubStub(this.env, symbol).updateFeed(status).catch(() => {});
  }

  /** Batches go out one after another, so a hub never sees a later batch before an earlier one. */
  private flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return this.sending;
    const batch = this.pending;
    this.pending = [];
    this.sending = this.sending.then(() => this.send(batch));
    return this.sending;
  }

  private async send(batch: MarketEvent[]): Promise<void> {
    const bySymbol = new Map<string, MarketEvent[]>();
    for (const e of batch) {
      const list = bySymbol.get(e.symbol);
      if (list) list.push(e);
      else bySymbol.set(e.symbol, [e]);
    }
    await Promise.all(
      [...bySymbol].map(([symbol, events]) =>
        hubStub(this.env, symbol).ingest(events, this.status()).catch((err: unknown) => console.error(`hub ${symbol}:`, err)),
      ),
    );
  }
}
