/** RiskMetrics: σ²ₜ₊₁ = λσ²ₜ + (1 − λ)rₜ². */
export const EWMA_LAMBDA = 0.94;

export interface Garch {
  omega: number;
  alpha: number;
  beta: number;
}

/** Σ of the next h one-bar variances when the next one is `next` and the process mean-reverts to ω/(1 − α − β). */
export function garchHorizonVar(g: Garch, next: number, h: number): number {
  const p = g.alpha + g.beta;
  const vbar = g.omega / (1 - p);
  return h * vbar + ((next - vbar) * (1 - p ** h)) / (1 - p);
}

/** Gaussian log likelihood of r under GARCH(1,1), started at the sample variance. */
function garchLogLik(r: Float64Array, g: Garch, v0: number): number {
  let v = v0;
  let ll = 0;
  for (let i = 0; i < r.length; i++) {
    const x = r[i]!;
    ll -= Math.log(v) + (x * x) / v;
    v = g.omega + g.alpha * x * x + g.beta * v;
  }
  return 0.5 * ll;
}

/**
 * GARCH(1,1) by maximum likelihood with variance targeting (ω = v̄(1 − α − β)): a coarse grid over
 * persistence and the α share, then shrinking coordinate steps. No randomness, so refits are identical.
 */
export function fitGarch(r: Float64Array): Garch {
  let v0 = 0;
  for (const x of r) v0 += x * x;
  v0 /= r.length;
  const make = (p: number, a: number): Garch => ({ omega: v0 * (1 - p), alpha: a * p, beta: (1 - a) * p });
  const ll = (p: number, a: number) => (p > 0 && p < 0.9999 && a > 0 && a < 1 ? garchLogLik(r, make(p, a), v0) : -Infinity);
  let best = { p: 0.9, a: 0.1, ll: -Infinity };
  for (const p of [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999])
    for (const a of [0.02, 0.05, 0.1, 0.2, 0.3, 0.5]) {
      const l = ll(p, a);
      if (l > best.ll) best = { p, a, ll: l };
    }
  let sp = 0.01;
  let sa = 0.05;
  for (let iter = 0; iter < 60 && (sp > 1e-6 || sa > 1e-5); iter++) {
    let moved = false;
    for (const [dp, da] of [[sp, 0], [-sp, 0], [0, sa], [0, -sa]] as const) {
      const p = best.p + dp;
      const a = best.a + da;
      const l = ll(p, a);
      if (l > best.ll) {
        best = { p, a, ll: l };
        moved = true;
      }
    }
    if (!moved) {
      sp /= 2;
      sa /= 2;
    }
  }
  return make(best.p, best.a);
}
