import * as Comlink from 'comlink';
import { CandleBuilder } from '../../shared/market/candles';
import type { Venue } from '../../shared/market/types';
import { loadCandleChunks, openDb, putCandleChunk, type Db } from '../db';
import { CandleTable } from './candle-table';
import { MarketState } from './market-state';
import { StreamClient } from './stream-client';
import type { CandleView, DataApi, LinkState, MarketView } from './view';

/** Connected but nothing for this long: the numbers on screen are stale. */
const STALE_MS = 3_000;
const VIEW_MS = 100;
const CANDLE_PUSH_MS = 500;
const PERSIST_MS = 2_000;
const KEEP_CANDLES = 3_600;
const SHOW_CANDLES = 300;
const TPS_WINDOW_MS = 5_000;

class DataEngine {
  private client: StreamClient | undefined;
  private readonly market = new MarketState();
  private db: Db | undefined;
  private readonly tradeTimes: number[] = [];
  private readonly table = new CandleTable(KEEP_CANDLES);
  private readonly builder = new CandleBuilder(1000, (bar) => {
    this.table.append(bar);
    this.candlesDirty = true;
  });
  private cachedRows = 0;
  private candlesDirty = true;
  readonly view: MarketView;

  constructor(
    private readonly opts: { wsUrl: string; symbol: string; exchange: string },
    private readonly onView: (v: MarketView) => void,
    private readonly onCandles: (c: CandleView) => void,
  ) {
    this.view = {
      symbol: opts.symbol, exchange: opts.exchange, link: 'connecting', mode: null, feed: null, last: null,
      bid: null, bidSize: null, ask: null, askSize: null, tradesPerSecond: 0, lastDataAt: 0, offlineSince: null, reason: null, depth: null,
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
    self.addEventListener('online', () => {
      if (!this.client?.open) this.client?.connect();
    });
  }

  private connect(): void {
    const { symbol, exchange } = this.opts;
    this.client = new StreamClient(this.opts.wsUrl, [
      `book:${symbol}:consolidated`, `bbo:${symbol}:consolidated`, `trades:${symbol}:consolidated`,
    ], {
      open: () => {
        this.view.offlineSince = null;
        this.view.reason = null;
      },
      closed: (reason) => {
        this.view.offlineSince ??= Date.now();
        this.view.reason = reason;
      },
      update: (m) => {
        this.market.apply(m);
        this.view.lastDataAt = Date.now();
      },
      other: (m) => {
        if (m.t === 'hello') this.view.mode = m.mode;
        else if (m.t === 'status' && m.feed.exchange === exchange) this.view.feed = m.feed;
        else if (m.t === 'error') this.view.reason = `${m.code}: ${m.message}`;
      },
    });
    // The chart's 1-second candles stay on this instrument's home venue; the tape and ladder show all venues.
    this.market.onTrade = (t, live) => {
      if (t.venue !== exchange) return;
      this.view.last = { price: t.price, amount: t.amount, side: t.side, id: t.id, ts: t.ts };
      if (!live) return;
      this.builder.add(t.ts, t.price, t.amount);
      this.candlesDirty = true;
      this.tradeTimes.push(Date.now());
    };
    this.client.connect();
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
    const depth = this.market.view();
    const cross = depth.cross?.venues[this.opts.exchange as Venue];
    if (cross) Object.assign(this.view, { bid: cross.bid, bidSize: cross.bidSize, ask: cross.ask, askSize: cross.askSize });
    this.onView({ ...this.view, depth });
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
}

const api: DataApi = {
  async start(opts, onView, onCandles) {
    await new DataEngine(opts, onView, onCandles).run();
  },
};

Comlink.expose(api);
