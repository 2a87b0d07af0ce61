import { CANDLE_COLUMNS, type CandleColumns } from '../shared/market/candles';
import { barBound, tsKernels, type Bands, type Kernels, type Macd, type SpreadStats } from './reference';

export { tsKernels, vwap, type Bands, type Kernels, type Macd, type SpreadStats } from './reference';

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  resampleTrades(ts: number, px: number, qty: number, n: number, iv: number, out: number): number;
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
 * A float64 column that lives in the module's memory, so kernels read (or write) it in place instead of copying
 * it in and out on every call. Growing memory detaches every view of the old buffer: take `array` again after
 * any kernel call rather than keeping it.
 */
export class Resident {
  constructor(
    private readonly memory: WebAssembly.Memory,
    readonly ptr: number,
    readonly length: number,
  ) {}

  get array(): Float64Array {
    return new Float64Array(this.memory.buffer, this.ptr, this.length);
  }
}

/**
 * The wasm kernels behind the same interface as the TypeScript ones. This wrapper is the only owner of the
 * module's memory: each call takes an arena from the top of the resident columns, copies in the inputs that
 * are not resident, runs one kernel, copies the outputs out and frees the whole arena, so nothing outlives a
 * call. Inputs (and `into` outputs) that are views of resident columns are used in place: no copy either way.
 * Memory only grows to the largest call seen; `inUse` is 0 between calls.
 */
export class WasmKernels implements Kernels {
  readonly kind = 'wasm' as const;
  private top: number;
  /** Start of the arena: resident columns sit below it. */
  private base: number;
  private readonly heapBase: number;

  constructor(private readonly x: Exports) {
    this.heapBase = this.base = this.top = (x.heapBase() + 7) & ~7;
  }

  /** Bytes of linear memory, bytes held by the arena right now (0 between calls) and by resident columns. */
  get memory(): { bytes: number; inUse: number; resident: number } {
    return { bytes: this.x.memory.buffer.byteLength, inUse: this.top - this.base, resident: this.base - this.heapBase };
  }

  /** Columns of `length` rows kept in wasm memory until `release`. Only between calls. */
  hold(...lengths: number[]): Resident[] {
    return lengths.map((n) => {
      const r = new Resident(this.x.memory, this.alloc(n), n);
      this.base = this.top;
      return r;
    });
  }

  /** Frees every resident column. */
  release(): void {
    this.base = this.top = this.heapBase;
  }

  private alloc(count: number): number {
    const ptr = this.top;
    this.top += count * 8;
    const need = this.top - this.x.memory.buffer.byteLength;
    if (need > 0) this.x.memory.grow(Math.ceil(need / PAGE));
    return ptr;
  }

  private resident(a: Float64Array | undefined): number {
    if (!a) return -1;
    if (a.buffer === this.x.memory.buffer) return a.byteOffset;
    if ((a.buffer as ArrayBuffer & { detached?: boolean }).detached) throw new Error('a resident column was detached by memory growth: take its `array` again');
    return -1;
  }

  /**
   * Pointers for the inputs and `into` outputs (`n` rows each): resident ones in place — resolved before anything
   * is allocated, since growing memory detaches their views — the rest copied into (or allocated in) the arena.
   */
  private place(ins: Float64Array[], n: number, outs: (Float64Array | undefined)[] = []): { ins: number[]; outs: number[] } {
    const at = { ins: ins.map((a) => this.resident(a)), outs: outs.map((a) => this.resident(a)) };
    ins.forEach((a, i) => {
      if (at.ins[i]! >= 0) return;
      at.ins[i] = this.alloc(a.length);
      new Float64Array(this.x.memory.buffer, at.ins[i], a.length).set(a);
    });
    at.outs = at.outs.map((p) => (p >= 0 ? p : this.alloc(n)));
    return at;
  }

  /** The output at `p`: in `into` (in place when resident, copied otherwise), or a fresh copy. */
  private take(p: number, n: number, into?: Float64Array): Float64Array {
    const view = new Float64Array(this.x.memory.buffer, p, n);
    if (!into) return view.slice();
    if (into.buffer === this.x.memory.buffer || (into.buffer as ArrayBuffer & { detached?: boolean }).detached) return into.byteOffset === p ? into : view;
    into.set(view);
    return into;
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
    return Object.fromEntries(CANDLE_COLUMNS.map((c, k) => [c, this.take(out + k * cap * 8, m)])) as CandleColumns;
  }

  resampleTrades(ts: Float64Array, price: Float64Array, amount: Float64Array, intervalMs: number): CandleColumns {
    return this.call(() => {
      const n = ts.length;
      const { ins: [a, b, c] } = this.place([ts, price, amount], n);
      // bars go row-major at the top of the arena; the kernel grows memory as they need it
      const out = this.top;
      const m = this.x.resampleTrades(a!, b!, c!, n, intervalMs, out);
      if (m < 0) throw new Error('wasm memory could not grow for the bars');
      const rows = new Float64Array(this.x.memory.buffer, out, m * 8);
      return Object.fromEntries(
        CANDLE_COLUMNS.map((col, k) => {
          const o = new Float64Array(m);
          for (let i = 0; i < m; i++) o[i] = rows[i * 8 + k]!;
          return [col, o];
        }),
      ) as CandleColumns;
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

  private unary(x: Float64Array, into: Float64Array | undefined, run: (src: number, n: number, out: number) => void): Float64Array {
    return this.call(() => {
      const n = x.length;
      const { ins: [src], outs: [out] } = this.place([x], n, [into]);
      run(src!, n, out!);
      return this.take(out!, n, into);
    });
  }

  /** `into`, where given, receives the output (in place when it is resident); so for every kernel below. */
  sma(x: Float64Array, period: number, into?: Float64Array): Float64Array {
    return this.unary(x, into, (s, n, o) => this.x.sma(s, n, period, o));
  }

  ema(x: Float64Array, period: number, into?: Float64Array): Float64Array {
    return this.unary(x, into, (s, n, o) => this.x.ema(s, n, period, o));
  }

  rsi(x: Float64Array, period: number, into?: Float64Array): Float64Array {
    return this.unary(x, into, (s, n, o) => this.x.rsi(s, n, period, o));
  }

  realizedVol(x: Float64Array, window: number, into?: Float64Array): Float64Array {
    return this.unary(x, into, (s, n, o) => this.x.realizedVol(s, n, window, o));
  }

  macd(x: Float64Array, fast: number, slow: number, signal: number, into?: Macd): Macd {
    return this.call(() => {
      const n = x.length;
      const { ins: [src], outs: [l, s, h] } = this.place([x], n, [into?.macd, into?.signal, into?.hist]);
      this.x.macd(src!, n, fast, slow, signal, l!, s!, h!);
      return { macd: this.take(l!, n, into?.macd), signal: this.take(s!, n, into?.signal), hist: this.take(h!, n, into?.hist) };
    });
  }

  bollinger(x: Float64Array, period: number, k: number, into?: Bands): Bands {
    return this.call(() => {
      const n = x.length;
      const { ins: [src], outs: [m, u, l] } = this.place([x], n, [into?.middle, into?.upper, into?.lower]);
      this.x.bollinger(src!, n, period, k, m!, u!, l!);
      return { middle: this.take(m!, n, into?.middle), upper: this.take(u!, n, into?.upper), lower: this.take(l!, n, into?.lower) };
    });
  }

  atr(high: Float64Array, low: Float64Array, close: Float64Array, period: number, into?: Float64Array): Float64Array {
    return this.call(() => {
      const n = high.length;
      const { ins: [h, l, c], outs: [o] } = this.place([high, low, close], n, [into]);
      this.x.atr(h!, l!, c!, n, period, o!);
      return this.take(o!, n, into);
    });
  }

  rollingCorr(a: Float64Array, b: Float64Array, window: number): Float64Array {
    return this.call(() => {
      const n = Math.min(a.length, b.length);
      const { ins: [pa, pb], outs: [o] } = this.place([a.subarray(0, n), b.subarray(0, n)], n, [undefined]);
      this.x.rollingCorr(pa!, pb!, n, window, o!);
      return this.take(o!, n);
    });
  }

  bookImbalance(bidSizes: Float64Array, askSizes: Float64Array, levels: number, depth: number): Float64Array {
    return this.call(() => {
      const rows = Math.floor(bidSizes.length / levels);
      const { ins: [b, a], outs: [o] } = this.place([bidSizes, askSizes], rows, [undefined]);
      this.x.bookImbalance(b!, a!, rows, levels, depth, o!);
      return this.take(o!, rows);
    });
  }

  spreadStats(a: Float64Array, b: Float64Array): SpreadStats {
    return this.call(() => {
      const n = Math.min(a.length, b.length);
      const { ins: [pa, pb], outs: [series] } = this.place([a.subarray(0, n), b.subarray(0, n)], n, [undefined]);
      const stats = this.alloc(7);
      this.x.spreadStats(pa!, pb!, n, series!, stats);
      const [count, mean, std, min, max, last, z] = this.take(stats, 7) as unknown as number[];
      return { series: this.take(series!, n), count: count!, mean: mean!, std: std!, min: min!, max: max!, last: last!, z: z! };
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
