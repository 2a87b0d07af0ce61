import * as Comlink from 'comlink';
import { CandleBuilder, type CandleColumns } from '../../shared/market/candles';
import type { FeedStatus, Venue } from '../../shared/market/types';
import { loadKernels } from '../../wasm/kernels';
import { DbHandle, storageStatus, type Chunk } from '../db';
import { buffersOf } from './chart-view';
import { INTERVAL_MS } from './gap-fill';
import { Instrument, newestMinutes, seriesOf } from './instrument';
import { MarketState } from './market-state';
import { StreamClient } from './stream-client';
import { TrafficMeter } from './traffic';
import type { BookView, CandleView, DataApi, Interval, LinkState, MarketView, BlockView, StartOptions } from './view';
import { BANDWIDTH, type Bandwidth } from '../../shared/protocol/messages';
import { decimalsOf, tickDecimals } from '../format';

/** Connected but nothing for this long: the numbers on screen are stale. */
const STALE_MS = 3_000;
const VIEW_MS = 100;
const CANDLE_PUSH_MS = 500;
const PERSIST_MS = 2_000;
const TPS_WINDOW_MS = 5_000;
/** Rows sent ahead of a full view so the first paint does not wait for the rest. */
const FIRST_PAINT_ROWS = 600;
/**
 * Rows in a full view: about three and a half days of 1-minute bars. The chart asks for older blocks (`block`)
 * when scrolled back. lightweight-charts rebuilds every point of a series on each update of its last bar, so
 * every live tail costs in proportion to the bars held: the window keeps that small while nobody looks back.
 */
const CHART_ROWS = 5_000;
const TICK_ATTEMPTS = 6;
const TICK_RETRY_MS = 5_000;

class DataEngine {
  private client: StreamClient | undefined;
  private readonly market = new MarketState();
  private dbOk = false;
  private readonly tradeTimes: number[] = [];
  private readonly meter = new TrafficMeter();
  readonly inst: Instrument;
  private readonly builder = new CandleBuilder(1000, (bar) => {
    this.inst.addSecond(bar);
    this.candlesDirty = true;
  });
  private candlesDirty = true;
  private interval: Interval = '1s';
  /** Chart state: what was sent last, so pushes carry only the changed tail. */
  private sent: { interval: Interval; epoch: number; lastTime: number; partial: boolean } | null = null;
  private historyNote: string | null = null;
  /** Decimals of the instrument's tick on its home venue, once the instruments API has told; until then prices guess. */
  private tickPlaces: number | null = null;
  /** False until the cache is loaded: pushing a half-loaded history would make the chart redraw per chunk. */
  private ready = false;
  readonly view: MarketView;

  constructor(
    private readonly db: DbHandle,
    private readonly opts: StartOptions,
    private readonly onView: (v: MarketView) => void,
    /** A Comlink proxy: calling it returns a promise that settles when the main thread has handled the view. */
    private readonly onCandles: (c: CandleView) => void,
  ) {
    this.view = {
      symbol: opts.symbol, exchange: opts.exchange, link: 'connecting', mode: null, feed: null, feeds: [], last: null,
      bid: null, bidSize: null, ask: null, askSize: null, tradesPerSecond: 0, lastDataAt: 0,
      offlineSince: self.navigator.onLine === false ? Date.now() : null, reason: null, depth: null, priceDecimals: null,
      traffic: { bandwidth: opts.bandwidth ?? 'full', bytesPerMinute: 0, windowMs: 0, totalBytes: 0, honoured: null },
    };
    this.inst = new Instrument({ exchange: opts.exchange, symbol: opts.symbol });
  }

  setBandwidth(b: Bandwidth): void {
    this.view.traffic.bandwidth = b;
    this.client?.setRate(BANDWIDTH[b]);
  }

  setInterval(interval: Interval): void {
    this.interval = interval;
    this.candlesDirty = true;
    this.pushCandles();
  }

  /** Cached candles first, so a reload paints history before the socket is even open; wasm loads meanwhile. */
  async run(): Promise<void> {
    performance.mark('data:run');
    void this.loadTick();
    const kernels = loadKernels(new URL('../../wasm/kernels.wasm', import.meta.url), (why) => (this.view.reason = `wasm kernels unavailable (${why}); using TypeScript`));
    try {
      const db = await this.db.get();
      const early = prefetched?.series === this.inst.series('1m') ? prefetched.chunks.catch(() => newestMinutes(db, this.inst.key)) : undefined;
      prefetched = undefined;
      await this.inst.loadCache(db, () => {
        performance.mark('data:first-rows');
        this.ready = true;
        // settles once the main thread has put the rows on the chart
        return this.pushCandles()?.finally(() => performance.mark('data:first-applied'));
      }, early);
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
    self.addEventListener('online', () => {
      if (!this.client?.open) this.client?.connect();
    });
  }

  /** The consolidated streams of the instrument through the relay; the stream client owns resume and heartbeats. */
  private connect(): void {
    const { symbol, exchange } = this.opts;
    this.client = new StreamClient(this.opts.wsUrl, [
      `book:${symbol}:consolidated`, `bbo:${symbol}:consolidated`, `trades:${symbol}:consolidated`,
    ], {
      open: () => {
        this.view.offlineSince = null;
        this.view.reason = null;
        void this.fillHistory();
      },
      closed: (reason) => {
        this.view.offlineSince ??= Date.now();
        this.view.reason = reason;
      },
      update: (m) => {
        // Until the instruments API gives the tick: its decimals guessed from the many prices of a book snapshot.
        if (m.t === 'snapshot' && m.data.kind === 'book') for (const l of [...m.data.book.bids, ...m.data.book.asks]) this.seePrice(l[0]);
        this.market.apply(m);
        this.view.lastDataAt = Date.now();
      },
      other: (m) => {
        if (m.t === 'hello') [this.view.mode, this.view.traffic.honoured] = [m.mode, m.features?.includes('rate') ?? false];
        else if (m.t === 'status') this.status(m.feed);
        else if (m.t === 'error') this.view.reason = `${m.code}: ${m.message}`;
      },
    }, (n) => this.meter.add(n), BANDWIDTH[this.view.traffic.bandwidth]);
    // The chart's candles stay on this instrument's home venue; the tape and ladder show all venues.
    this.market.onTrade = (t, live) => {
      if (t.venue !== exchange) return;
      this.view.last = { price: t.price, amount: t.amount, side: t.side, id: t.id, ts: t.ts };
      this.seePrice(t.price);
      if (!live) return;
      const now = Date.now();
      this.builder.add(t.ts, t.price, t.amount);
      this.inst.addTrade(t.ts, t.price, t.amount, t.side);
      this.candlesDirty = true;
      this.tradeTimes.push(now);
      this.touch(t.venue, now);
    };
    this.client.connect();
  }

  private seePrice(p: number): void {
    if (this.tickPlaces === null) this.view.priceDecimals = Math.max(this.view.priceDecimals ?? 0, decimalsOf(p));
  }

  /**
   * The home venue's tick from `/api/v1/instruments`; unknown (no list fetched, API unreachable) keeps the guess.
   * The feed fetches its list only once started, often by this very page's socket: ask again a few times.
   */
  private async loadTick(attempt = 0): Promise<void> {
    if (attempt < TICK_ATTEMPTS) setTimeout(() => this.tickPlaces === null && void this.loadTick(attempt + 1), TICK_RETRY_MS);
    try {
      const res = await fetch(`${this.opts.httpBase}/api/v1/instruments`);
      if (!res.ok) return;
      const { instruments } = (await res.json()) as { instruments?: { symbol: string; specs?: Record<string, { tick?: string }> }[] };
      const tick = instruments?.find((i) => i.symbol === this.opts.symbol)?.specs?.[this.opts.exchange]?.tick;
      if (typeof tick === 'string') this.view.priceDecimals = this.tickPlaces = tickDecimals(tick);
    } catch {
      // offline or an older edge: prices keep guessing the precision
    }
  }

  /** A venue's (or one of its instruments') health changed: replace it in place, so the badges keep their order. */
  private status(feed: FeedStatus): void {
    if (feed.exchange === this.opts.exchange) this.view.feed = feed;
    this.view.feeds = this.view.feeds.some((f) => f.exchange === feed.exchange)
      ? this.view.feeds.map((f) => (f.exchange === feed.exchange ? feed : f))
      : [...this.view.feeds, feed];
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
    if (!this.client?.open) return this.view.offlineSince ? 'offline' : 'connecting';
    if (this.view.feed && this.view.feed.state !== 'live') return 'stale';
    return now - this.view.lastDataAt > STALE_MS ? 'stale' : 'live';
  }

  private tick(): void {
    const now = Date.now();
    while (this.tradeTimes.length && this.tradeTimes[0]! < now - TPS_WINDOW_MS) this.tradeTimes.shift();
    this.view.tradesPerSecond = this.tradeTimes.length / (TPS_WINDOW_MS / 1000);
    this.view.link = this.linkState(now);
    Object.assign(this.view.traffic, this.meter.perMinute(now), { totalBytes: this.meter.total });
    const depth = { ...this.market.view(), priceDecimals: this.view.priceDecimals };
    const home = depth.cross?.venues[this.opts.exchange as Venue];
    if (home) {
      Object.assign(this.view, { bid: home.bid, bidSize: home.bidSize, ask: home.ask, askSize: home.askSize });
      if (home.ts) this.inst.addQuote(home.ts, home.bid, home.bidSize, home.ask, home.askSize);
    }
    this.onView({ ...this.view, depth });
  }

  /**
   * Sends the chart what changed: a full view after an interval switch or a history merge (first the newest
   * rows so the first paint is quick, then all of them), else only rows from the last bar sent on.
   */
  private pushCandles(): Promise<void> | undefined {
    if (!this.candlesDirty || !this.ready) return;
    this.candlesDirty = false;
    const inst = this.inst;
    const epoch = inst.historyEpoch;
    const sent = this.sent;
    const full = !sent || sent.interval !== this.interval || sent.epoch !== epoch || sent.partial;
    const all = this.interval === '1s' ? inst.live.length : inst.history.length + 1;
    const partial = full && !sent?.partial && all > FIRST_PAINT_ROWS;
    const chart = inst.chart(this.interval, !full ? { since: sent.lastTime } : partial ? { last: FIRST_PAINT_ROWS } : { last: CHART_ROWS });
    this.sent = { interval: this.interval, epoch, lastTime: chart.lastTime, partial };
    if (partial) this.candlesDirty = true;
    const oneSecond = this.interval === '1s';
    const view: CandleView = {
      interval: this.interval,
      full,
      partial,
      cols: chart.cols,
      open: oneSecond && this.builder.open ? { ...this.builder.open } : null,
      cachedRows: oneSecond ? Math.min(inst.cachedLive, inst.live.length) : Math.min(inst.cachedHistory, inst.history.length),
      totalRows: oneSecond ? inst.live.length : inst.history.length,
      firstTime: oneSecond ? (inst.live.length ? inst.live.firstTime : null) : inst.history.length ? inst.history.get('time', 0) : null,
      historyNote: this.historyNote,
    };
    return this.onCandles(Comlink.transfer(view, buffersOf(chart.cols))) as Promise<void> | undefined;
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

  block(interval: Interval, side: 'before' | 'after', time: number, count: number): BlockView {
    const { cols, rows } = this.inst.chart(interval, side === 'before' ? { before: time, count } : { after: time, count });
    return Comlink.transfer({ interval, cols, rows }, buffersOf(cols));
  }

  book(count: number): BookView {
    const cols = this.inst.bookView(count);
    return Comlink.transfer({ cols }, buffersOf(cols));
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
}

let engine: DataEngine | undefined;
/** Opened as the module loads (the entry starts this worker before the app has loaded), not when asked to start. */
const db = new DbHandle(undefined, { onClosed: () => engine && (engine.view.reason = 'history cache reopened after another tab upgraded it') });
performance.mark('data:loaded');
db.get().then(() => performance.mark('data:db-open'), () => {});
/** The newest cached minutes of the instrument the entry expects, read before `start` asks (see `prefetch`). */
let prefetched: { series: string; chunks: Promise<Chunk[]> } | undefined;
const api: DataApi = {
  prefetch(key) {
    const chunks = db.get().then((d) => newestMinutes(d, key));
    // an instrument other than the one started, or a failed read: `start` reads for itself
    chunks.then(() => performance.mark('data:prefetched'), () => {});
    prefetched = { series: seriesOf(key, '1m'), chunks };
  },
  async start(opts, onView, onCandles) {
    engine = new DataEngine(db, opts, onView, onCandles);
    await engine.run();
  },
  setInterval: (interval) => engine?.setInterval(interval),
  setBandwidth: (b) => engine?.setBandwidth(b),
  block: (interval, side, time, count) => engine!.block(interval, side, time, count),
  book: (count) => engine!.book(count),
  closedMinutes: (after, max) => engine!.closedMinutes(after, max),
  stats: () => engine!.stats(),
};

Comlink.expose(api);
