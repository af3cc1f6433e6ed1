/**
 * The sentiment model's first-stage learners on the MiniLM embeddings (training time only; plain typed
 * arrays): closed-form ridge (ridge.ts) with λ chosen by leave-one-fold-out, and a small MLP
 * (d → H ReLU → 1, Adam). The nested cross-validation that evaluates them and fits the deployed model
 * is nested-cv.ts; metrics.ts scores the predictions.
 */
import { mulberry32 } from '@newsfuse/models/math';
import type { Learner } from './nested-cv.ts';
import { accumulate, chooseLambda, emptyStats, predictRow, ridgeFromStats, sumStats, type LinearModel } from './ridge.ts';

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
  /** Rows in every training set and in no fold (never scored; λ is chosen on the folds alone). */
  always: readonly number[] = [],
): RidgeLearner {
  const stats = rows.map((rs) => accumulate(emptyStats(d), X, y, rs));
  const alwaysStats = always.length ? [accumulate(emptyStats(d), X, y, always)] : [];
  const memo = new Map<string, LinearModel>();
  const model = (train: readonly number[], lambda: number): LinearModel => {
    const key = `${[...train].sort((a, b) => a - b).join(',')}|${lambda}`;
    let m = memo.get(key);
    if (!m) {
      m = ridgeFromStats(sumStats([...train.map((j) => stats[j]!), ...alwaysStats]), lambda);
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
  /** Rows in every training set and in no fold (never scored). */
  always: readonly number[] = [],
): MlpLearner {
  const memo = new Map<string, MlpModel>();
  const model = (train: readonly number[], o: MlpOptions): MlpModel => {
    const sorted = [...train].sort((a, b) => a - b);
    const key = `${sorted.join(',')}|${JSON.stringify(o)}`;
    let m = memo.get(key);
    if (!m) {
      onFit?.(sorted);
      m = mlpFit(X, y, d, [...sorted.flatMap((j) => rows[j]!), ...always], o);
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
  /**
   * Members of an ensemble (default 1): the MLP is fitted with seeds seed, seed+1, …, seed+seeds−1 and
   * their outputs averaged. The mean of S networks of H units is itself one network of S·H units (hidden
   * layers side by side, output weights / S, output bias the mean), which is what `mlpFit` returns, so
   * the deployed format and `mlpPredict` are unchanged.
   */
  seeds?: number;
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
 * (β 0.9/0.999, ε 1e-8). Deterministic for a given seed. With `seeds` > 1, the average of that many
 * fits (seeds seed…seed+seeds−1) as one wider network (`mlpAverage`).
 */
export function mlpFit(
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  d: number,
  rows: readonly number[],
  opts: MlpOptions = DEFAULT_MLP,
  weights?: ArrayLike<number>,
): MlpModel {
  const S = opts.seeds ?? 1;
  if (!Number.isInteger(S) || S < 1) throw new RangeError(`MLP seeds must be a positive integer, got ${S}`);
  if (S === 1) return mlpFitOne(X, y, d, rows, opts, weights);
  return mlpAverage(Array.from({ length: S }, (_, s) => mlpFitOne(X, y, d, rows, { ...opts, seed: opts.seed + s }, weights)));
}

/** The average of MLPs on the same input as one MLP: hidden units side by side, output weights / S. */
export function mlpAverage(models: readonly MlpModel[]): MlpModel {
  const S = models.length;
  const d = models[0]!.d;
  if (!S || models.some((m) => m.d !== d)) throw new RangeError('mlpAverage: models of one input size needed');
  const H = models.reduce((a, m) => a + m.hidden, 0);
  const W1 = new Float64Array(d * H);
  const b1 = new Float64Array(H);
  const W2 = new Float64Array(H);
  let b2 = 0;
  let o = 0;
  for (const m of models) {
    for (let j = 0; j < d; j++) W1.set(m.W1.subarray(j * m.hidden, (j + 1) * m.hidden), j * H + o);
    b1.set(m.b1, o);
    for (let h = 0; h < m.hidden; h++) W2[o + h] = m.W2[h]! / S;
    b2 += m.b2 / S;
    o += m.hidden;
  }
  return { d, hidden: H, W1, b1, W2, b2 };
}

function mlpFitOne(
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  d: number,
  rows: readonly number[],
  opts: MlpOptions,
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
