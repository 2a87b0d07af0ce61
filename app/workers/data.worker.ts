import * as Comlink from 'comlink';
import { CandleBuilder, type CandleColumns } from '../../shared/market/candles';
import type { ServerMsg } from '../../shared/protocol/messages';
import { parseServerMsg } from '../../shared/protocol/validate';
import { loadKernels } from '../../wasm/kernels';
import { DbHandle, storageStatus } from '../db';
import { INTERVAL_MS } from './gap-fill';
import { Instrument } from './instrument';
import type { BookView, CandleView, DataApi, Interval, LinkState, MarketView, StartOptions } from './view';

/** Connected but nothing for this long: the numbers on screen are stale. */
const STALE_MS = 3_000;
const PING_MS = 10_000;
const VIEW_MS = 100;
const CANDLE_PUSH_MS = 500;
const PERSIST_MS = 2_000;
const TPS_WINDOW_MS = 5_000;
/** Rows sent ahead of a full view so the first paint does not wait for a year of bars. */
const FIRST_PAINT_ROWS = 1_500;

class DataEngine {
  private ws: WebSocket | undefined;
  private readonly db = new DbHandle(undefined, { onClosed: () => (this.view.reason = 'history cache reopened after another tab upgraded it') });
  private dbOk = false;
  private backoff = 500;
  private lastPongAt = 0;
  private readonly tradeTimes: number[] = [];
  readonly inst: Instrument;
  private readonly builder = new CandleBuilder(1000, (bar) => {
    this.inst.addSecond(bar);
    this.candlesDirty = true;
  });
  private candlesDirty = true;
  private socketOpen = false;
  private interval: Interval = '1s';
  /** Chart state: what was sent last, so pushes carry only the changed tail. */
  private sent: { interval: Interval; epoch: number; lastTime: number; partial: boolean } | null = null;
  private historyNote: string | null = null;
  /** False until the cache is loaded: pushing a half-loaded history would make the chart redraw per chunk. */
  private ready = false;
  readonly view: MarketView;

  constructor(
    private readonly opts: StartOptions,
    private readonly onView: (v: MarketView) => void,
    private readonly onCandles: (c: CandleView) => void,
  ) {
    this.view = {
      symbol: opts.symbol, exchange: opts.exchange, link: 'connecting', mode: null, feed: null, feeds: [], last: null,
      bid: null, bidSize: null, ask: null, askSize: null, tradesPerSecond: 0, lastDataAt: 0,
      offlineSince: self.navigator.onLine === false ? Date.now() : null, reason: null,
    };
    this.inst = new Instrument({ exchange: opts.exchange, symbol: opts.symbol });
  }

  setInterval(interval: Interval): void {
    this.interval = interval;
    this.candlesDirty = true;
    this.pushCandles();
  }

  /** Cached candles first, so a reload paints history before the socket is even open; wasm loads meanwhile. */
  async run(): Promise<void> {
    const kernels = loadKernels(new URL('../../wasm/kernels.wasm', import.meta.url), (why) => (this.view.reason = `wasm kernels unavailable (${why}); using TypeScript`));
    try {
      await this.inst.loadCache(await this.db.get(), () => {
        this.ready = true;
        this.pushCandles();
      });
      this.dbOk = true;
      this.candlesDirty = true;
      void storageStatus();
    } catch (err) {
      this.view.reason = `history cache unavailable: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.ready = true;
    this.pushCandles();
    this.inst.kernels = await kernels;
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
      void this.fillHistory();
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
          this.inst.addTrade(d.ts, d.price, d.amount, d.side);
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
          this.inst.addQuote(msg.data.ts, msg.data.bid, msg.data.bidSize, msg.data.ask, msg.data.askSize);
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

  /**
   * Sends the chart what changed: a full view after an interval switch or a history merge (first the newest
   * rows so the first paint is quick, then all of them), else only rows from the last bar sent on.
   */
  private pushCandles(): void {
    if (!this.candlesDirty || !this.ready) return;
    this.candlesDirty = false;
    const inst = this.inst;
    const epoch = inst.historyEpoch;
    const sent = this.sent;
    const full = !sent || sent.interval !== this.interval || sent.epoch !== epoch || sent.partial;
    const all = this.interval === '1s' ? inst.live.length : inst.history.length + 1;
    const partial = full && !sent?.partial && all > FIRST_PAINT_ROWS;
    const chart = inst.chart(this.interval, !full ? { since: sent.lastTime } : partial ? { last: FIRST_PAINT_ROWS } : { all: true });
    this.sent = { interval: this.interval, epoch, lastTime: chart.lastTime, partial };
    if (partial) this.candlesDirty = true;
    const oneSecond = this.interval === '1s';
    const view: CandleView = {
      interval: this.interval,
      full,
      ipc: chart.ipc,
      open: oneSecond && this.builder.open ? { ...this.builder.open } : null,
      cachedRows: oneSecond ? Math.min(inst.cachedLive, inst.live.length) : Math.min(inst.cachedHistory, inst.history.length),
      totalRows: oneSecond ? inst.live.length : inst.history.length,
      firstTime: oneSecond ? (inst.live.length ? inst.live.firstTime : null) : inst.history.length ? inst.history.get('time', 0) : null,
      historyNote: this.historyNote,
    };
    this.onCandles(Comlink.transfer(view, [chart.ipc.buffer]));
  }

  private async persist(): Promise<void> {
    if (!this.dbOk) return;
    try {
      await this.inst.persist(await this.db.get());
    } catch (err) {
      this.view.reason = `history cache: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** On every (re)connect: ask the history API only for the minutes neither the cache nor this session has. */
  private async fillHistory(): Promise<void> {
    const now = Date.now();
    const to = now - (now % INTERVAL_MS['1m']);
    try {
      const db = this.dbOk ? await this.db.get() : undefined;
      const asked = await this.inst.fillHistory(db, fetch, this.opts.httpBase, to - this.opts.historyDays * 86_400_000, to);
      this.historyNote = null;
      if (asked.length) this.candlesDirty = true;
    } catch (err) {
      this.historyNote = `history not filled: ${err instanceof Error ? err.message : String(err)}`;
      this.candlesDirty = true;
    }
  }

  book(count: number): BookView {
    const ipc = this.inst.bookView(count);
    return Comlink.transfer({ ipc }, [ipc.buffer]);
  }

  closedMinutes(after: number, max: number): CandleColumns {
    const h = this.inst.history;
    const bars = h.slice(Math.max(h.lowerBound('time', after + 1), h.length - max));
    return Comlink.transfer(bars, Object.values(bars).map((a) => a.buffer));
  }

  stats() {
    const i = this.inst;
    return { kernels: i.kernels.kind, tradeRows: i.trades.length, tableBytes: i.trades.bytes + i.book.bytes + i.history.bytes, historyRows: i.history.length };
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

let engine: DataEngine | undefined;
const api: DataApi = {
  async start(opts, onView, onCandles) {
    engine = new DataEngine(opts, onView, onCandles);
    await engine.run();
  },
  setInterval: (interval) => engine?.setInterval(interval),
  book: (count) => engine!.book(count),
  closedMinutes: (after, max) => engine!.closedMinutes(after, max),
  stats: () => engine!.stats(),
};

Comlink.expose(api);
