/**
 * Fitting and cross-validating the sentiment model (training time only; plain typed arrays).
 *
 * Ridge regression in closed form. With an intercept column appended (not penalised), the fit
 * is w = (XᵀX + λ·I')⁻¹ Xᵀy, solved by Cholesky. Everything cross-validation needs comes from
 * per-fold sufficient statistics (Gram matrix XᵀX, Xᵀy, yᵀy, n; optionally sample-weighted): the
 * statistics of any union of folds are sums, and a model's squared error on a fold is
 * yᵀy − 2wᵀXᵀy + wᵀXᵀXw, so the inner λ search of a nested CV never touches the rows again.
 * A small MLP (d → H ReLU → 1, Adam) is the other first-stage learner.
 *
 * Nested CV (what `crossValidate` reports; nothing is ever scored on rows it was fitted on):
 *   for each outer fold k (5, stratified by data set):
 *     hyper    = chosen on the folds ≠ k only (ridge: λ with the least leave-one-of-the-other-4-out
 *                squared error; MLP: fixed);
 *     regressor fitted on the folds ≠ k, predicts fold k;
 *     stacker  (second-stage linear model on [regressor, vader, afinn, senticon, pattern]) fitted on
 *                the folds ≠ k, where each of those rows' regressor input is itself out-of-fold
 *                (regressor fitted on the folds ∉ {k, j} for a row of fold j), then applied to fold k;
 *     lexicon-only stacker on [vader, afinn, senticon, pattern], fitted on the folds ≠ k.
 * The deployed model is refitted on everything with the same recipe (hyper-parameters by 5-fold
 * CV; the stacker on out-of-fold regressor outputs).
 */
import { mulberry32 } from '@newsfuse/models/math';

export type Vec = Float64Array;

/** Deterministic PRNG (mulberry32). */
export { mulberry32 };

/** Fold index (0…k−1) per item: each group (data set) is shuffled and dealt round-robin. */
export function stratifiedFolds(groups: readonly string[], k: number, seed: number): Int32Array {
  const rnd = mulberry32(seed);
  const out = new Int32Array(groups.length);
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const l = byGroup.get(g) ?? [];
    l.push(i);
    byGroup.set(g, l);
  });
  for (const g of [...byGroup.keys()].sort()) {
    const idx = byGroup.get(g)!;
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    idx.forEach((row, r) => (out[row] = r % k));
  }
  return out;
}

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

// ---------------------------------------------------------------------------------------------
// Metrics

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa && sbb ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * Sign accuracy on the items whose |rating| > threshold (the VADER convention: > 0.05 positive,
 * < −0.05 negative): a prediction is right when it has the rating's sign; 0 (no call) is wrong.
 */
export function signAccuracy(
  pred: ArrayLike<number>,
  rating: ArrayLike<number>,
  threshold = 0.05,
): { accuracy: number; n: number; noCall: number } {
  let n = 0;
  let ok = 0;
  let zero = 0;
  for (let i = 0; i < rating.length; i++) {
    const r = rating[i]!;
    if (Math.abs(r) <= threshold) continue;
    n++;
    const p = pred[i]!;
    if (p === 0) zero++;
    else if (p > 0 === r > 0) ok++;
  }
  return { accuracy: n ? ok / n : NaN, n, noCall: n ? zero / n : NaN };
}

// ---------------------------------------------------------------------------------------------
// Nested cross-validation of the regressor, the fused stacker and the lexicon-only stacker

/** Regressor output for row r (unclamped, rating/4 scale). */
export type RowPredictor = (r: number) => number;

/**
 * A first-stage learner on the embeddings. `select` picks hyper-parameters using only the folds
 * `train` (ridge: λ by leave-one-fold-out over them); `fit` fits on the union of `train` folds.
 * Fits are memoised by (folds, hyper-parameters), so the nested CV needs 15 distinct fits for k = 5
 * (5 outer, C(5,2) = 10 inner) and the final model one more.
 */
export interface Learner<H> {
  readonly kind: string;
  select(train: readonly number[]): H;
  fit(train: readonly number[], hyper: H): RowPredictor;
}

export interface CvInput {
  /** Embeddings, n×d row-major. */
  X: ArrayLike<number>;
  d: number;
  /** Target (rating / 4). */
  y: ArrayLike<number>;
  /** Lexicon features per row, n×L row-major (vader, afinn, senticon, pattern). */
  lex: ArrayLike<number>;
  L: number;
  folds: Int32Array;
  k: number;
  /** Ridge of the second stages, per unit of (weighted) row count (default 1e-3). */
  stackLambdaPerRow?: number;
  /** Per-row sample weights of the second-stage fits (default: all 1). */
  stackWeights?: ArrayLike<number>;
}

export interface CvOutput<H> {
  /** Out-of-fold predictions per row, clamped to [-1, 1]. */
  regressor: Float64Array;
  fused: Float64Array;
  lexiconStack: Float64Array;
  /** Hyper-parameters chosen in each outer fold. */
  hyper: H[];
  /** Second stage fitted in each outer fold (weights on [regressor, ...lexicon], intercept). */
  stackers: LinearModel[];
}

export const clamp1 = (x: number): number => Math.max(-1, Math.min(1, x));
export const DEFAULT_STACK_LAMBDA_PER_ROW = 1e-3;

export function foldRows(folds: Int32Array, k: number): number[][] {
  const rows: number[][] = Array.from({ length: k }, () => []);
  folds.forEach((f, r) => rows[f]!.push(r));
  return rows;
}

/**
 * The second stages fitted on the folds `train`: the fused stacker on [regressor, ...lexicon],
 * where a row of fold j gets the output of a regressor fitted on `train` without j (so the stacker
 * learns how far to trust the regressor on data the regressor has not seen), and the lexicon-only
 * stacker on [...lexicon].
 */
function secondStage<H>(
  inp: CvInput,
  rows: number[][],
  learner: Learner<H>,
  train: readonly number[],
  hyper: H,
): { stacker: LinearModel; lexiconStacker: LinearModel } {
  const { y, lex, L, stackWeights } = inp;
  const perRow = inp.stackLambdaPerRow ?? DEFAULT_STACK_LAMBDA_PER_ROW;
  const stackStats = emptyStats(L + 1);
  const lexStats = emptyStats(L);
  for (const j of train) {
    const predict = learner.fit(
      train.filter((i) => i !== j),
      hyper,
    );
    const rs = rows[j]!;
    const F = new Float64Array(rs.length * (L + 1));
    const G = new Float64Array(rs.length * L);
    const t = new Float64Array(rs.length);
    const w = new Float64Array(rs.length);
    rs.forEach((r, q) => {
      F[q * (L + 1)] = predict(r);
      for (let f = 0; f < L; f++) F[q * (L + 1) + 1 + f] = G[q * L + f] = lex[r * L + f]!;
      t[q] = y[r]!;
      w[q] = stackWeights ? stackWeights[r]! : 1;
    });
    accumulate(stackStats, F, t, t.keys(), w);
    accumulate(lexStats, G, t, t.keys(), w);
  }
  return {
    stacker: ridgeFromStats(stackStats, perRow * stackStats.n),
    lexiconStacker: ridgeFromStats(lexStats, perRow * lexStats.n),
  };
}

/** Fused output of a stacker for regressor value `reg` and the lexicon features of row r. */
export function fusedRow(stacker: LinearModel, reg: number, lex: ArrayLike<number>, L: number, r: number): number {
  let s = stacker.intercept + stacker.w[0]! * reg;
  for (let f = 0; f < L; f++) s += stacker.w[f + 1]! * lex[r * L + f]!;
  return clamp1(s);
}

export function crossValidate<H>(inp: CvInput, learner: Learner<H>): CvOutput<H> {
  const { lex, L, k } = inp;
  const rows = foldRows(inp.folds, k);
  const n = inp.y.length;
  const out: CvOutput<H> = {
    regressor: new Float64Array(n),
    fused: new Float64Array(n),
    lexiconStack: new Float64Array(n),
    hyper: [],
    stackers: [],
  };
  for (let o = 0; o < k; o++) {
    const train = [...Array(k).keys()].filter((j) => j !== o);
    const hyper = learner.select(train);
    out.hyper.push(hyper);
    const predict = learner.fit(train, hyper);
    const { stacker, lexiconStacker } = secondStage(inp, rows, learner, train, hyper);
    out.stackers.push(stacker);
    for (const r of rows[o]!) {
      const raw = predict(r);
      out.regressor[r] = clamp1(raw);
      out.fused[r] = fusedRow(stacker, raw, lex, L, r);
      out.lexiconStack[r] = clamp1(predictRow(lexiconStacker, lex, L, r));
    }
  }
  return out;
}

/** The deployed model's stages: hyper-parameters chosen on all folds, regressor on all rows,
 *  second stages on out-of-fold regressor outputs. */
export function fitFinal<H>(inp: CvInput, learner: Learner<H>): { hyper: H; stacker: LinearModel; lexiconStacker: LinearModel } {
  const rows = foldRows(inp.folds, inp.k);
  const all = [...Array(inp.k).keys()];
  const hyper = learner.select(all);
  return { hyper, ...secondStage(inp, rows, learner, all, hyper) };
}

/** Per-row weights that give each group (data set) the same total weight, mean weight 1. */
export function balancedWeights(groups: readonly string[]): Float64Array {
  const count = new Map<string, number>();
  for (const g of groups) count.set(g, (count.get(g) ?? 0) + 1);
  return Float64Array.from(groups, (g) => groups.length / count.size / count.get(g)!);
}

// ---------------------------------------------------------------------------------------------
// Learners

export interface RidgeLearner extends Learner<number> {
  /** The ridge model fitted on `train` with λ (memoised). */
  model(train: readonly number[], lambda: number): LinearModel;
  /** Summed leave-one-fold-out squared error per λ of the grid, from the last `select`. */
  lastSse: number[];
}

/** Closed-form ridge on the embeddings; λ from `lambdas` by leave-one-fold-out within the folds given. */
export function ridgeLearner(
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  d: number,
  rows: number[][],
  lambdas: readonly number[],
): RidgeLearner {
  const stats = rows.map((rs) => accumulate(emptyStats(d), X, y, rs));
  const memo = new Map<string, LinearModel>();
  const model = (train: readonly number[], lambda: number): LinearModel => {
    const key = `${[...train].sort((a, b) => a - b).join(',')}|${lambda}`;
    let m = memo.get(key);
    if (!m) {
      m = ridgeFromStats(sumStats(train.map((j) => stats[j]!)), lambda);
      memo.set(key, m);
    }
    return m;
  };
  const learner: RidgeLearner = {
    kind: 'ridge',
    lastSse: [],
    select(train) {
      const { lambda, sse } = chooseLambda(
        train.map((j) => stats[j]!),
        lambdas,
      );
      learner.lastSse = sse;
      return lambda;
    },
    model,
    fit(train, lambda) {
      const m = model(train, lambda);
      return (r) => predictRow(m, X, d, r);
    },
  };
  return learner;
}

export interface MlpLearner extends Learner<MlpOptions> {
  model(train: readonly number[], opts: MlpOptions): MlpModel;
}

/** The MLP with fixed hyper-parameters (no search); `onFit` is told before each distinct fit. */
export function mlpLearner(
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  d: number,
  rows: number[][],
  opts: MlpOptions = DEFAULT_MLP,
  onFit?: (train: readonly number[]) => void,
): MlpLearner {
  const memo = new Map<string, MlpModel>();
  const model = (train: readonly number[], o: MlpOptions): MlpModel => {
    const sorted = [...train].sort((a, b) => a - b);
    const key = `${sorted.join(',')}|${JSON.stringify(o)}`;
    let m = memo.get(key);
    if (!m) {
      onFit?.(sorted);
      m = mlpFit(
        X,
        y,
        d,
        sorted.flatMap((j) => rows[j]!),
        o,
      );
      memo.set(key, m);
    }
    return m;
  };
  return {
    kind: 'mlp',
    select: () => opts,
    model,
    fit(train, o) {
      const m = model(train, o);
      const z = new Float64Array(m.hidden);
      return (r) => mlpPredict(m, X, r, z);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Small MLP regressor: d → H (ReLU) → 1, squared error + L2, Adam, mini-batches, seeded.

export interface MlpOptions {
  hidden: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 penalty on the weight matrices (not the biases), added to the mean squared error / 2. */
  weightDecay: number;
  seed: number;
}

export const DEFAULT_MLP: MlpOptions = { hidden: 64, epochs: 15, batchSize: 32, learningRate: 1e-3, weightDecay: 1e-4, seed: 1 };

export interface MlpModel {
  d: number;
  hidden: number;
  /** d×H, row-major (row j: input j's weights to every hidden unit). */
  W1: Float64Array;
  b1: Float64Array;
  /** H output weights. */
  W2: Float64Array;
  b2: number;
}

/** MLP output for the row `r` of X (n×d row-major); `z` is scratch of length H. */
export function mlpPredict(m: MlpModel, X: ArrayLike<number>, r: number, z = new Float64Array(m.hidden)): number {
  const { d, hidden: H, W1, b1, W2 } = m;
  z.set(b1);
  const o = r * d;
  for (let j = 0; j < d; j++) {
    const xj = X[o + j]!;
    if (xj === 0) continue;
    const wo = j * H;
    for (let h = 0; h < H; h++) z[h]! += xj * W1[wo + h]!;
  }
  let out = m.b2;
  for (let h = 0; h < H; h++) if (z[h]! > 0) out += W2[h]! * z[h]!;
  return out;
}

/**
 * Trains on `rows` of X/y (optionally weighted per row). Gradient of
 * Σ_batch w·(ŷ − y)² / (2·Σ_batch w) + weightDecay/2 · (‖W1‖² + ‖W2‖²); He-initialised; Adam
 * (β 0.9/0.999, ε 1e-8). Deterministic for a given seed.
 */
export function mlpFit(
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  d: number,
  rows: readonly number[],
  opts: MlpOptions = DEFAULT_MLP,
  weights?: ArrayLike<number>,
): MlpModel {
  const { hidden: H, epochs, batchSize: B, learningRate: lr, weightDecay: wd } = opts;
  const rnd = mulberry32(opts.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const P = d * H + H + H + 1; // W1 | b1 | W2 | b2 in one vector
  const theta = new Float64Array(P);
  for (let i = 0; i < d * H; i++) theta[i] = gauss() * Math.sqrt(2 / d);
  for (let h = 0; h < H; h++) theta[d * H + H + h] = gauss() * Math.sqrt(1 / H);
  const g = new Float64Array(P);
  const m1 = new Float64Array(P);
  const m2 = new Float64Array(P);
  const oB1 = d * H;
  const oW2 = oB1 + H;
  const oB2 = oW2 + H;
  const z = new Float64Array(H);
  const order = rows.slice();
  let t = 0;
  for (let ep = 0; ep < epochs; ep++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let s = 0; s < order.length; s += B) {
      g.fill(0);
      const end = Math.min(order.length, s + B);
      let wsum = 0;
      for (let q = s; q < end; q++) wsum += weights ? weights[order[q]!]! : 1;
      for (let q = s; q < end; q++) {
        const r = order[q]!;
        const o = r * d;
        for (let h = 0; h < H; h++) z[h] = theta[oB1 + h]!;
        for (let j = 0; j < d; j++) {
          const xj = X[o + j]!;
          const wo = j * H;
          for (let h = 0; h < H; h++) z[h]! += xj * theta[wo + h]!;
        }
        let out = theta[oB2]!;
        for (let h = 0; h < H; h++) if (z[h]! > 0) out += theta[oW2 + h]! * z[h]!;
        const e = ((weights ? weights[r]! : 1) * (out - y[r]!)) / wsum;
        g[oB2]! += e;
        for (let h = 0; h < H; h++) {
          if (z[h]! > 0) {
            g[oW2 + h]! += e * z[h]!;
            const dz = e * theta[oW2 + h]!;
            z[h] = dz; // reuse as δ of the hidden unit
            g[oB1 + h]! += dz;
          } else z[h] = 0;
        }
        for (let j = 0; j < d; j++) {
          const xj = X[o + j]!;
          const wo = j * H;
          for (let h = 0; h < H; h++) g[wo + h]! += xj * z[h]!;
        }
      }
      for (let i = 0; i < oB1; i++) g[i]! += wd * theta[i]!;
      for (let i = oW2; i < oB2; i++) g[i]! += wd * theta[i]!;
      t++;
      const c1 = 1 - 0.9 ** t;
      const c2 = 1 - 0.999 ** t;
      for (let i = 0; i < P; i++) {
        const gi = g[i]!;
        m1[i] = 0.9 * m1[i]! + 0.1 * gi;
        m2[i] = 0.999 * m2[i]! + 0.001 * gi * gi;
        theta[i]! -= (lr * (m1[i]! / c1)) / (Math.sqrt(m2[i]! / c2) + 1e-8);
      }
    }
  }
  return { d, hidden: H, W1: theta.slice(0, oB1), b1: theta.slice(oB1, oW2), W2: theta.slice(oW2, oB2), b2: theta[oB2]! };
}
