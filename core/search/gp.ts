// A Gaussian-process surrogate over categorical token sequences, for Bayesian optimization.
//
// Kernel: an additive-over-groups plus full-interaction kernel on Hamming mismatches,
//   k(x, y) = Σ_g s_g · K_g(x, y) + s_× · Π_g K_g(x, y),   K_g = exp(−Σ_{d ∈ g} w_d · [x_d ≠ y_d]),
// where g runs over the decision groups (network, accelerator, hyper-parameters). Each K_g is a
// product of per-decision exponential kernels on a categorical, so positive definite; sums and
// products keep that. The additive part lets what is learned of the network carry over to any
// accelerator (accuracy does not depend on it; log latency is close to network work plus
// accelerator throughput), the product part keeps interactions. Per-decision weights w_d (ARD)
// let a decision that does not matter drop out. With one group the kernel is the ARD product.
//
// Hyper-parameters are fitted by MAP (log marginal likelihood plus weak log-normal priors, fixed
// a priori) with Adam on their logs, warm-started from the previous fit. Targets are standardized.
// Everything is deterministic: no random numbers are drawn here.

export interface GpHyper {
  /** log w_d per decision (inactive decisions keep their entry and are ignored). */
  logW: number[];
  /** log s_g per group. */
  logGroupVar: number[];
  logJointVar: number;
  logNoise: number;
}

/** Which decisions the kernel reads (more than one choice) and their group index. */
export interface GpLayout {
  active: number[];
  /** Group index of each decision (length = number of decisions). */
  groupOf: number[];
  groups: number;
}

export function gpLayout(cardinalities: readonly number[], groupOf: readonly number[]): GpLayout {
  const groups = Math.max(0, ...groupOf) + 1;
  return { active: cardinalities.flatMap((c, d) => (c > 1 ? [d] : [])), groupOf: [...groupOf], groups };
}

/** The prior means, which are also the starting point of the first fit. */
export function defaultHyper(layout: GpLayout, decisions: number): GpHyper {
  const p = priors(layout);
  return {
    logW: new Array<number>(decisions).fill(p.w),
    logGroupVar: new Array<number>(layout.groups).fill(p.v),
    logJointVar: p.v,
    logNoise: p.noise,
  };
}

/** Log-normal priors (means; sd PRIOR_SD on the log): chosen before any benchmark was run. */
const PRIOR_SD = 1.5;
function priors(layout: GpLayout) {
  return {
    // Each decision adds about 1/D to the distance: random pairs keep a correlation near e^(-2/3).
    w: Math.log(1 / Math.max(1, layout.active.length)),
    // Standardized targets: the variance split evenly over the additive terms and the product.
    v: Math.log(1 / (layout.groups + 1)),
    noise: Math.log(0.02),
  };
}
const LOG_MIN = -12;
const LOG_MAX = 5;
const clampLog = (x: number) => Math.min(LOG_MAX, Math.max(LOG_MIN, x));

/** Lower Cholesky factor of a symmetric n×n matrix (row-major), with growing jitter if needed. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  let diag = 0;
  for (let i = 0; i < n; i++) diag += a[i * n + i]!;
  const scale = diag / Math.max(1, n);
  for (let jitter = 0, attempt = 0; attempt < 8; attempt++, jitter = scale * 10 ** (attempt - 9)) {
    const l = new Float64Array(n * n);
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = a[i * n + j]! + (i === j ? jitter : 0);
        for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
        if (i === j) {
          if (!(s > 0)) {
            ok = false;
            break;
          }
          l[i * n + i] = Math.sqrt(s);
        } else l[i * n + j] = s / l[j * n + j]!;
      }
    }
    if (ok) return l;
  }
  throw new Error('gp: kernel matrix is not positive definite, even with jitter');
}

/** Solves L x = b for lower-triangular L. */
function forward(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/** Solves Lᵀ x = b for lower-triangular L. */
function backward(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/**
 * The kernel under fixed hyper-parameters, evaluated without exponentials: K_g is the product of
 * e^(−w_d) over the decisions of g that differ.
 */
class Kernel {
  private readonly decisions: Int32Array;
  private readonly group: Int32Array;
  private readonly factor: Float64Array;
  private readonly parts: Float64Array;

  constructor(
    layout: GpLayout,
    w: ArrayLike<number>,
    private readonly s: ArrayLike<number>,
    private readonly joint: number,
  ) {
    this.decisions = Int32Array.from(layout.active);
    this.group = Int32Array.from(layout.active, (d) => layout.groupOf[d]!);
    this.factor = Float64Array.from(layout.active, (d) => Math.exp(-w[d]!));
    this.parts = new Float64Array(layout.groups);
  }

  k(a: readonly number[], b: readonly number[]): number {
    const parts = this.parts;
    parts.fill(1);
    const ds = this.decisions;
    for (let j = 0; j < ds.length; j++) {
      const d = ds[j]!;
      if (a[d] !== b[d]) parts[this.group[j]!]! *= this.factor[j]!;
    }
    let sum = 0;
    let prod = 1;
    for (let g = 0; g < parts.length; g++) {
      sum += this.s[g]! * parts[g]!;
      prod *= parts[g]!;
    }
    return sum + this.joint * prod;
  }
}

interface Unpacked {
  w: Float64Array;
  s: Float64Array;
  joint: number;
  noise: number;
}
const unpack = (h: GpHyper): Unpacked => ({
  w: Float64Array.from(h.logW, Math.exp),
  s: Float64Array.from(h.logGroupVar, Math.exp),
  joint: Math.exp(h.logJointVar),
  noise: Math.exp(h.logNoise),
});

function standardize(y: readonly number[]): { z: number[]; mean: number; sd: number } {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const v = y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length;
  const sd = v > 1e-24 ? Math.sqrt(v) : 1;
  return { z: y.map((x) => (x - mean) / sd), mean, sd };
}

/**
 * MAP fit of the hyper-parameters to (X, y) by `steps` Adam steps from `start`; returns the best
 * point visited. Cost per step O(n³ + D·n²).
 */
export function fitGp(
  layout: GpLayout,
  X: readonly (readonly number[])[],
  y: readonly number[],
  start: GpHyper,
  steps: number,
): GpHyper {
  const n = X.length;
  if (n < 2) return structuredClone(start);
  const { z } = standardize(y);
  const G = layout.groups;
  const D = start.logW.length;
  // Mismatch lists per pair, per active decision: computed once.
  const mism: Uint8Array[] = layout.active.map((d) => {
    const m = new Uint8Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = X[i]![d] !== X[j]![d] ? 1 : 0;
    return m;
  });
  const pr = priors(layout);
  // θ = [logW (D), logGroupVar (G), logJointVar, logNoise]
  const theta = [...start.logW, ...start.logGroupVar, start.logJointVar, start.logNoise].map(clampLog);
  const P = theta.length;
  const prMean = [...new Array<number>(D).fill(pr.w), ...new Array<number>(G).fill(pr.v), pr.v, pr.noise];
  const m1 = new Float64Array(P);
  const m2 = new Float64Array(P);
  let best = { value: Number.NEGATIVE_INFINITY, theta: [...theta] };
  const Kg = Array.from({ length: G }, () => new Float64Array(n * n));
  const K = new Float64Array(n * n);
  const Kj = new Float64Array(n * n);
  for (let step = 0; step <= steps; step++) {
    const w = theta.slice(0, D).map(Math.exp);
    const s = theta.slice(D, D + G).map(Math.exp);
    const joint = Math.exp(theta[D + G]!);
    const noise = Math.exp(theta[D + G + 1]!);
    // Kernel matrices.
    for (let g = 0; g < G; g++) Kg[g]!.fill(0);
    layout.active.forEach((d, a) => {
      const g = layout.groupOf[d]!;
      const m = mism[a]!;
      const kg = Kg[g]!;
      for (let q = 0; q < n * n; q++) if (m[q]) kg[q]! -= w[d]!;
    });
    for (let q = 0; q < n * n; q++) {
      let sum = 0;
      let prod = 1;
      for (let g = 0; g < G; g++) {
        const e = Math.exp(Kg[g]![q]!);
        Kg[g]![q] = e;
        sum += s[g]! * e;
        prod *= e;
      }
      Kj[q] = prod;
      K[q] = sum + joint * prod;
    }
    for (let i = 0; i < n; i++) K[i * n + i]! += noise;
    let L: Float64Array;
    try {
      L = cholesky(K, n);
    } catch {
      break;
    }
    const alpha = backward(L, n, forward(L, n, z));
    let logDet = 0;
    for (let i = 0; i < n; i++) logDet += 2 * Math.log(L[i * n + i]!);
    let fit = 0;
    for (let i = 0; i < n; i++) fit += z[i]! * alpha[i]!;
    let value = -0.5 * fit - 0.5 * logDet;
    for (let p = 0; p < P; p++) value -= (0.5 * (theta[p]! - prMean[p]!) ** 2) / PRIOR_SD ** 2;
    if (value > best.value) best = { value, theta: [...theta] };
    if (step === steps) break;
    // A = ααᵀ − K⁻¹ (K⁻¹ from the factor, column by column).
    const A = new Float64Array(n * n);
    const e = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      e.fill(0);
      e[c] = 1;
      const col = backward(L, n, forward(L, n, e));
      for (let r = 0; r < n; r++) A[r * n + c] = alpha[r]! * alpha[c]! - col[r]!;
    }
    const grad = new Float64Array(P);
    // d/d log w_d = ½ Σ A ⊙ (−w_d · mism_d ⊙ (s_g K_g + joint K_j)).
    layout.active.forEach((d, a) => {
      const g = layout.groupOf[d]!;
      const m = mism[a]!;
      const kg = Kg[g]!;
      let acc = 0;
      for (let q = 0; q < n * n; q++) if (m[q]) acc += A[q]! * (s[g]! * kg[q]! + joint * Kj[q]!);
      grad[d] = -0.5 * w[d]! * acc;
    });
    for (let g = 0; g < G; g++) {
      let acc = 0;
      const kg = Kg[g]!;
      for (let q = 0; q < n * n; q++) acc += A[q]! * kg[q]!;
      grad[D + g] = 0.5 * s[g]! * acc;
    }
    let accJ = 0;
    let accN = 0;
    for (let q = 0; q < n * n; q++) accJ += A[q]! * Kj[q]!;
    for (let i = 0; i < n; i++) accN += A[i * n + i]!;
    grad[D + G] = 0.5 * joint * accJ;
    grad[D + G + 1] = 0.5 * noise * accN;
    // Adam ascent on the log-posterior.
    const lr = 0.1;
    for (let p = 0; p < P; p++) {
      const g = grad[p]! - (theta[p]! - prMean[p]!) / PRIOR_SD ** 2;
      m1[p] = 0.9 * m1[p]! + 0.1 * g;
      m2[p] = 0.999 * m2[p]! + 0.001 * g * g;
      const mh = m1[p]! / (1 - 0.9 ** (step + 1));
      const vh = m2[p]! / (1 - 0.999 ** (step + 1));
      theta[p] = clampLog(theta[p]! + (lr * mh) / (Math.sqrt(vh) + 1e-8));
    }
  }
  const t = best.theta;
  return {
    logW: t.slice(0, D),
    logGroupVar: t.slice(D, D + G),
    logJointVar: t[D + G]!,
    logNoise: t[D + G + 1]!,
  };
}

/** A GP conditioned on (X, y) under fixed hyper-parameters. */
export class FittedGp {
  readonly n: number;
  private readonly h: Unpacked;
  private readonly L: Float64Array;
  private readonly alpha: Float64Array;
  readonly mean: number;
  readonly sd: number;
  private readonly kernel: Kernel;

  constructor(
    readonly layout: GpLayout,
    hyper: GpHyper,
    readonly X: readonly (readonly number[])[],
    y: readonly number[],
  ) {
    this.n = X.length;
    this.h = unpack(hyper);
    this.kernel = new Kernel(layout, this.h.w, this.h.s, this.h.joint);
    const { z, mean, sd } = standardize(y);
    this.mean = mean;
    this.sd = sd;
    const n = this.n;
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        const k = this.k(X[i]!, X[j]!) + (i === j ? this.h.noise : 0);
        K[i * n + j] = k;
        K[j * n + i] = k;
      }
    this.L = cholesky(K, n);
    this.alpha = backward(this.L, n, forward(this.L, n, z));
  }

  /** Kernel value (standardized units). */
  k(a: readonly number[], b: readonly number[]): number {
    return this.kernel.k(a, b);
  }

  get noise(): number {
    return this.h.noise;
  }

  get priorVar(): number {
    return this.h.s.reduce((a, b) => a + b, 0) + this.h.joint;
  }

  /** Posterior over a pool of sequences, ready for fantasized (kriging-believer) conditioning. */
  pool(pool: readonly (readonly number[])[]): PoolPosterior {
    return new PoolPosterior(this, pool, this.L, this.alpha);
  }
}

/**
 * The latent posterior (standardized units) over a fixed pool. `condition(j)` adds pool item j as
 * an observation equal to its posterior mean (kriging believer): the means stay, the variances
 * near j shrink, so the next pick of a batch goes elsewhere.
 */
export class PoolPosterior {
  readonly mu: Float64Array;
  readonly v: Float64Array;
  /** Rows of L⁻¹·K(observed, pool), one per observation and per fantasy. */
  private readonly rows: Float64Array[] = [];

  constructor(
    private readonly gp: FittedGp,
    private readonly items: readonly (readonly number[])[],
    L: Float64Array,
    alpha: Float64Array,
  ) {
    const n = gp.n;
    const P = items.length;
    this.mu = new Float64Array(P);
    this.v = new Float64Array(P).fill(gp.priorVar);
    for (let i = 0; i < n; i++) {
      const xi = gp.X[i]!;
      const row = new Float64Array(P);
      for (let p = 0; p < P; p++) row[p] = gp.k(xi, items[p]!);
      const a = alpha[i]!;
      for (let p = 0; p < P; p++) this.mu[p]! += a * row[p]!;
      // Forward substitution, one row of L⁻¹·K(observed, pool) at a time.
      for (let k = 0; k < i; k++) {
        const lik = L[i * n + k]!;
        if (lik === 0) continue;
        const rk = this.rows[k]!;
        for (let p = 0; p < P; p++) row[p]! -= lik * rk[p]!;
      }
      const lii = L[i * n + i]!;
      for (let p = 0; p < P; p++) {
        row[p]! /= lii;
        this.v[p]! -= row[p]! ** 2;
      }
      this.rows.push(row);
    }
    for (let p = 0; p < P; p++) this.v[p] = Math.max(0, this.v[p]!);
  }

  /** Mean and standard deviation of item p, in the target's units. */
  meanOf(p: number): number {
    return this.gp.mean + this.gp.sd * this.mu[p]!;
  }
  sdOf(p: number): number {
    return this.gp.sd * Math.sqrt(this.v[p]!);
  }

  condition(j: number): void {
    const P = this.items.length;
    const xj = this.items[j]!;
    const cov = new Float64Array(P);
    for (let p = 0; p < P; p++) cov[p] = this.gp.k(xj, this.items[p]!);
    for (const r of this.rows) {
      const rj = r[j]!;
      if (rj !== 0) for (let p = 0; p < P; p++) cov[p]! -= rj * r[p]!;
    }
    const l = Math.sqrt(Math.max(cov[j]!, 0) + this.gp.noise);
    const row = new Float64Array(P);
    for (let p = 0; p < P; p++) {
      row[p] = cov[p]! / l;
      this.v[p] = Math.max(0, this.v[p]! - row[p]! ** 2);
    }
    this.rows.push(row);
  }
}
