import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ATR, BollingerBands, EMA, MACD, RSI, SMA } from 'technicalindicators';
import { beforeAll, describe, expect, it } from 'vitest';
import { CANDLE_COLUMNS, type CandleColumns } from '../../shared/market/candles';
import { binanceTrades, COINBASE_1H, FTX_1M, readOhlcv } from '../../tools/ohlcv';
import { REPO_ROOT } from '../../tools/paths';
import { loadKernels, tsKernels, vwap, WasmKernels, type Kernels } from '../../wasm/kernels';
import { hasData, NO_DATA, recording, SPOT_0808, SPOT_0809 } from './recordings';

const WASM = readFileSync(join(REPO_ROOT, 'wasm/kernels.wasm'));

/** Equal, or within 1e-9 relative (libm `log` may differ in the last ulp); NaN only where NaN. */
function close(a: ArrayLike<number>, b: ArrayLike<number>, rel = 1e-9): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      expect([i, x], `index ${i}`).toEqual([i, y]);
      continue;
    }
    if (Math.abs(x - y) > rel * Math.max(Math.abs(x), Math.abs(y), 1e-300)) expect([i, x], `index ${i}`).toEqual([i, y]);
  }
}
/** technicalindicators drops warm-up values; ours are NaN-padded on the left. */
const defined = (a: Float64Array) => Array.from(a).filter((v) => !Number.isNaN(v));

// Every kernel in wasm, TypeScript and technicalindicators over 55k real bars: seconds alone, far more on a loaded machine.
describe.skipIf(!hasData())(`kernels on the real OHLCV files ${hasData() ? '' : NO_DATA}`, { timeout: 120_000 }, () => {
  let wasm: WasmKernels;
  const files: [string, CandleColumns][] = [];
  beforeAll(async () => {
    const k = await loadKernels(WASM);
    expect(k.kind).toBe('wasm');
    wasm = k as WasmKernels;
    files.push([FTX_1M, readOhlcv(FTX_1M)], [COINBASE_1H, readOhlcv(COINBASE_1H)]);
  });

  it('read the files whole and in order', () => {
    const [ftx, cb] = [files[0]![1], files[1]![1]];
    expect(ftx.time.length).toBe(34_619);
    expect(cb.time.length).toBe(20_106); // less the five copied rows the data README describes
    expect(ftx.time[0]).toBe(Date.UTC(2021, 11, 31, 23, 1));
    expect(cb.time[cb.time.length - 1]).toBe(Date.UTC(2019, 9, 17, 9));
    // The first row not after its predecessor (none): one assertion, not 55k, so a loaded machine is not timed out over it.
    for (const [, b] of files) expect(b.time.findIndex((t, i) => i > 0 && !(t > b.time[i - 1]!))).toBe(-1);
  });

  it('wasm and TypeScript agree on every kernel', () => {
    for (const [, b] of files) {
      const { close: c, high: h, low: l } = b;
      for (const k of ['sma', 'ema', 'rsi'] as const) for (const p of [2, 14, 200]) expect(wasm[k](c, p)).toEqual(tsKernels[k](c, p));
      expect(wasm.macd(c, 12, 26, 9)).toEqual(tsKernels.macd(c, 12, 26, 9));
      expect(wasm.bollinger(c, 20, 2)).toEqual(tsKernels.bollinger(c, 20, 2));
      expect(wasm.atr(h, l, c, 14)).toEqual(tsKernels.atr(h, l, c, 14));
      close(wasm.realizedVol(c, 60), tsKernels.realizedVol(c, 60));
      close(wasm.rollingCorr(c, h, 30), tsKernels.rollingCorr(c, h, 30));
      for (const iv of [5 * 60_000, 3_600_000, 86_400_000, 7 * 86_400_000]) {
        expect(wasm.resampleCandles(b, iv)).toEqual(tsKernels.resampleCandles(b, iv));
      }
      const s = wasm.spreadStats(h, l);
      const r = tsKernels.spreadStats(h, l);
      expect(s.count).toBe(b.time.length);
      expect(s.series).toEqual(r.series);
      close([s.mean, s.std, s.min, s.max, s.last, s.z], [r.mean, r.std, r.min, r.max, r.last, r.z]);
    }
  }, 60_000);

  it('indicators match technicalindicators on the same bars', () => {
    for (const [, b] of files) {
      const values = Array.from(b.close);
      const [high, low, close_] = [Array.from(b.high), Array.from(b.low), values];
      close(defined(wasm.sma(b.close, 20)), SMA.calculate({ period: 20, values }));
      close(defined(wasm.ema(b.close, 20)), EMA.calculate({ period: 20, values }));
      // technicalindicators rounds RSI to 2 decimals
      close(defined(wasm.rsi(b.close, 14)).map((v) => Math.round(v * 100) / 100), RSI.calculate({ period: 14, values }));
      const m = wasm.macd(b.close, 12, 26, 9);
      const ref = MACD.calculate({ values, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false });
      close(defined(m.macd), ref.map((r) => r.MACD!));
      close(defined(m.signal), ref.filter((r) => r.signal !== undefined).map((r) => r.signal!));
      close(defined(m.hist), ref.filter((r) => r.histogram !== undefined).map((r) => r.histogram!));
      const bb = wasm.bollinger(b.close, 20, 2);
      const rb = BollingerBands.calculate({ period: 20, stdDev: 2, values });
      close(defined(bb.middle), rb.map((r) => r.middle));
      close(defined(bb.upper), rb.map((r) => r.upper));
      close(defined(bb.lower), rb.map((r) => r.lower));
      close(defined(wasm.atr(b.high, b.low, b.close, 14)), ATR.calculate({ period: 14, high, low, close: close_ }));
    }
  });

  it('resampling 1-minute bars to 1 hour equals a direct group-by', () => {
    const b = files[0]![1];
    const got = wasm.resampleCandles(b, 3_600_000);
    const groups = new Map<number, number[]>();
    b.time.forEach((t, i) => {
      const h = Math.floor(t / 3_600_000) * 3_600_000;
      groups.set(h, [...(groups.get(h) ?? []), i]);
    });
    expect(Array.from(got.time)).toEqual([...groups.keys()]);
    [...groups.values()].forEach((ix, g) => {
      expect(got.open[g]).toBe(b.open[ix[0]!]);
      expect(got.close[g]).toBe(b.close[ix.at(-1)!]);
      expect(got.high[g]).toBe(Math.max(...ix.map((i) => b.high[i]!)));
      expect(got.low[g]).toBe(Math.min(...ix.map((i) => b.low[i]!)));
      expect(got.volume[g]).toBeCloseTo(ix.reduce((s, i) => s + b.volume[i]!, 0), 6);
    });
  });

  it('order-book imbalance over the best levels', () => {
    const bid = Float64Array.from([3, 1, 100, 0, 0, 0, 2, 2, 2]);
    const ask = Float64Array.from([1, 1, 100, 0, 0, 0, 1, 1, 1]);
    for (const k of [wasm, tsKernels] as Kernels[]) {
      expect(Array.from(k.bookImbalance(bid, ask, 3, 2))).toEqual([2 / 6, NaN, 2 / 6]);
      expect(Array.from(k.bookImbalance(bid, ask, 3, 5))).toEqual([2 / 206, NaN, 3 / 9]);
    }
  });

  it('spread statistics skip rows where a venue has no quote', () => {
    const a = Float64Array.from([101, NaN, 102, 100]);
    const b = Float64Array.from([100, 100, 100, 100]);
    for (const k of [wasm, tsKernels] as Kernels[]) {
      const s = k.spreadStats(a, b);
      expect(s.count).toBe(3);
      expect(s.mean).toBeCloseTo(100, 9);
      expect(s.min).toBe(0);
      expect(s.max).toBeCloseTo(200, 9);
      expect(s.last).toBe(0);
      expect(s.z).toBeCloseTo(-100 / Math.sqrt(20_000 / 3), 9);
    }
  });
});

describe.skipIf(!hasData())(`resampling real Binance trades ${hasData() ? '' : NO_DATA}`, () => {
  it('matches a direct per-bucket computation at 1 s, 1 min and 5 min, with VWAP', async () => {
    const wasm = await loadKernels(WASM);
    const { ts, price, amount } = binanceTrades([...recording(SPOT_0808), ...recording(SPOT_0809)]);
    expect(ts.length).toBe(9_757 + 10_147);
    for (const iv of [1_000, 60_000, 300_000]) {
      const got = wasm.resampleTrades(ts, price, amount, iv);
      expect(got).toEqual(tsKernels.resampleTrades(ts, price, amount, iv));
      const direct = new Map<number, { o: number; h: number; l: number; c: number; v: number; qv: number; n: number }>();
      for (let i = 0; i < ts.length; i++) {
        const k = Math.floor(ts[i]! / iv) * iv;
        const p = price[i]!;
        const g = direct.get(k);
        if (!g) direct.set(k, { o: p, h: p, l: p, c: p, v: amount[i]!, qv: p * amount[i]!, n: 1 });
        else Object.assign(g, { h: Math.max(g.h, p), l: Math.min(g.l, p), c: p, v: g.v + amount[i]!, qv: g.qv + p * amount[i]!, n: g.n + 1 });
      }
      expect(Array.from(got.time)).toEqual([...direct.keys()]);
      const rows = [...direct.values()];
      expect(Array.from(got.open)).toEqual(rows.map((r) => r.o));
      expect(Array.from(got.high)).toEqual(rows.map((r) => r.h));
      expect(Array.from(got.low)).toEqual(rows.map((r) => r.l));
      expect(Array.from(got.close)).toEqual(rows.map((r) => r.c));
      expect(Array.from(got.trades)).toEqual(rows.map((r) => r.n));
      close(got.volume, rows.map((r) => r.v));
      close(vwap(got), rows.map((r) => r.qv / r.v));
      // VWAP lies inside the bar's range (to rounding: a bar at one price gives Σpq/Σq ≈ p)
      const vw = vwap(got);
      for (let i = 0; i < vw.length; i++) expect(vw[i]! >= got.low[i]! * (1 - 1e-12) && vw[i]! <= got.high[i]! * (1 + 1e-12), `bar ${i}`).toBe(true);
    }
  });
});

describe('the wasm wrapper', () => {
  it('frees its arena after every call: 10,000 calls leave memory where one call left it', async () => {
    const k = (await loadKernels(WASM)) as WasmKernels;
    const x = Float64Array.from({ length: 5_000 }, (_, i) => 100 + Math.sin(i / 10));
    const bars = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, x])) as CandleColumns;
    const once = () => {
      k.macd(x, 12, 26, 9);
      k.resampleCandles(bars, 7);
      k.spreadStats(x, x);
    };
    once();
    const after1 = k.memory;
    expect(after1.inUse).toBe(0);
    for (let i = 0; i < 10_000; i++) once();
    expect(k.memory).toEqual(after1);
  }, 60_000);

  it('RSI and ATR (SIMD two bars at a time) agree with TypeScript at every length around the period, odd and even', async () => {
    const k = await loadKernels(WASM);
    const c = Float64Array.from({ length: 40 }, (_, i) => 100 + ((i * 37) % 11) - 5);
    const h = c.map((v, i) => v + (i % 3));
    const l = c.map((v, i) => v - (i % 4));
    for (let n = 0; n <= 20; n++) {
      for (const p of [1, 2, 5, 14]) {
        expect(k.rsi(c.subarray(0, n), p), `rsi n=${n} p=${p}`).toEqual(tsKernels.rsi(c.subarray(0, n), p));
        expect(k.atr(h.subarray(0, n), l.subarray(0, n), c.subarray(0, n), p), `atr n=${n} p=${p}`).toEqual(tsKernels.atr(h.subarray(0, n), l.subarray(0, n), c.subarray(0, n), p));
      }
    }
  });

  it('reads and writes resident columns in place, with the same numbers as plain arrays', async () => {
    const k = (await loadKernels(WASM)) as WasmKernels;
    const x = Float64Array.from({ length: 3_000 }, (_, i) => 100 + Math.sin(i / 7) * 5 + i / 100);
    const h = x.map((v) => v + 1);
    const [rc, rh, ro, rm, rs, rg] = k.hold(x.length, x.length, x.length, x.length, x.length, x.length);
    rc!.array.set(x);
    rh!.array.set(h);
    const out = k.ema(rc!.array, 20, ro!.array);
    expect(out.buffer).toBe(ro!.array.buffer);
    expect(out.byteOffset).toBe(ro!.ptr);
    expect(Array.from(ro!.array)).toEqual(Array.from(tsKernels.ema(x, 20)));
    const m = k.macd(rc!.array, 12, 26, 9, { macd: rm!.array, signal: rs!.array, hist: rg!.array });
    expect(m).toEqual(tsKernels.macd(x, 12, 26, 9));
    expect(m.signal.byteOffset).toBe(rs!.ptr);
    expect(k.atr(rh!.array, rc!.array, rc!.array, 14, ro!.array)).toEqual(tsKernels.atr(h, x, x, 14));
    // a plain `into` gets a copy; resident columns stay held and the arena is free between calls
    const plain = new Float64Array(x.length);
    expect(k.rsi(rc!.array, 14, plain)).toBe(plain);
    expect(plain).toEqual(tsKernels.rsi(x, 14));
    expect(k.memory).toMatchObject({ inUse: 0, resident: 6 * x.length * 8 });
    k.release();
    expect(k.memory.resident).toBe(0);
  });

  it('rejects a resident view detached by memory growth instead of reading nothing', async () => {
    const k = (await loadKernels(WASM)) as WasmKernels;
    const [r] = k.hold(100);
    const stale = r!.array;
    k.ema(new Float64Array(1_000_000), 5); // grows memory
    expect(() => k.ema(stale, 5)).toThrow(/detached/);
    expect(k.ema(r!.array, 5)).toHaveLength(100);
  });

  it('resamples resident trades in one pass, a late last trade included', async () => {
    const k = (await loadKernels(WASM)) as WasmKernels;
    const ts = Float64Array.from([0, 61_000, 125_000, 190_000, 250_000, 30_000]);
    const px = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const q = Float64Array.from([1, 1, 1, 1, 1, 1]);
    const [a, b, c] = k.hold(6, 6, 6);
    a!.array.set(ts);
    b!.array.set(px);
    c!.array.set(q);
    const got = k.resampleTrades(a!.array, b!.array, c!.array, 60_000);
    expect(got).toEqual(tsKernels.resampleTrades(ts, px, q, 60_000));
    expect(Array.from(got.time)).toEqual([0, 60_000, 120_000, 180_000, 240_000]);
    expect(Array.from(got.close)).toEqual([1, 2, 3, 4, 6]);
    expect(k.memory.inUse).toBe(0);
  });

  it('frees the arena even when a call throws', async () => {
    const k = (await loadKernels(WASM)) as WasmKernels;
    expect(() => k.sma(null as unknown as Float64Array, 3)).toThrow();
    expect(k.memory.inUse).toBe(0);
  });

  it('falls back to the TypeScript kernels when the module cannot be loaded', async () => {
    const reasons: string[] = [];
    const k = await loadKernels(new Uint8Array([0, 1, 2, 3]), (r) => reasons.push(r));
    expect(k).toBe(tsKernels);
    expect(reasons).toHaveLength(1);
  });
});
