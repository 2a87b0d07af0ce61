/** Small dense linear algebra for the closed-form fits: p ≤ 20, so clarity beats speed. */

/** Solves A x = b (A p×p, row-major, symmetric positive definite) by Cholesky. */
export function solveSpd(a: Float64Array, b: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      if (i === j) {
        if (s <= 0) throw new Error('matrix is not positive definite');
        l[i * p + i] = Math.sqrt(s);
      } else l[i * p + j] = s / l[j * p + j]!;
    }
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * p + k]! * y[k]!;
    y[i] = s / l[i * p + i]!;
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * x[k]!;
    x[i] = s / l[i * p + i]!;
  }
  return x;
}

/** Column means and standard deviations of the given rows of x (f columns); a constant column gets scale 1. */
export function standardizer(x: Float64Array, f: number, rows: number[]): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(f);
  const scale = new Float64Array(f);
  for (const r of rows) for (let j = 0; j < f; j++) mean[j] = mean[j]! + x[r * f + j]!;
  for (let j = 0; j < f; j++) mean[j] = mean[j]! / rows.length;
  for (const r of rows) for (let j = 0; j < f; j++) scale[j] = scale[j]! + (x[r * f + j]! - mean[j]!) ** 2;
  for (let j = 0; j < f; j++) scale[j] = Math.sqrt(scale[j]! / rows.length) || 1;
  return { mean, scale };
}

/** Row r of x standardized, with a trailing 1 for the intercept. */
function design(x: Float64Array, f: number, r: number, mean: Float64Array, scale: Float64Array, out: Float64Array): void {
  for (let j = 0; j < f; j++) out[j] = (x[r * f + j]! - mean[j]!) / scale[j]!;
  out[f] = 1;
}

/** Ridge regression on standardized features: minimizes mean (y − z·w − b)² + λ|w|² (intercept unpenalized). */
export function ridge(x: Float64Array, f: number, y: Float64Array, rows: number[], lambda: number, mean: Float64Array, scale: Float64Array): Float64Array {
  const p = f + 1;
  const a = new Float64Array(p * p);
  const rhs = new Float64Array(p);
  const z = new Float64Array(p);
  for (const r of rows) {
    design(x, f, r, mean, scale, z);
    for (let i = 0; i < p; i++) {
      rhs[i] = rhs[i]! + z[i]! * y[r]!;
      for (let j = 0; j <= i; j++) a[i * p + j] = a[i * p + j]! + z[i]! * z[j]!;
    }
  }
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) a[j * p + i] = a[i * p + j] = a[i * p + j]! / rows.length;
    rhs[i] = rhs[i]! / rows.length;
    if (i < f) a[i * p + i] = a[i * p + i]! + lambda;
  }
  return solveSpd(a, rhs, p);
}

/**
 * Penalized Newton's method for a linear score s = z·w + b with a per-row convex loss, from w0: `deriv` gives
 * the loss's first and second derivative in s. A fixed number of full steps, halved while the loss rises:
 * a deterministic path.
 */
function newton(
  x: Float64Array, f: number, rows: number[], lambda: number, mean: Float64Array, scale: Float64Array, w0: Float64Array, iters: number,
  loss: (r: number, s: number) => number, deriv: (r: number, s: number) => [number, number],
): Float64Array {
  const p = f + 1;
  let w = Float64Array.from(w0);
  const z = new Float64Array(p);
  const objective = (v: Float64Array) => {
    let l = 0;
    for (const r of rows) {
      design(x, f, r, mean, scale, z);
      let s = 0;
      for (let i = 0; i < p; i++) s += z[i]! * v[i]!;
      l += loss(r, s);
    }
    let pen = 0;
    for (let i = 0; i < f; i++) pen += v[i]! * v[i]!;
    return l / rows.length + 0.5 * lambda * pen;
  };
  let current = objective(w);
  for (let it = 0; it < iters; it++) {
    const hess = new Float64Array(p * p);
    const grad = new Float64Array(p);
    for (const r of rows) {
      design(x, f, r, mean, scale, z);
      let s = 0;
      for (let i = 0; i < p; i++) s += z[i]! * w[i]!;
      const [g, h] = deriv(r, s);
      for (let i = 0; i < p; i++) {
        grad[i] = grad[i]! + g * z[i]!;
        for (let j = 0; j <= i; j++) hess[i * p + j] = hess[i * p + j]! + h * z[i]! * z[j]!;
      }
    }
    for (let i = 0; i < p; i++) {
      for (let j = 0; j <= i; j++) hess[j * p + i] = hess[i * p + j] = hess[i * p + j]! / rows.length;
      grad[i] = grad[i]! / rows.length;
      if (i < f) {
        hess[i * p + i] = hess[i * p + i]! + lambda;
        grad[i] = grad[i]! + lambda * w[i]!;
      }
    }
    const step = solveSpd(hess, grad, p);
    for (let t = 1; t >= 1 / 64; t /= 2) {
      const next = w.map((v, i) => v - t * step[i]!);
      const l = objective(next);
      if (l <= current) {
        w = next;
        current = l;
        break;
      }
    }
  }
  return w;
}

const sigmoid = (s: number) => 1 / (1 + Math.exp(-s));

/** L2-penalized logistic regression (penalty ½λ|w|²) by Newton's method from zero. */
export function logistic(x: Float64Array, f: number, y: Uint8Array, rows: number[], lambda: number, mean: Float64Array, scale: Float64Array, iters = 12): Float64Array {
  return newton(x, f, rows, lambda, mean, scale, new Float64Array(f + 1), iters,
    (r, s) => (y[r] ? Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))),
    (r, s) => {
      const pr = sigmoid(s);
      return [pr - y[r]!, pr * (1 - pr)];
    });
}

/**
 * Log-variance regression minimizing QLIKE, mean(RV·e^(−s) + s) + ½λ|w|² with s = offset + z·w + b, which is
 * convex in s: the loss the forecast is judged by, so the fit targets it directly (from w0, e.g. a
 * least-squares start). The penalty shrinks toward the offset, not toward a constant.
 */
export function qlikeFit(
  x: Float64Array, f: number, rv: Float64Array, offset: Float64Array, rows: number[], lambda: number, mean: Float64Array, scale: Float64Array, w0: Float64Array, iters: number,
): Float64Array {
  return newton(x, f, rows, lambda, mean, scale, w0, iters,
    (r, s) => rv[r]! * Math.exp(-s - offset[r]!) + s + offset[r]!,
    (r, s) => {
      const u = rv[r]! * Math.exp(-s - offset[r]!);
      return [1 - u, u];
    });
}

/** z·w + b for row r (w has the intercept last). */
export function linear(x: Float64Array, f: number, r: number, w: Float64Array, mean: Float64Array, scale: Float64Array): number {
  let s = w[f]!;
  for (let j = 0; j < f; j++) s += ((x[r * f + j]! - mean[j]!) / scale[j]!) * w[j]!;
  return s;
}

/** Type-7 (linear interpolation) sample quantile. */
export function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? 0) - sorted[lo]!);
}
