/**
 * Ridge regression in closed form (training time only; plain typed arrays). With an intercept column
 * appended (not penalised), the fit is w = (XᵀX + λ·I')⁻¹ Xᵀy, solved by Cholesky. Everything
 * cross-validation needs comes from per-fold sufficient statistics (Gram matrix XᵀX, Xᵀy, yᵀy, n;
 * optionally sample-weighted): the statistics of any union of folds are sums, and a model's squared
 * error on a fold is yᵀy − 2wᵀXᵀy + wᵀXᵀXw, so the inner λ search of a nested CV never touches the
 * rows again.
 */

export type Vec = Float64Array;

/** Solves A x = b for symmetric positive-definite A (n×n, row-major) by Cholesky. */
export function choleskySolve(A: ArrayLike<number>, b: ArrayLike<number>, n: number): Vec {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error(`matrix is not positive definite (pivot ${i}: ${s})`);
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j]!;
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * z[k]!;
    z[i] = s / L[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}

/** Sufficient statistics of a least-squares problem with an intercept column appended (d + 1). */
export interface Stats {
  /** Feature count without the intercept. */
  d: number;
  /** (d+1)×(d+1) Gram matrix of [X, 1]. */
  G: Vec;
  /** [X, 1]ᵀ y. */
  b: Vec;
  yy: number;
  /** Row count (sum of sample weights when weighted). */
  n: number;
}

export function emptyStats(d: number): Stats {
  return { d, G: new Float64Array((d + 1) * (d + 1)), b: new Float64Array(d + 1), yy: 0, n: 0 };
}

/**
 * Adds the rows `rows` of X (n×d row-major) and y to `s`, each with its sample weight
 * (`weights[r]`, default 1): weighted least squares minimises Σ w·(y − ŷ)².
 */
export function accumulate(
  s: Stats,
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: Iterable<number>,
  weights?: ArrayLike<number>,
): Stats {
  const d = s.d;
  const d1 = d + 1;
  const x = new Float64Array(d1);
  for (const r of rows) {
    const w = weights ? weights[r]! : 1;
    for (let j = 0; j < d; j++) x[j] = X[r * d + j]!;
    x[d] = 1;
    const yr = y[r]!;
    for (let i = 0; i < d1; i++) {
      const xi = w * x[i]!;
      if (xi === 0) continue;
      const o = i * d1;
      for (let j = i; j < d1; j++) s.G[o + j]! += xi * x[j]!;
      s.b[i]! += xi * yr;
    }
    s.yy += w * yr * yr;
    s.n += w;
  }
  // mirror the upper triangle
  for (let i = 0; i < d1; i++) for (let j = i + 1; j < d1; j++) s.G[j * d1 + i] = s.G[i * d1 + j]!;
  return s;
}

export function sumStats(parts: readonly Stats[]): Stats {
  const out = emptyStats(parts[0]!.d);
  for (const p of parts) {
    for (let i = 0; i < out.G.length; i++) out.G[i]! += p.G[i]!;
    for (let i = 0; i < out.b.length; i++) out.b[i]! += p.b[i]!;
    out.yy += p.yy;
    out.n += p.n;
  }
  return out;
}

export interface LinearModel {
  /** d weights. */
  w: Vec;
  intercept: number;
}

/** Ridge fit from statistics: the intercept is not penalised. λ = 0 is ordinary least squares. */
export function ridgeFromStats(s: Stats, lambda: number): LinearModel {
  const d1 = s.d + 1;
  const A = Float64Array.from(s.G);
  for (let i = 0; i < s.d; i++) A[i * d1 + i]! += lambda;
  const x = choleskySolve(A, s.b, d1);
  return { w: x.subarray(0, s.d), intercept: x[s.d]! };
}

/** Ridge regression of y on the rows of X (n×d row-major), all rows by default. */
export function ridgeFit(X: ArrayLike<number>, y: ArrayLike<number>, d: number, lambda: number, rows?: Iterable<number>): LinearModel {
  const all = rows ?? Array.from({ length: y.length }, (_, i) => i);
  return ridgeFromStats(accumulate(emptyStats(d), X, y, all), lambda);
}

/** Squared error of a model on the data summarised by `s`. */
export function sseFromStats(s: Stats, m: LinearModel): number {
  const d1 = s.d + 1;
  const w = new Float64Array(d1);
  w.set(m.w);
  w[s.d] = m.intercept;
  let wb = 0;
  let wGw = 0;
  for (let i = 0; i < d1; i++) {
    wb += w[i]! * s.b[i]!;
    let gi = 0;
    for (let j = 0; j < d1; j++) gi += s.G[i * d1 + j]! * w[j]!;
    wGw += w[i]! * gi;
  }
  return s.yy - 2 * wb + wGw;
}

export function predictRow(m: LinearModel, X: ArrayLike<number>, d: number, r: number): number {
  let s = m.intercept;
  for (let j = 0; j < d; j++) s += m.w[j]! * X[r * d + j]!;
  return s;
}

/** Chooses λ by leave-one-fold-out over the given per-fold statistics (least summed squared error). */
export function chooseLambda(foldStats: readonly Stats[], grid: readonly number[]): { lambda: number; sse: number[] } {
  const sse = grid.map((lambda) =>
    foldStats.reduce((acc, held, j) => acc + sseFromStats(held, ridgeFromStats(sumStats(foldStats.filter((_, i) => i !== j)), lambda)), 0),
  );
  let best = 0;
  for (let i = 1; i < grid.length; i++) if (sse[i]! < sse[best]!) best = i;
  return { lambda: grid[best]!, sse };
}
