import * as Comlink from 'comlink';
import { CandleBuilder } from '../../shared/market/candles';
import type { ServerMsg } from '../../shared/protocol/messages';
import { parseServerMsg } from '../../shared/protocol/validate';
import { loadCandleChunks, openDb, putCandleChunk, type Db } from '../db';
import { CandleTable } from './candle-table';
import type { CandleView, DataApi, LinkState, MarketView } from './view';

/** Connected but nothing for this long: the numbers on screen are stale. */
const STALE_MS = 3_000;
const PING_MS = 10_000;
const VIEW_MS = 100;
const CANDLE_PUSH_MS = 500;
const PERSIST_MS = 2_000;
const KEEP_CANDLES = 3_600;
const SHOW_CANDLES = 300;
const TPS_WINDOW_MS = 5_000;

class DataEngine {
  private ws: WebSocket | undefined;
  private db: Db | undefined;
  private backoff = 500;
  private lastPongAt = 0;
  private readonly tradeTimes: number[] = [];
  private readonly table = new CandleTable(KEEP_CANDLES);
  private readonly builder = new CandleBuilder(1000, (bar) => {
    this.table.append(bar);
    this.candlesDirty = true;
  });
  private cachedRows = 0;
  private candlesDirty = true;
  private socketOpen = false;
  readonly view: MarketView;

  constructor(
    private readonly opts: { wsUrl: string; symbol: string; exchange: string },
    private readonly onView: (v: MarketView) => void,
    private readonly onCandles: (c: CandleView) => void,
  ) {
    this.view = {
      symbol: opts.symbol, exchange: opts.exchange, link: 'connecting', mode: null, feed: null, feeds: [], last: null,
      bid: null, bidSize: null, ask: null, askSize: null, tradesPerSecond: 0, lastDataAt: 0, offlineSince: null, reason: null,
    };
  }

  get series(): string {
    return `${this.opts.exchange}:${this.opts.symbol}:1s`;
  }

  /** Cached candles first, so a reload paints history before the socket is even open. */
  async run(): Promise<void> {
    try {
      this.db = await openDb();
      const chunks = await loadCandleChunks(this.db, this.series, KEEP_CANDLES);
      this.table.loadIPC(chunks.map((c) => c.ipc));
      this.cachedRows = this.table.length;
    } catch (err) {
      this.view.reason = `history cache unavailable: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.pushCandles();
    this.connect();
    setInterval(() => this.tick(), VIEW_MS);
    setInterval(() => this.pushCandles(), CANDLE_PUSH_MS);
    setInterval(() => void this.persist(), PERSIST_MS);
    setInterval(() => this.ping(), PING_MS);
    self.addEventListener('online', () => {
      if (this.ws?.readyState !== WebSocket.OPEN) this.connect();
    });
  }

  private connect(): void {
    this.ws?.close();
    const ws = new WebSocket(`${this.opts.wsUrl}?symbol=${encodeURIComponent(this.opts.symbol)}`);
    this.ws = ws;
    this.socketOpen = false;
    ws.onopen = () => {
      this.socketOpen = true;
      this.backoff = 500;
      this.lastPongAt = Date.now();
      this.view.offlineSince = null;
      this.view.reason = null;
    };
    ws.onmessage = (e) => this.onFrame(e.data as string);
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.socketOpen = false;
      this.view.offlineSince ??= Date.now();
      this.view.reason = e.reason || `socket closed (${e.code})`;
      const delay = this.backoff * (0.5 + Math.random() / 2);
      this.backoff = Math.min(this.backoff * 2, 15_000);
      setTimeout(() => this.ws === ws && this.connect(), delay);
    };
  }

  private onFrame(raw: string): void {
    const parsed = parseServerMsg(raw);
    if (!parsed.ok) {
      this.view.reason = parsed.message;
      return;
    }
    this.apply(parsed.msg, Date.now());
  }

  private apply(msg: ServerMsg, now: number): void {
    switch (msg.t) {
      case 'hello':
        this.view.mode = msg.mode;
        return;
      case 'snapshot':
        if (msg.trade) this.apply(msg.trade, 0);
        if (msg.bbo) this.apply(msg.bbo, 0);
        this.view.feed = msg.feeds.find((f) => f.exchange === this.opts.exchange) ?? null;
        this.view.feeds = msg.feeds;
        return;
      case 'status':
        if (msg.feed.exchange === this.opts.exchange) this.view.feed = msg.feed;
        // In place, so the badges keep their order.
        this.view.feeds = this.view.feeds.some((f) => f.exchange === msg.feed.exchange)
          ? this.view.feeds.map((f) => (f.exchange === msg.feed.exchange ? msg.feed : f))
          : [...this.view.feeds, msg.feed];
        return;
      case 'trade': {
        const d = msg.data;
        this.view.last = { price: d.price, amount: d.amount, side: d.side, id: d.id, ts: d.ts };
        // A snapshot's trade (now = 0) sets the price but is not a fresh tick or a candle input.
        if (now) {
          this.builder.add(d.ts, d.price, d.amount);
          this.candlesDirty = true;
          this.tradeTimes.push(now);
          this.view.lastDataAt = now;
          this.touch(d.exchange, now);
        }
        return;
      }
      case 'bbo':
        this.view.bid = msg.data.bid;
        this.view.bidSize = msg.data.bidSize;
        this.view.ask = msg.data.ask;
        this.view.askSize = msg.data.askSize;
        if (now) {
          this.view.lastDataAt = now;
          this.touch(msg.data.exchange, now);
        }
        return;
      case 'pong':
        this.lastPongAt = now;
        return;
      case 'error':
        this.view.reason = `${msg.code}: ${msg.message}`;
        return;
    }
  }

  /**
   * Status messages come only on state changes, so a venue's age is kept by its data: the browser's
   * receive time of its latest trade or quote (one clock with `now`, so no edge–browser skew in the age).
   */
  private touch(exchange: string, now: number): void {
    const f = this.view.feeds.find((x) => x.exchange === exchange);
    if (!f) return;
    f.lastMessageAt = now;
    if (f.instrument) f.instrument.lastMessageAt = now;
  }

  private linkState(now: number): LinkState {
    if (!this.socketOpen) return this.view.offlineSince ? 'offline' : 'connecting';
    if (this.view.feed && this.view.feed.state !== 'live') return 'stale';
    return now - this.view.lastDataAt > STALE_MS ? 'stale' : 'live';
  }

  private tick(): void {
    const now = Date.now();
    while (this.tradeTimes.length && this.tradeTimes[0]! < now - TPS_WINDOW_MS) this.tradeTimes.shift();
    this.view.tradesPerSecond = this.tradeTimes.length / (TPS_WINDOW_MS / 1000);
    this.view.link = this.linkState(now);
    this.onView({ ...this.view });
  }

  private pushCandles(): void {
    if (!this.candlesDirty) return;
    this.candlesDirty = false;
    const closed = this.table.tail(SHOW_CANDLES);
    const open = this.builder.open ? { ...this.builder.open } : null;
    const view: CandleView = { closed, open, cachedRows: Math.min(this.cachedRows, this.table.length), totalRows: this.table.length };
    this.onCandles(Comlink.transfer(view, Object.values(closed).map((a) => a.buffer)));
  }

  private async persist(): Promise<void> {
    const chunk = this.table.drainIPC();
    if (!chunk || !this.db) return;
    await putCandleChunk(this.db, { series: this.series, ...chunk });
  }

  /** Heartbeat: a socket that stops answering is replaced rather than trusted. */
  private ping(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastPongAt > 2 * PING_MS) {
      ws.close(4000, 'heartbeat lost');
      return;
    }
    ws.send(JSON.stringify({ t: 'ping', ts: Date.now() }));
  }
}

const api: DataApi = {
  async start(opts, onView, onCandles) {
    await new DataEngine(opts, onView, onCandles).run();
  },
};

Comlink.expose(api);
