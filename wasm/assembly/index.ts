// Kernels over f64 columns in linear memory. The TypeScript wrapper (wasm/kernels.ts) owns the memory:
// it lays the columns out, calls one kernel and copies the result out. Each kernel mirrors the reference
// in wasm/reference.ts operation for operation, so the two agree bit for bit except where libm differs (log).
// Warm-up slots are NaN so every output stays aligned with its input.

@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
@inline function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

export function heapBase(): usize {
  return __heap_base;
}

@inline function bucket(t: f64, iv: f64): f64 {
  return t - (((t % iv) + iv) % iv);
}

/**
 * Trades (time-ordered; a late trade folds into the open bar) → bars, row-major at `out` (8 f64 per bar:
 * time, o, h, l, c, v, qv, n), which must be the top of what the caller uses: the bars need no bound computed
 * beforehand (that would be a second pass over the trades), memory grows here as they do. One pass; the open bar
 * lives in locals and is written out when the next one starts: one store per bar, not per trade. Returns the
 * number of bars, or −1 if memory could not grow.
 */
export function resampleTrades(ts: usize, px: usize, qty: usize, n: i32, iv: f64, out: usize): i32 {
  let m = -1;
  let t0 = -Infinity;
  // f64 `%` is a libm call here: only a trade past the open bucket's end needs its bucket computed
  let end = -Infinity;
  let o = 0.0, h = 0.0, l = 0.0, c = 0.0, v = 0.0, qv = 0.0, k = 0.0;
  for (let i = 0; i < n; i++) {
    const p = ld(px, i);
    const q = ld(qty, i);
    const t = ld(ts, i);
    if (t >= end) {
      if (m >= 0) flush(out + (<usize>m << 6), t0, o, h, l, c, v, qv, k);
      m++;
      if (!room(out + (<usize>(m + 1) << 6))) return -1;
      t0 = bucket(t, iv);
      end = t0 + iv;
      o = h = l = c = p;
      v = q;
      qv = p * q;
      k = 1;
    } else {
      if (p > h) h = p;
      if (p < l) l = p;
      c = p;
      v += q;
      qv += p * q;
      k += 1;
    }
  }
  if (m >= 0) flush(out + (<usize>m << 6), t0, o, h, l, c, v, qv, k);
  return m + 1;
}

/** Memory reaches `end`, growing by at least 1 MiB at a time (a new bar is rare; a grow per bar would not be). */
@inline function room(end: usize): bool {
  const have = <usize>memory.size() << 16;
  if (end <= have) return true;
  const pages = <i32>((end - have + 0xffff) >>> 16);
  return memory.grow(pages > 16 ? pages : 16) >= 0;
}

@inline function flush(at: usize, t: f64, o: f64, h: f64, l: f64, c: f64, v: f64, qv: f64, k: f64): void {
  store<f64>(at, t);
  store<f64>(at, o, 8);
  store<f64>(at, h, 16);
  store<f64>(at, l, 24);
  store<f64>(at, c, 32);
  store<f64>(at, v, 40);
  store<f64>(at, qv, 48);
  store<f64>(at, k, 56);
}

/** Bars (columns at `src + c·n·8`) → coarser bars at `out + c·cap·8`. */
export function resampleCandles(src: usize, n: i32, iv: f64, out: usize, cap: i32): i32 {
  const s = <usize>cap << 3;
  const r = <usize>n << 3;
  let m = -1;
  let t0 = -Infinity;
  for (let i = 0; i < n; i++) {
    const b = bucket(ld(src, i), iv);
    if (b > t0) {
      m++;
      t0 = b;
      st(out, m, b);
      for (let c: usize = 1; c < 8; c++) st(out + c * s, m, ld(src + c * r, i));
    } else {
      const h = ld(src + 2 * r, i);
      const l = ld(src + 3 * r, i);
      if (h > ld(out + 2 * s, m)) st(out + 2 * s, m, h);
      if (l < ld(out + 3 * s, m)) st(out + 3 * s, m, l);
      st(out + 4 * s, m, ld(src + 4 * r, i));
      for (let c: usize = 5; c < 8; c++) st(out + c * s, m, ld(out + c * s, m) + ld(src + c * r, i));
    }
  }
  return m + 1;
}

export function sma(src: usize, n: i32, p: i32, out: usize): void {
  let sum = 0.0;
  for (let i = 0; i < n; i++) {
    sum += ld(src, i);
    if (i >= p) sum -= ld(src, i - p);
    st(out, i, i >= p - 1 ? sum / p : NaN);
  }
}

/** EMA seeded with the SMA of the first `p` values (the convention of most charting packages). */
export function ema(src: usize, n: i32, p: i32, out: usize): void {
  const k = 2.0 / (p + 1);
  let e = 0.0;
  for (let i = 0; i < n; i++) {
    const x = ld(src, i);
    if (i < p) {
      e += x;
      if (i == p - 1) e /= p;
      st(out, i, i == p - 1 ? e : NaN);
    } else {
      e = (x - e) * k + e;
      st(out, i, e);
    }
  }
}

/**
 * Wilder's RSI: first averages are plain means of `p` changes. Gains and losses of two bars at a time come from
 * SIMD pseudo-max (`0 < d ? d : 0`, no branch to mispredict on a random walk); the averages stay sequential.
 */
export function rsi(src: usize, n: i32, p: i32, out: usize): void {
  let g = 0.0;
  let l = 0.0;
  if (n > 0) st(out, 0, NaN);
  const w = p < n ? p : n - 1;
  let i = 1;
  for (; i <= w; i++) {
    const d = ld(src, i) - ld(src, i - 1);
    g += d > 0 ? d : 0.0;
    l += d < 0 ? -d : 0.0;
    if (i == p) {
      g /= p;
      l /= p;
    }
    st(out, i, i < p ? NaN : rsiOf(g, l));
  }
  const zero = f64x2.splat(0.0);
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    const d = f64x2.sub(v128.load(src + o), v128.load(src + o - 8));
    const up = f64x2.pmax(zero, d);
    const dn = f64x2.pmax(zero, f64x2.neg(d));
    g = (g * (p - 1) + f64x2.extract_lane(up, 0)) / p;
    l = (l * (p - 1) + f64x2.extract_lane(dn, 0)) / p;
    st(out, i, rsiOf(g, l));
    g = (g * (p - 1) + f64x2.extract_lane(up, 1)) / p;
    l = (l * (p - 1) + f64x2.extract_lane(dn, 1)) / p;
    st(out, i + 1, rsiOf(g, l));
  }
  for (; i < n; i++) {
    const d = ld(src, i) - ld(src, i - 1);
    g = (g * (p - 1) + (d > 0 ? d : 0.0)) / p;
    l = (l * (p - 1) + (d < 0 ? -d : 0.0)) / p;
    st(out, i, rsiOf(g, l));
  }
}

@inline function rsiOf(g: f64, l: f64): f64 {
  return l == 0 ? 100.0 : g == 0 ? 0.0 : 100.0 - 100.0 / (1.0 + g / l);
}

/** MACD line, its signal EMA (seeded with an SMA of the line) and the histogram, in one pass. */
export function macd(src: usize, n: i32, fast: i32, slow: i32, sig: i32, line: usize, signal: usize, hist: usize): void {
  const kf = 2.0 / (fast + 1);
  const ks = 2.0 / (slow + 1);
  const kg = 2.0 / (sig + 1);
  let ef = 0.0;
  let es = 0.0;
  let eg = 0.0;
  for (let i = 0; i < n; i++) {
    const x = ld(src, i);
    if (i < fast) {
      ef += x;
      if (i == fast - 1) ef /= fast;
    } else ef = (x - ef) * kf + ef;
    if (i < slow) {
      es += x;
      if (i == slow - 1) es /= slow;
    } else es = (x - es) * ks + es;
    const j = i - (slow - 1);
    const m = j >= 0 ? ef - es : NaN;
    st(line, i, m);
    if (j >= 0 && j < sig) {
      eg += m;
      if (j == sig - 1) eg /= sig;
    } else if (j >= sig) eg = (m - eg) * kg + eg;
    const s = j >= sig - 1 ? eg : NaN;
    st(signal, i, s);
    st(hist, i, m - s);
  }
}

/** Bollinger bands: SMA ± k population standard deviations of the window. */
export function bollinger(src: usize, n: i32, p: i32, k: f64, mid: usize, upper: usize, lower: usize): void {
  let sum = 0.0;
  for (let i = 0; i < n; i++) {
    sum += ld(src, i);
    if (i >= p) sum -= ld(src, i - p);
    if (i < p - 1) {
      st(mid, i, NaN);
      st(upper, i, NaN);
      st(lower, i, NaN);
      continue;
    }
    const mean = sum / p;
    let v = 0.0;
    for (let j = i - p + 1; j <= i; j++) {
      const d = ld(src, j) - mean;
      v += d * d;
    }
    const sd = Math.sqrt(v / p);
    st(mid, i, mean);
    st(upper, i, mean + sd * k);
    st(lower, i, mean - sd * k);
  }
}

/**
 * Wilder's ATR; the first true range needs a previous close, so the first value lands at index `p`. The true
 * range max(h, pc) − min(l, pc) (= max(h − l, |h − pc|, |l − pc|) for h ≥ l) of two bars at a time comes from
 * SIMD pseudo-min/max: no branch per bar. The average stays sequential.
 */
export function atr(high: usize, low: usize, close: usize, n: i32, p: i32, out: usize): void {
  let a = 0.0;
  if (n > 0) st(out, 0, NaN);
  const w = p < n ? p : n - 1;
  let i = 1;
  for (; i <= w; i++) {
    a += trueRange(ld(high, i), ld(low, i), ld(close, i - 1));
    if (i == p) a /= p;
    st(out, i, i < p ? NaN : a);
  }
  const r = 1.0 / p;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    const pc = v128.load(close + o - 8);
    const tr = f64x2.sub(f64x2.pmax(v128.load(high + o), pc), f64x2.pmin(v128.load(low + o), pc));
    a = (f64x2.extract_lane(tr, 0) - a) * r + a;
    st(out, i, a);
    a = (f64x2.extract_lane(tr, 1) - a) * r + a;
    st(out, i + 1, a);
  }
  for (; i < n; i++) {
    a = (trueRange(ld(high, i), ld(low, i), ld(close, i - 1)) - a) * r + a;
    st(out, i, a);
  }
}

/** Scalar twin of the SIMD true range: the same pseudo-min/max, so both paths give the same bits. */
@inline function trueRange(h: f64, l: f64, pc: f64): f64 {
  return (h < pc ? pc : h) - (pc < l ? pc : l);
}

/** Realized volatility: √Σ r² of the last `w` log returns (per bar, not annualized). */
export function realizedVol(src: usize, n: i32, w: i32, out: usize): void {
  let ss = 0.0;
  if (n > 0) st(out, 0, NaN);
  for (let i = 1; i < n; i++) {
    const r = Math.log(ld(src, i) / ld(src, i - 1));
    ss += r * r;
    if (i > w) {
      const o = Math.log(ld(src, i - w) / ld(src, i - w - 1));
      ss -= o * o;
    }
    st(out, i, i < w ? NaN : Math.sqrt(ss > 0 ? ss : 0.0));
  }
}

/** Pearson correlation of the two series' log returns over the last `w` bars (two-pass per window). */
export function rollingCorr(a: usize, b: usize, n: i32, w: i32, out: usize): void {
  if (n > 0) st(out, 0, NaN);
  for (let i = 1; i < n; i++) {
    if (i < w) {
      st(out, i, NaN);
      continue;
    }
    let ma = 0.0;
    let mb = 0.0;
    for (let j = i - w + 1; j <= i; j++) {
      ma += Math.log(ld(a, j) / ld(a, j - 1));
      mb += Math.log(ld(b, j) / ld(b, j - 1));
    }
    ma /= w;
    mb /= w;
    let sab = 0.0;
    let saa = 0.0;
    let sbb = 0.0;
    for (let j = i - w + 1; j <= i; j++) {
      const x = Math.log(ld(a, j) / ld(a, j - 1)) - ma;
      const y = Math.log(ld(b, j) / ld(b, j - 1)) - mb;
      sab += x * y;
      saa += x * x;
      sbb += y * y;
    }
    st(out, i, saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN);
  }
}

/** Per snapshot (row-major, `levels` per row): (Σbid − Σask)/(Σbid + Σask) over the best `depth` levels. */
export function bookImbalance(bid: usize, ask: usize, rows: i32, levels: i32, depth: i32, out: usize): void {
  const d = depth < levels ? depth : levels;
  for (let r = 0; r < rows; r++) {
    let sb = 0.0;
    let sa = 0.0;
    for (let j = 0; j < d; j++) {
      sb += ld(bid, r * levels + j);
      sa += ld(ask, r * levels + j);
    }
    st(out, r, sb + sa > 0 ? (sb - sa) / (sb + sa) : NaN);
  }
}

/**
 * Spread of venue A over venue B in basis points, (a − b)/b·1e4, skipping rows where either is missing (NaN).
 * Writes the series to `series` and [count, mean, std, min, max, last, z(last)] to `stats`.
 */
export function spreadStats(a: usize, b: usize, n: i32, series: usize, stats: usize): void {
  let c = 0;
  let sum = 0.0;
  let mn = Infinity;
  let mx = -Infinity;
  let last = NaN;
  for (let i = 0; i < n; i++) {
    const x = ld(a, i);
    const y = ld(b, i);
    const s = (x - y) / y * 1e4;
    st(series, i, s);
    if (isNaN(s)) continue;
    c++;
    sum += s;
    if (s < mn) mn = s;
    if (s > mx) mx = s;
    last = s;
  }
  const mean = c ? sum / c : NaN;
  let v = 0.0;
  for (let i = 0; i < n; i++) {
    const s = ld(series, i);
    if (!isNaN(s)) v += (s - mean) * (s - mean);
  }
  const sd = c ? Math.sqrt(v / c) : NaN;
  st(stats, 0, c);
  st(stats, 1, mean);
  st(stats, 2, sd);
  st(stats, 3, c ? mn : NaN);
  st(stats, 4, c ? mx : NaN);
  st(stats, 5, last);
  st(stats, 6, sd > 0 ? (last - mean) / sd : NaN);
}
