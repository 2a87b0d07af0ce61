// Runs inside Chromium, driven by bench/engine.bench.ts. Every peer gets the same columns, built once per run.
import * as duckdb from '@duckdb/duckdb-wasm';
import * as aq from 'arquero';
import { ATR, BollingerBands, EMA, MACD, RSI } from 'technicalindicators';
import { CANDLE_COLUMNS, type CandleColumns } from '../../shared/market/candles';
import { ColumnChunks } from '../../app/workers/tables';
import { toArrow } from '../../app/workers/arrow-io';
import { TRADE_COLUMNS } from '../../app/workers/instrument';
import { loadKernels, tsKernels, WasmKernels, type Kernels } from '../../wasm/kernels';

const op = aq.op;
type Trades = { ts: Float64Array; price: Float64Array; amount: Float64Array };

const f64 = async (url: string) => new Float64Array(await (await fetch(url)).arrayBuffer());

/** Median of `reps` runs (after one warm-up), ms. */
async function time(reps: number, fn: () => unknown): Promise<number> {
  await fn();
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/**
 * Peers run in turn within each round (after two warm-up rounds), so a load spike from the shared machine
 * lands on all of them rather than on whichever ran then; median per peer, ms.
 */
async function side(reps: number, fns: Record<string, () => unknown>): Promise<Record<string, number>> {
  const xs: Record<string, number[]> = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let r = -2; r < reps; r++) {
    for (const [k, fn] of Object.entries(fns)) {
      const t0 = performance.now();
      await fn();
      if (r >= 0) xs[k]!.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(Object.entries(xs).map(([k, v]) => [k, v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!]));
}

/** The real trades tiled to `n`, each copy shifted by the recording's span so time keeps increasing. */
async function trades(n: number): Promise<Trades> {
  const raw = await f64('/data/trades.f64'); // [ts…, price…, amount…]
  const m = raw.length / 3;
  const [ts0, px0, q0] = [raw.subarray(0, m), raw.subarray(m, 2 * m), raw.subarray(2 * m)];
  const span = ts0[m - 1]! - ts0[0]! + 1;
  const t: Trades = { ts: new Float64Array(n), price: new Float64Array(n), amount: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const k = i % m;
    t.ts[i] = ts0[k]! + Math.floor(i / m) * span;
    t.price[i] = px0[k]!;
    t.amount[i] = q0[k]!;
  }
  return t;
}

let duck: duckdb.AsyncDuckDB | undefined;
async function duckDb(): Promise<duckdb.AsyncDuckDB> {
  if (duck) return duck;
  const worker = new Worker('/duckdb/duckdb-browser-eh.worker.js');
  duck = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await duck.instantiate('/duckdb/duckdb-eh.wasm');
  return duck;
}

async function resample(n: number, reps: number) {
  const t = await trades(n);
  const k = await wasmKernels();
  const out: Record<string, number> = {};
  let bars = 0;
  // the memory-bandwidth bound: copy the same three columns into buffers that already exist. The kernel runs on
  // columns resident in wasm memory (as a table allocated there would hold them); putting them there is the same
  // copy, timed apart (`copyIn`); `wasmCopying` is the plain-array interface, which copies them in on every call.
  const dst = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const [rt, rp, rq] = k.hold(n, n, n);
  Object.assign(out, await side(reps, {
    copy: () => {
      dst[0]!.set(t.ts);
      dst[1]!.set(t.price);
      dst[2]!.set(t.amount);
    },
    copyIn: () => {
      rt!.array.set(t.ts);
      rp!.array.set(t.price);
      rq!.array.set(t.amount);
    },
    wasm: () => (bars = k.resampleTrades(rt!.array, rp!.array, rq!.array, 60_000).time.length),
    wasmCopying: () => k.resampleTrades(t.ts, t.price, t.amount, 60_000),
    ts: () => tsKernels.resampleTrades(t.ts, t.price, t.amount, 60_000),
  }));
  k.release();
  const table = aq.table({ ts: t.ts, px: t.price, q: t.amount });
  let aqRows = 0;
  out.arquero = await time(Math.min(reps, 3), () => {
    aqRows = table
      .derive({ b: (d: { ts: number }) => d.ts - (d.ts % 60_000) })
      .groupby('b')
      .derive({ open: op.first_value('px'), close: aq.rolling((d: { px: number }) => op.last_value(d.px), [null, null] as unknown as [number, number]) })
      .rollup({
        open: (d: { open: number }) => op.any(d.open), high: (d: { px: number }) => op.max(d.px), low: (d: { px: number }) => op.min(d.px),
        close: (d: { close: number }) => op.any(d.close), volume: (d: { q: number }) => op.sum(d.q),
        quoteVolume: (d: { px: number; q: number }) => op.sum(d.px * d.q), trades: () => op.count(),
      })
      .numRows();
  });
  const db = await duckDb();
  const conn = await db.connect();
  const { tableFromArrays, tableToIPC } = await import('apache-arrow');
  const loadMs = performance.now();
  await conn.query('DROP TABLE IF EXISTS t');
  // IPC bytes, not a Table object: duckdb-wasm bundles its own Arrow version
  await conn.insertArrowFromIPCStream(tableToIPC(tableFromArrays({ ts: t.ts, px: t.price, q: t.amount }), 'stream'), { name: 't' });
  out.duckdbLoad = performance.now() - loadMs;
  let duckRows = 0;
  out.duckdb = await time(Math.min(reps, 3), async () => {
    const r = await conn.query(`SELECT ts - ts % 60000 AS b, arg_min(px, ts) o, max(px) h, min(px) l, arg_max(px, ts) c, sum(q) v, sum(px * q) qv, count(*) n
      FROM t GROUP BY b ORDER BY b`);
    duckRows = r.numRows;
  });
  await conn.close();
  return { n, bars, aqRows, duckRows, ms: out };
}

/** FTX 1-minute bars tiled to `n`, each copy scaled to start where the last ended, so there are no jumps. */
async function candles(n: number): Promise<CandleColumns> {
  const raw = await f64('/data/ohlcv.f64'); // [close…, high…, low…, open…]
  const m = raw.length / 4;
  const out = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, new Float64Array(n)])) as CandleColumns;
  let scale = 1;
  for (let i = 0; i < n; i++) {
    const k = i % m;
    if (k === 0 && i) scale = out.close[i - 1]! / raw[0]!;
    out.time[i] = i * 60_000;
    out.close[i] = raw[k]! * scale;
    out.high[i] = raw[m + k]! * scale;
    out.low[i] = raw[2 * m + k]! * scale;
    out.open[i] = raw[3 * m + k]! * scale;
  }
  return out;
}

async function wasmKernels(): Promise<WasmKernels> {
  const k = await loadKernels('/wasm/kernels.wasm', (why) => {
    throw new Error(`wasm did not load: ${why}`);
  });
  if (!(k instanceof WasmKernels)) throw new Error('wasm did not load');
  k.release();
  return k;
}

/**
 * Each peer's input prepared outside the timer in its own format: number[] for technicalindicators, columns
 * resident in wasm memory for the kernel (what putting them there costs is timed apart, `copyIn`). The kernel
 * writes into resident output columns; technicalindicators allocates its result arrays inside its timer.
 * `copying` is the kernel through the plain-array interface: copy in, run, copy out into fresh arrays.
 */
async function indicators(n: number, reps: number) {
  const b = await candles(n);
  const k = await wasmKernels();
  const values = Array.from(b.close);
  const [high, low, close] = [Array.from(b.high), Array.from(b.low), values];
  const [rc, rh, rl, o1, o2, o3] = k.hold(n, n, n, n, n, n);
  const copyIn = (await side(reps, {
    copyIn: () => {
      rc!.array.set(b.close);
      rh!.array.set(b.high);
      rl!.array.set(b.low);
    },
  })).copyIn!;
  // views taken per call: a plain-interface call may grow memory, which detaches older views
  const r = {
    get close() { return rc!.array; }, get high() { return rh!.array; }, get low() { return rl!.array; },
    get o1() { return o1!.array; }, get o2() { return o2!.array; }, get o3() { return o3!.array; },
  };
  const rows: Record<string, { kernel: number; copying: number; ts: number; ti: number }> = {};
  const one = async (name: string, resident: () => unknown, plain: (k: Kernels) => unknown, ti: () => unknown) => {
    rows[name] = (await side(reps, { kernel: resident, copying: () => plain(k), ts: () => plain(tsKernels), ti })) as (typeof rows)[string];
  };
  await one('EMA', () => k.ema(r.close, 20, r.o1), (k) => k.ema(b.close, 20), () => EMA.calculate({ period: 20, values }));
  await one('RSI', () => k.rsi(r.close, 14, r.o1), (k) => k.rsi(b.close, 14), () => RSI.calculate({ period: 14, values }));
  await one('MACD', () => k.macd(r.close, 12, 26, 9, { macd: r.o1, signal: r.o2, hist: r.o3 }), (k) => k.macd(b.close, 12, 26, 9), () => MACD.calculate({ values, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false }));
  await one('Bollinger', () => k.bollinger(r.close, 20, 2, { middle: r.o1, upper: r.o2, lower: r.o3 }), (k) => k.bollinger(b.close, 20, 2), () => BollingerBands.calculate({ period: 20, stdDev: 2, values }));
  await one('ATR', () => k.atr(r.high, r.low, r.close, 14, r.o1), (k) => k.atr(b.high, b.low, b.close, 14), () => ATR.calculate({ period: 14, high, low, close }));
  // the resident results are the plain interface's results
  const plain = k.ema(b.close, 20);
  const resident = k.ema(r.close, 20, r.o1);
  const same = plain.every((v, i) => Object.is(v, resident[i]));
  k.release();
  return { n, kernels: k.kind, copyInMs: copyIn, residentMatchesPlain: same, ms: rows };
}

/** Bytes held per million trades in the worker's trade table (4 float64 columns in 65,536-row chunks). */
async function memory(n: number) {
  const t = await trades(n);
  const table = new ColumnChunks(TRADE_COLUMNS, 65_536, n);
  const before = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
  for (let i = 0; i < n; i++) table.append({ time: t.ts[i]!, price: t.price[i]!, amount: t.amount[i]!, side: i & 1 ? 1 : -1 });
  const after = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
  const arrow = toArrow(table);
  return { n, tableBytes: table.bytes, arrowRows: arrow.numRows, arrowBatches: arrow.batches.length, jsHeapDelta: after - before };
}

Object.assign(window, { bench: { resample, indicators, memory } });
document.title = 'ready';
