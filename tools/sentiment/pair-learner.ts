/**
 * Two first-stage learners as one (nested-cv.ts `Learner`): r = c₀ + c₁·A(r) + c₂·B(r), where the
 * combination (c₀, c₁, c₂) is fitted, for every set of training folds, by least squares on the two
 * learners' out-of-fold predictions inside those folds (A and B refitted without each fold in turn),
 * so no row's own label ever reaches the weights that score it. The Chinese head pairs ridge on the
 * bge-zh embedding with the n-gram NB-SVM (nbsvm.ts).
 */
import type { Learner } from './nested-cv.ts';
import { accumulate, emptyStats, ridgeFromStats, type LinearModel } from './ridge.ts';

export interface PairLearner<HA, HB> extends Learner<{ a: HA; b: HB }> {
  /** The combination fitted for `train` (weights on [A, B] and intercept). */
  combiner(train: readonly number[], h: { a: HA; b: HB }): LinearModel;
}

export function pairLearner<HA, HB>(
  a: Learner<HA>,
  b: Learner<HB>,
  rows: number[][],
  y: ArrayLike<number>,
  lambdaPerRow = 1e-3,
): PairLearner<HA, HB> {
  const memo = new Map<string, LinearModel>();
  const combiner = (train: readonly number[], h: { a: HA; b: HB }): LinearModel => {
    const key = `${[...train].sort((x, z) => x - z).join(',')}|${JSON.stringify(h)}`;
    let m = memo.get(key);
    if (!m) {
      if (train.length < 2) throw new RangeError('a pair learner needs at least two training folds');
      const stats = emptyStats(2);
      for (const j of train) {
        const rest = train.filter((i) => i !== j);
        const pa = a.fit(rest, h.a);
        const pb = b.fit(rest, h.b);
        const rs = rows[j]!;
        const F = new Float64Array(rs.length * 2);
        const t = new Float64Array(rs.length);
        rs.forEach((r, q) => {
          F[2 * q] = pa(r);
          F[2 * q + 1] = pb(r);
          t[q] = y[r]!;
        });
        accumulate(stats, F, t, t.keys());
      }
      m = ridgeFromStats(stats, lambdaPerRow * stats.n);
      memo.set(key, m);
    }
    return m;
  };
  return {
    kind: `${a.kind}+${b.kind}`,
    select: (train) => ({ a: a.select(train), b: b.select(train) }),
    combiner,
    fit(train, h) {
      const c = combiner(train, h);
      const pa = a.fit(train, h.a);
      const pb = b.fit(train, h.b);
      return (r) => c.intercept + c.w[0]! * pa(r) + c.w[1]! * pb(r);
    },
  };
}
