/**
 * Nested cross-validation of the sentiment model (what `crossValidate` reports; nothing is ever
 * scored on rows it was fitted on):
 *   for each outer fold k (5, stratified by data set):
 *     hyper    = chosen on the folds ≠ k only (ridge: λ with the least leave-one-of-the-other-4-out
 *                squared error; MLP: fixed);
 *     regressor fitted on the folds ≠ k, predicts fold k;
 *     stacker  (second-stage linear model on [regressor, vader, afinn, senticon, pattern]) fitted on
 *                the folds ≠ k, where each of those rows' regressor input is itself out-of-fold
 *                (regressor fitted on the folds ∉ {k, j} for a row of fold j), then applied to fold k;
 *     lexicon-only stacker on [vader, afinn, senticon, pattern], fitted on the folds ≠ k.
 * The deployed model is refitted on everything with the same recipe (`fitFinal`: hyper-parameters by
 * 5-fold CV; the stacker on out-of-fold regressor outputs). The first-stage learners are in
 * sentiment-train.ts.
 */
import { mulberry32 } from '@newsfuse/models/math';
import { accumulate, emptyStats, predictRow, ridgeFromStats, type LinearModel } from './ridge.ts';

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
  /** false: no fused stacker (its inner fits cost a learner fit per pair of folds); `fused` is then
   *  the regressor's output and `stackers` the identity. Default true. */
  fused?: boolean;
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

/** Rows per fold; a row with fold −1 is in no fold (never scored: extra training rows). */
export function foldRows(folds: Int32Array, k: number): number[][] {
  const rows: number[][] = Array.from({ length: k }, () => []);
  folds.forEach((f, r) => {
    if (f >= 0) rows[f]!.push(r);
  });
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
  const withFused = inp.fused ?? true;
  const stackStats = emptyStats(L + 1);
  const lexStats = emptyStats(L);
  for (const j of train) {
    const predict = withFused
      ? learner.fit(
          train.filter((i) => i !== j),
          hyper,
        )
      : () => 0;
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
  const identity: LinearModel = { w: Float64Array.from({ length: L + 1 }, (_, i) => (i === 0 ? 1 : 0)), intercept: 0 };
  return {
    stacker: withFused ? ridgeFromStats(stackStats, perRow * stackStats.n) : identity,
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
