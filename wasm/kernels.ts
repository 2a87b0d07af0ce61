import { CANDLE_COLUMNS, type CandleColumns } from '../shared/market/candles';
import { barBound, tsKernels, type Bands, type Kernels, type Macd, type SpreadStats } from './reference';

export { tsKernels, vwap, type Bands, type Kernels, type Macd, type SpreadStats } from './reference';

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  resampleTrades(ts: number, px: number, qty: number, n: number, iv: number, out: number, cap: number): number;
  resampleCandles(src: number, n: number, iv: number, out: number, cap: number): number;
  sma(src: number, n: number, p: number, out: number): void;
  ema(src: number, n: number, p: number, out: number): void;
  rsi(src: number, n: number, p: number, out: number): void;
  macd(src: number, n: number, f: number, s: number, g: number, line: number, signal: number, hist: number): void;
  bollinger(src: number, n: number, p: number, k: number, mid: number, up: number, lo: number): void;
  atr(h: number, l: number, c: number, n: number, p: number, out: number): void;
  realizedVol(src: number, n: number, w: number, out: number): void;
  rollingCorr(a: number, b: number, n: number, w: number, out: number): void;
  bookImbalance(bid: number, ask: number, rows: number, levels: number, depth: number, out: number): void;
  spreadStats(a: number, b: number, n: number, series: number, stats: number): void;
}

const PAGE = 65_536;

/**
 * The wasm kernels behind the same interface as the TypeScript ones. This wrapper is the only owner of the
 * module's memory: each call takes an arena from the heap base, copies its inputs in, runs one kernel, copies
 * the outputs out and frees the whole arena, so nothing outlives a call. Memory only grows to the largest
 * call seen; `inUse` is 0 between calls.
 */
export class WasmKernels implements Kernels {
  readonly kind = 'wasm' as const;
  private top: number;
  private readonly base: number;

  constructor(private readonly x: Exports) {
    this.base = this.top = (x.heapBase() + 7) & ~7;
  }

  /** Bytes of linear memory and bytes held by the arena right now (0 between calls). */
  get memory(): { bytes: number; inUse: number } {
    return { bytes: this.x.memory.buffer.byteLength, inUse: this.top - this.base };
  }

  private alloc(count: number): number {
    const ptr = this.top;
    this.top += count * 8;
    const need = this.top - this.x.memory.buffer.byteLength;
    if (need > 0) this.x.memory.grow(Math.ceil(need / PAGE));
    return ptr;
  }

  private put(a: Float64Array): number {
    const p = this.alloc(a.length);
    new Float64Array(this.x.memory.buffer, p, a.length).set(a);
    return p;
  }

  private get(p: number, n: number): Float64Array {
    return new Float64Array(this.x.memory.buffer, p, n).slice();
  }

  /** Runs `fn` with a fresh arena and frees it whatever happens. */
  private call<T>(fn: () => T): T {
    try {
      return fn();
    } finally {
      this.top = this.base;
    }
  }

  private bars(out: number, cap: number, m: number): CandleColumns {
    return Object.fromEntries(CANDLE_COLUMNS.map((c, k) => [c, this.get(out + k * cap * 8, m)])) as CandleColumns;
  }

  resampleTrades(ts: Float64Array, price: Float64Array, amount: Float64Array, intervalMs: number): CandleColumns {
    return this.call(() => {
      const n = ts.length;
      const cap = barBound(ts, intervalMs);
      const [a, b, c] = [this.put(ts), this.put(price), this.put(amount)];
      const out = this.alloc(8 * cap);
      return this.bars(out, cap, this.x.resampleTrades(a, b, c, n, intervalMs, out, cap));
    });
  }

  resampleCandles(bars: CandleColumns, intervalMs: number): CandleColumns {
    return this.call(() => {
      const n = bars.time.length;
      const src = this.alloc(8 * n);
      const mem = new Float64Array(this.x.memory.buffer, src, 8 * n);
      CANDLE_COLUMNS.forEach((c, k) => mem.set(bars[c].subarray(0, n), k * n));
      const cap = barBound(bars.time, intervalMs);
      const out = this.alloc(8 * cap);
      return this.bars(out, cap, this.x.resampleCandles(src, n, intervalMs, out, cap));
    });
  }

  private unary(x: Float64Array, run: (src: number, n: number, out: number) => void): Float64Array {
    return this.call(() => {
      const src = this.put(x);
      const out = this.alloc(x.length);
      run(src, x.length, out);
      return this.get(out, x.length);
    });
  }

  sma(x: Float64Array, period: number): Float64Array {
    return this.unary(x, (s, n, o) => this.x.sma(s, n, period, o));
  }

  ema(x: Float64Array, period: number): Float64Array {
    return this.unary(x, (s, n, o) => this.x.ema(s, n, period, o));
  }

  rsi(x: Float64Array, period: number): Float64Array {
    return this.unary(x, (s, n, o) => this.x.rsi(s, n, period, o));
  }

  realizedVol(x: Float64Array, window: number): Float64Array {
    return this.unary(x, (s, n, o) => this.x.realizedVol(s, n, window, o));
  }

  macd(x: Float64Array, fast: number, slow: number, signal: number): Macd {
    return this.call(() => {
      const n = x.length;
      const src = this.put(x);
      const [l, s, h] = [this.alloc(n), this.alloc(n), this.alloc(n)];
      this.x.macd(src, n, fast, slow, signal, l, s, h);
      return { macd: this.get(l, n), signal: this.get(s, n), hist: this.get(h, n) };
    });
  }

  bollinger(x: Float64Array, period: number, k: number): Bands {
    return this.call(() => {
      const n = x.length;
      const src = this.put(x);
      const [m, u, l] = [this.alloc(n), this.alloc(n), this.alloc(n)];
      this.x.bollinger(src, n, period, k, m, u, l);
      return { middle: this.get(m, n), upper: this.get(u, n), lower: this.get(l, n) };
    });
  }

  atr(high: Float64Array, low: Float64Array, close: Float64Array, period: number): Float64Array {
    return this.call(() => {
      const n = high.length;
      const [h, l, c, o] = [this.put(high), this.put(low), this.put(close), this.alloc(n)];
      this.x.atr(h, l, c, n, period, o);
      return this.get(o, n);
    });
  }

  rollingCorr(a: Float64Array, b: Float64Array, window: number): Float64Array {
    return this.call(() => {
      const n = Math.min(a.length, b.length);
      const [pa, pb, o] = [this.put(a.subarray(0, n)), this.put(b.subarray(0, n)), this.alloc(n)];
      this.x.rollingCorr(pa, pb, n, window, o);
      return this.get(o, n);
    });
  }

  bookImbalance(bidSizes: Float64Array, askSizes: Float64Array, levels: number, depth: number): Float64Array {
    return this.call(() => {
      const rows = Math.floor(bidSizes.length / levels);
      const [b, a, o] = [this.put(bidSizes), this.put(askSizes), this.alloc(rows)];
      this.x.bookImbalance(b, a, rows, levels, depth, o);
      return this.get(o, rows);
    });
  }

  spreadStats(a: Float64Array, b: Float64Array): SpreadStats {
    return this.call(() => {
      const n = Math.min(a.length, b.length);
      const [pa, pb, series, stats] = [this.put(a.subarray(0, n)), this.put(b.subarray(0, n)), this.alloc(n), this.alloc(7)];
      this.x.spreadStats(pa, pb, n, series, stats);
      const [count, mean, std, min, max, last, z] = this.get(stats, 7) as unknown as number[];
      return { series: this.get(series, n), count: count!, mean: mean!, std: std!, min: min!, max: max!, last: last!, z: z! };
    });
  }
}

/** Where the module comes from: its bytes, or a URL to fetch (the browser build). */
export type WasmSource = BufferSource | URL | string;

/**
 * The wasm kernels if the module can be loaded and instantiated here, else the TypeScript ones: a browser
 * without wasm (or with it disabled by policy) gets the same numbers, only slower. `onFallback` says why.
 */
export async function loadKernels(source: WasmSource, onFallback?: (reason: string) => void): Promise<Kernels> {
  try {
    if (typeof WebAssembly === 'undefined') throw new Error('WebAssembly is not available');
    const bytes = source instanceof URL || typeof source === 'string' ? await (await fetch(source)).arrayBuffer() : source;
    const { instance } = await WebAssembly.instantiate(bytes as BufferSource, { env: { abort: () => { throw new Error('wasm kernel aborted'); } } });
    return new WasmKernels(instance.exports as unknown as Exports);
  } catch (err) {
    onFallback?.(err instanceof Error ? err.message : String(err));
    return tsKernels;
  }
}
