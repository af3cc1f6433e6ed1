/**
 * tools/learning: the project's training code for small models, one home for every trainer.
 *
 * Classifiers over named signals, the learned fusion combiners (trained by scripts/train-fusion.ts
 * through the relevance evaluation's cross-validation): L2-regularised logistic regression by
 * Newton's method, and a one-hidden-layer tanh MLP by full-batch Adam. Both take per-example weights
 * (the caller balances the classes) and return the inference types of the stage that uses them
 * (`LogisticModel`, `MlpModel` in libs/stages/fuse/src/combiner.ts).
 */
import { sigmoid } from '@newsfuse/models/math';
import { featureVector, logit, type LogisticModel, type MlpModel } from '@newsfuse/stage-fuse/combiner';
import { mulberry32 as rng } from '@newsfuse/models/math';

export interface Example {
  signals: Partial<Record<string, number>>;
  label: 0 | 1;
  weight: number;
}

/** Solves A x = b (A symmetric positive definite, small) by Gaussian elimination with pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const piv = M[c]![c]!;
    if (Math.abs(piv) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / piv;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, i) => (Math.abs(row[i]!) < 1e-12 ? 0 : row[n]! / row[i]!));
}

/** Logistic regression; the bias is not penalised. `fixed` terms are added to the logit as offsets. */
export function fitLogistic(
  examples: readonly Example[],
  features: string[],
  opts: { l2?: number; fixed?: Record<string, number> } = {},
): LogisticModel {
  const l2 = opts.l2 ?? 1e-2;
  const X = examples.map((e) => featureVector(features, e.signals));
  const offset = examples.map((e) =>
    Object.entries(opts.fixed ?? {}).reduce((s, [f, w]) => s + w * (featureVector([f], e.signals)[0] ?? 0), 0),
  );
  const d = features.length + 1;
  let beta = new Array<number>(d).fill(0);
  const W = examples.reduce((s, e) => s + e.weight, 0);
  for (let iter = 0; iter < 50; iter++) {
    const g = new Array<number>(d).fill(0);
    const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < X.length; i++) {
      const x = [1, ...X[i]!];
      let z = offset[i]!;
      for (let k = 0; k < d; k++) z += beta[k]! * x[k]!;
      const p = sigmoid(z);
      const w = examples[i]!.weight / W;
      const r = w * (p - examples[i]!.label);
      const h = w * p * (1 - p);
      for (let a = 0; a < d; a++) {
        g[a]! += r * x[a]!;
        for (let b = a; b < d; b++) H[a]![b]! += h * x[a]! * x[b]!;
      }
    }
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) H[a]![b] = H[b]![a]!;
    for (let a = 1; a < d; a++) {
      g[a]! += l2 * beta[a]!;
      H[a]![a]! += l2;
    }
    H[0]![0]! += 1e-9;
    const step = solve(H, g);
    beta = beta.map((b, k) => b - step[k]!);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  const model: LogisticModel = { kind: 'logistic', features, weights: beta.slice(1), bias: beta[0]! };
  if (opts.fixed && Object.keys(opts.fixed).length > 0) model.fixed = { ...opts.fixed };
  return model;
}

/** One-hidden-layer tanh MLP (standardised inputs), weighted log-loss + L2, full-batch Adam. */
export function fitMlp(
  examples: readonly Example[],
  features: string[],
  opts: { hidden?: number; l2?: number; epochs?: number; lr?: number; seed?: number; fixed?: Record<string, number> } = {},
): MlpModel {
  const H = opts.hidden ?? 8;
  const l2 = opts.l2 ?? 1e-3;
  const epochs = opts.epochs ?? 1500;
  const lr = opts.lr ?? 0.03;
  const rand = rng(opts.seed ?? 1);
  const X = examples.map((e) => featureVector(features, e.signals));
  const D = features.length;
  const mean = features.map((_f, i) => X.reduce((s, x) => s + x[i]!, 0) / Math.max(1, X.length));
  const scale = features.map((_f, i) => Math.sqrt(X.reduce((s, x) => s + (x[i]! - mean[i]!) ** 2, 0) / Math.max(1, X.length)) || 1);
  const Xs = X.map((x) => x.map((v, i) => (v - mean[i]!) / scale[i]!));
  const offset = examples.map((e) =>
    Object.entries(opts.fixed ?? {}).reduce((s, [f, w]) => s + w * (featureVector([f], e.signals)[0] ?? 0), 0),
  );
  const W = examples.reduce((s, e) => s + e.weight, 0);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const params = {
    w1: Array.from({ length: H }, () => Array.from({ length: D }, () => gauss() / Math.sqrt(D))),
    b1: new Array<number>(H).fill(0),
    w2: Array.from({ length: H }, () => gauss() / Math.sqrt(H)),
    b2: 0,
  };
  // flat views for Adam
  const flat = () => [...params.w1.flat(), ...params.b1, ...params.w2, params.b2];
  const set = (v: number[]) => {
    let k = 0;
    for (let j = 0; j < H; j++) for (let i = 0; i < D; i++) params.w1[j]![i] = v[k++]!;
    for (let j = 0; j < H; j++) params.b1[j] = v[k++]!;
    for (let j = 0; j < H; j++) params.w2[j] = v[k++]!;
    params.b2 = v[k++]!;
  };
  const P = H * D + 2 * H + 1;
  const m = new Array<number>(P).fill(0);
  const v = new Array<number>(P).fill(0);
  for (let t = 1; t <= epochs; t++) {
    const gw1 = Array.from({ length: H }, () => new Array<number>(D).fill(0));
    const gb1 = new Array<number>(H).fill(0);
    const gw2 = new Array<number>(H).fill(0);
    let gb2 = 0;
    for (let n = 0; n < Xs.length; n++) {
      const x = Xs[n]!;
      const h = params.w1.map((w, j) => Math.tanh(params.b1[j]! + w.reduce((s, wi, i) => s + wi * x[i]!, 0)));
      const z = params.b2 + offset[n]! + h.reduce((s, hj, j) => s + params.w2[j]! * hj, 0);
      const r = (examples[n]!.weight / W) * (sigmoid(z) - examples[n]!.label);
      gb2 += r;
      for (let j = 0; j < H; j++) {
        gw2[j]! += r * h[j]!;
        const dh = r * params.w2[j]! * (1 - h[j]! * h[j]!);
        gb1[j]! += dh;
        for (let i = 0; i < D; i++) gw1[j]![i]! += dh * x[i]!;
      }
    }
    for (let j = 0; j < H; j++) {
      gw2[j]! += l2 * params.w2[j]!;
      for (let i = 0; i < D; i++) gw1[j]![i]! += l2 * params.w1[j]![i]!;
    }
    const g = [...gw1.flat(), ...gb1, ...gw2, gb2];
    const p = flat();
    for (let k = 0; k < P; k++) {
      m[k] = 0.9 * m[k]! + 0.1 * g[k]!;
      v[k] = 0.999 * v[k]! + 0.001 * g[k]! * g[k]!;
      const mh = m[k]! / (1 - 0.9 ** t);
      const vh = v[k]! / (1 - 0.999 ** t);
      p[k]! -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
    }
    set(p);
  }
  const model: MlpModel = { kind: 'mlp', features, mean, scale, w1: params.w1, b1: params.b1, w2: params.w2, b2: params.b2 };
  if (opts.fixed && Object.keys(opts.fixed).length > 0) model.fixed = { ...opts.fixed };
  return model;
}

/** Round a model's numbers for a readable JSON file (6 significant digits). */
export function roundModel<T>(model: T): T {
  return JSON.parse(JSON.stringify(model, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(6)) : v))) as T;
}

export { logit };
