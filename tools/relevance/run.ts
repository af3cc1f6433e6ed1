/**
 * Cross-validated evaluation of every fusion strategy and every single signal on the dev pairs, and
 * the final fit of the learned parts. Used by scripts/eval-relevance.ts (report) and
 * scripts/train-fusion.ts (weights + calibration).
 *
 * Protocol (no leakage):
 * - 5 folds by class (one photo per class, so also by photo), stratified by COCO coverage.
 * - For fold k, everything learned — the late and hybrid combiners, the Platt calibrator of every
 *   strategy and signal, the decision threshold — is fitted on the pairs whose photo AND text both
 *   come from the other folds, and scored on the pairs whose photo is in fold k.
 * - The strategies run through the production code (createStrategies) with the fold's weights.
 * - Classes are balanced in every fit (each positive weighs as much as its negatives together).
 */
import type { FusionWeights } from '@newsfuse/stage-fuse/combiner';
import { createStrategies, lateScores, type ExtraSignals, type FusionInput } from '@newsfuse/stage-fuse/strategies';
import { SIGNAL_NAMES } from '@newsfuse/stage-fuse/signals';
import {
  chooseThreshold,
  calibrate,
  fitIsotonic,
  fitPlatt,
  type CalibrationFile,
  type Calibrator,
  type StrategyCalibration,
} from '@newsfuse/stage-score/calibration';
import { FOLDS, NEGATIVES, VARIANTS, type DevSet, type Pair } from './dataset.ts';
import { fitLogistic, fitMlp, roundModel, type Example } from '../learning/classifiers.ts';
import { accuracyAt, reliability, rocAuc } from './metrics.ts';

/** Base signals evaluated alone (absent → the signal's floor). */
/** Every per-image signal is also scored on its own. */
export const SIGNAL_ROWS = SIGNAL_NAMES;
const FLOOR: Record<string, number> = { embed_cos: -1, joint_cos: -1 };

/** Features of the learned combiners. Captions never occur in the dev set: their weight is fixed. */
export const LATE_FEATURES = ['object_match', 'object_unnamed', 'ocr_overlap', 'has:ocr_overlap'];
export const HYBRID_FEATURES = [
  'embed_cos',
  'has:embed_cos',
  'object_match',
  'ocr_overlap',
  'has:ocr_overlap',
  'textview_overlap',
  'late_learned',
];
/** The hybrid's inputs: with the joint-space similarity when the data has it (JOINT_EMBEDDER_DIR set). */
export function hybridFeatures(examples: readonly Example[], extra: readonly string[] = []): string[] {
  const joint = examples.some((e) => e.signals.joint_cos !== undefined) ? ['joint_cos', 'has:joint_cos'] : [];
  return [...HYBRID_FEATURES, ...joint, ...extra];
}

/** Candidate hybrid inputs the evaluation measures: extra per-image signals and the features read from them. */
export interface Candidate {
  signals: ExtraSignals;
  features: string[];
}
export const LATE_PRIOR_WEIGHTS = { object_match: 0.5, caption_overlap: 0.3, ocr_overlap: 0.2 };

export type HybridKind = 'logistic' | 'mlp';

export interface Row {
  name: string;
  kind: 'strategy' | 'combiner' | 'signal';
  /** Out-of-fold raw score and calibrated probability per pair; decision per pair. */
  raw: number[];
  prob: number[];
  decision: (0 | 1)[];
  /** Not computable on this data (e.g. no captions): every pair has the same value. */
  constant: boolean;
}

export interface CvResult {
  rows: Row[];
  /** Fold weights and thresholds, for the record. */
  folds: { fold: number; train: number; test: number; thresholds: Record<string, number> }[];
}

const balanceWeights = (labels: readonly (0 | 1)[]) => {
  const pos = labels.filter((l) => l === 1).length;
  const neg = labels.length - pos;
  return labels.map((l) => (l === 1 ? neg / Math.max(1, pos) : 1));
};

export function fusionInput(dev: DevSet, p: Pair): FusionInput {
  return { article: { title: p.text }, text: dev.textFeatures(p.text), images: [dev.imageFeatures(p.image)] };
}

/** Base signals of every pair (the strategies' shared per-image signals). */
export function baseSignals(dev: DevSet, candidate?: Candidate): Record<string, number>[] {
  const plain = createStrategies(placeholderWeights(), candidate?.signals);
  return dev.pairs.map((p) => {
    const s = { ...plain.early(fusionInput(dev, p)).perImage[0]!.signals };
    delete s.relevance;
    return s;
  });
}

export function placeholderWeights(): FusionWeights {
  return {
    description: 'placeholder',
    data: 'none',
    trainedAt: new Date(0).toISOString(),
    late: { kind: 'logistic', features: [], weights: [], bias: 0 },
    hybrid: { kind: 'logistic', features: [], weights: [], bias: 0 },
    lateWeights: LATE_PRIOR_WEIGHTS,
  };
}

/** Fits the learned combiners on examples (base signals + labels). */
export function fitWeights(
  examples: Example[],
  hybridKind: HybridKind,
  data: string,
  extraFeatures: readonly string[] = [],
): FusionWeights {
  const late = fitLogistic(examples, LATE_FEATURES, { l2: 1e-3 });
  // Captions are absent from the dev data, so their coefficient cannot be learned: it is fixed to the
  // coefficient learned for a matched object (a caption word found in the article ~ a named object).
  const captionWeight = Math.max(0, late.weights[LATE_FEATURES.indexOf('object_match')] ?? 0);
  late.fixed = { caption_overlap: captionWeight };
  const w0 = { ...placeholderWeights(), late };
  // the late combiners' outputs are hybrid inputs too
  const ex = examples.map((e) => ({ ...e, signals: { ...e.signals, ...lateScores(e.signals as Record<string, number>, w0) } }));
  const features = hybridFeatures(examples, extraFeatures);
  const hybrid =
    hybridKind === 'logistic'
      ? fitLogistic(ex, features, { l2: 1e-3 })
      : fitMlp(ex, features, { hidden: 6, l2: 1e-3, epochs: 800, lr: 0.03, seed: 11 });
  hybrid.fixed = { caption_overlap: captionWeight };
  return {
    description: '',
    data,
    trainedAt: new Date().toISOString(),
    late: roundModel(late),
    hybrid: roundModel(hybrid),
    lateWeights: LATE_PRIOR_WEIGHTS,
  };
}

/** Names of every row the evaluation reports. */
export function rowNames(): { name: string; kind: Row['kind'] }[] {
  return [
    { name: 'baseline', kind: 'strategy' },
    { name: 'early', kind: 'strategy' },
    { name: 'late', kind: 'strategy' },
    { name: 'hybrid', kind: 'strategy' },
    { name: 'late_wsum', kind: 'combiner' },
    { name: 'late_mean', kind: 'combiner' },
    { name: 'late_max', kind: 'combiner' },
    { name: 'late_learned', kind: 'combiner' },
    ...SIGNAL_ROWS.map((name) => ({ name, kind: 'signal' as const })),
  ];
}

/** Raw score of every row for a set of pairs, under given weights. */
function scoreRows(
  dev: DevSet,
  pairIdx: readonly number[],
  weights: FusionWeights,
  base: Record<string, number>[],
  candidate?: Candidate,
): Map<string, number[]> {
  const st = createStrategies(weights, candidate?.signals);
  const out = new Map<string, number[]>(rowNames().map((r) => [r.name, []]));
  for (const i of pairIdx) {
    const input = fusionInput(dev, dev.pairs[i]!);
    const b = st.baseline(input).perImage[0]!.signals;
    const e = st.early(input).perImage[0]!.signals;
    const l = st.late(input).perImage[0]!.signals;
    const h = st.hybrid(input).perImage[0]!.signals;
    out.get('baseline')!.push(b.relevance ?? 0);
    out.get('early')!.push(e.relevance ?? 0);
    out.get('late')!.push(l.relevance ?? 0);
    out.get('hybrid')!.push(h.relevance ?? 0);
    for (const c of ['late_wsum', 'late_mean', 'late_max', 'late_learned']) out.get(c)!.push(l[c] ?? 0);
    for (const s of SIGNAL_ROWS) out.get(s)!.push(base[i]![s] ?? FLOOR[s] ?? 0);
  }
  return out;
}

export interface CvOptions {
  hybridKind: HybridKind;
  calibration?: 'platt' | 'isotonic';
  /** Extra signals given to the strategies and read by the hybrid (base must come from baseSignals(dev, candidate)). */
  candidate?: Candidate;
  onFold?: (fold: number) => void;
}

/** Out-of-fold results per row: raw score, calibrated probability and decision per pair (indexed by pair). */
export interface OutOfFold {
  raw: Map<string, number[]>;
  prob: Map<string, number[]>;
  decision: Map<string, (0 | 1)[]>;
}

/**
 * One fold's calibration of every row: a calibrator (Platt, or isotonic) fitted on the row's training
 * scores (classes balanced) and the threshold on p chosen on the calibrated training scores, applied to
 * the fold's test pairs, whose raw score, probability and decision are written into `out`.
 * Returns each row's threshold.
 */
export function calibrateFold(
  names: readonly string[],
  fold: { train: Map<string, number[]>; labels: readonly (0 | 1)[]; test: readonly number[]; testScores: Map<string, number[]> },
  out: OutOfFold,
  method: 'platt' | 'isotonic' = 'platt',
): Record<string, number> {
  const { labels, test } = fold;
  const bw = balanceWeights(labels);
  const thresholds: Record<string, number> = {};
  for (const name of names) {
    const tr = fold.train.get(name)!;
    const cal: Calibrator = method === 'isotonic' ? fitIsotonic(tr, labels, bw) : fitPlatt(tr, labels, bw);
    const { threshold } = chooseThreshold(
      tr.map((r) => calibrate(cal, r)),
      labels,
    );
    thresholds[name] = threshold;
    const te = fold.testScores.get(name)!;
    test.forEach((i, j) => {
      out.raw.get(name)![i] = te[j]!;
      const p = calibrate(cal, te[j]!);
      out.prob.get(name)![i] = p;
      out.decision.get(name)![i] = p >= threshold ? 1 : 0;
    });
  }
  return thresholds;
}

export function crossValidate(dev: DevSet, base: Record<string, number>[], opts: CvOptions): CvResult {
  const n = dev.pairs.length;
  const names = rowNames();
  const raw = new Map(names.map((r) => [r.name, new Array<number>(n).fill(NaN)]));
  const prob = new Map(names.map((r) => [r.name, new Array<number>(n).fill(NaN)]));
  const decision = new Map(names.map((r) => [r.name, new Array<0 | 1>(n).fill(0)]));
  const folds: CvResult['folds'] = [];
  const foldOf = (cls: number) => dev.classes[cls]!.fold;
  for (let k = 0; k < FOLDS; k++) {
    const train = dev.pairs.map((_p, i) => i).filter((i) => foldOf(dev.pairs[i]!.image) !== k && foldOf(dev.pairs[i]!.textClass) !== k);
    const test = dev.pairs.map((_p, i) => i).filter((i) => foldOf(dev.pairs[i]!.image) === k);
    const labels = train.map((i) => dev.pairs[i]!.label);
    const bw = balanceWeights(labels);
    const examples: Example[] = train.map((i, j) => ({ signals: base[i]!, label: labels[j]!, weight: bw[j]! }));
    const weights = fitWeights(examples, opts.hybridKind, `fold ${k}`, opts.candidate?.features);
    const trainScores = scoreRows(dev, train, weights, base, opts.candidate);
    const testScores = scoreRows(dev, test, weights, base, opts.candidate);
    const thresholds = calibrateFold(
      names.map((r) => r.name),
      { train: trainScores, labels, test, testScores },
      { raw, prob, decision },
      opts.calibration,
    );
    folds.push({ fold: k, train: train.length, test: test.length, thresholds });
    opts.onFold?.(k);
  }
  const rows: Row[] = names.map(({ name, kind }) => {
    const r = raw.get(name)!;
    return { name, kind, raw: r, prob: prob.get(name)!, decision: decision.get(name)!, constant: r.every((v) => v === r[0]) };
  });
  return { rows, folds };
}

export type Subset = 'all' | 'coco' | 'rest';
export type VariantSel = 'pooled' | (typeof VARIANTS)[number];

export interface Cell {
  aucRandom: number;
  aucSibling: number;
  accRandom: number;
  accSibling: number;
  n: number;
}

/** AUC and accuracy of a row on a subset of classes and text variants, vs each negative kind. */
export function cell(dev: DevSet, row: Row, subset: Subset, variant: VariantSel): Cell {
  const inSubset = (i: number) => {
    const p = dev.pairs[i]!;
    const c = dev.classes[p.image]!;
    return (variant === 'pooled' || p.variant === variant) && (subset === 'all' || (subset === 'coco') === (c.coco !== null));
  };
  const res: Partial<Cell> = {};
  for (const neg of NEGATIVES) {
    const idx = dev.pairs.map((_p, i) => i).filter((i) => inSubset(i) && (dev.pairs[i]!.kind === 'positive' || dev.pairs[i]!.kind === neg));
    const labels = idx.map((i) => dev.pairs[i]!.label);
    const auc = rocAuc(
      idx.map((i) => row.prob[i]!),
      labels,
    );
    const acc = accuracyAt(
      idx.map((i) => row.decision[i]!),
      labels,
      0.5,
    );
    if (neg === 'random') {
      res.aucRandom = auc;
      res.accRandom = acc;
    } else {
      res.aucSibling = auc;
      res.accSibling = acc;
    }
    res.n = idx.filter((i) => dev.pairs[i]!.label === 1).length;
  }
  return res as Cell;
}

/** Reliability of a row's out-of-fold probabilities, classes balanced (positives weigh 2). */
export function reliabilityOf(dev: DevSet, row: Row) {
  const labels = dev.pairs.map((p) => p.label);
  return reliability(row.prob, labels, 10, balanceWeights(labels));
}

export { balanceWeights };

export const STRATEGY_ROWS = ['baseline', 'early', 'late', 'hybrid'] as const;

/** Cross-validated quality of a row: mean of the pooled AUCs vs random and vs sibling negatives. */
export function rowScore(dev: DevSet, row: Row, subset: Subset = 'all'): number {
  const c = cell(dev, row, subset, 'pooled');
  return (c.aucRandom + c.aucSibling) / 2;
}

/** The strategy with the best cross-validated score over all classes. */
export function chooseWinner(dev: DevSet, cv: CvResult): string {
  const rows = cv.rows.filter((r) => (STRATEGY_ROWS as readonly string[]).includes(r.name));
  return rows.reduce((best, r) => (rowScore(dev, r) > rowScore(dev, best) ? r : best)).name;
}

export function describeData(dev: DevSet, imageModel: string, textModel: string): string {
  const coco = dev.classes.filter((c) => c.coco).length;
  return (
    `../shared/data/relevance/imagenet-dev: ${dev.images.length} ImageNet photos (one per class; ${coco} classes COCO-covered), ` +
    `handed to the pipeline under content-hash names. Each photo is paired with class texts in 3 variants (label, WordNet lemmas, ` +
    `WordNet gloss): its own class (positive), a random other class and its nearest WordNet sibling class (negatives): ` +
    `${dev.pairs.length} pairs, classes balanced in every fit. Image features: ${imageModel}; text features: ${textModel}. No captions (the dev set has none).`
  );
}

/**
 * The shipped calibration of each strategy: a Platt calibrator fitted on the strategy row's
 * out-of-fold raw scores (classes balanced) and the threshold on p that maximises balanced accuracy
 * on the out-of-fold calibrated scores; rounded as calibration.json stores them.
 */
export function fitStrategyCalibrations(rows: readonly Row[], labels: readonly (0 | 1)[]): Record<string, StrategyCalibration> {
  const bw = balanceWeights(labels);
  const strategies: Record<string, StrategyCalibration> = {};
  for (const name of STRATEGY_ROWS) {
    const row = rows.find((r) => r.name === name)!;
    const platt = fitPlatt(row.raw, labels, bw);
    const { threshold, balancedAccuracy } = chooseThreshold(
      row.raw.map((r) => calibrate(platt, r)),
      labels,
    );
    strategies[name] = {
      calibrator: { method: 'platt', a: Number(platt.a.toPrecision(6)), b: Number(platt.b.toPrecision(6)) },
      threshold: Number(threshold.toFixed(4)),
      ...({ balancedAccuracy: Number(balancedAccuracy.toFixed(4)) } as object),
    };
  }
  return strategies;
}

/**
 * What the product ships: the combiners fitted on every pair, the Platt calibrator of each strategy
 * fitted on its out-of-fold scores, and the threshold that maximises balanced accuracy on the
 * out-of-fold calibrated scores (so chosen on development data, cross-validated).
 */
export function finalArtifacts(
  dev: DevSet,
  base: Record<string, number>[],
  cv: CvResult,
  opts: { hybridKind: HybridKind; data: string; winner: string },
): { weights: FusionWeights; calibration: CalibrationFile } {
  const labels = dev.pairs.map((p) => p.label);
  const bw = balanceWeights(labels);
  const weights = fitWeights(
    dev.pairs.map((_p, i) => ({ signals: base[i]!, label: labels[i]!, weight: bw[i]! })),
    opts.hybridKind,
    opts.data,
  );
  const cvSummary: Record<string, unknown> = {};
  for (const name of ['late', 'hybrid']) {
    const row = cv.rows.find((r) => r.name === name)!;
    const all = cell(dev, row, 'all', 'pooled');
    const coco = cell(dev, row, 'coco', 'pooled');
    cvSummary[name] = {
      aucRandom: all.aucRandom,
      aucSibling: all.aucSibling,
      cocoAucRandom: coco.aucRandom,
      cocoAucSibling: coco.aucSibling,
    };
  }
  weights.description =
    `late: logistic regression over the per-modality scores (${LATE_FEATURES.join(', ')}); hybrid: ${opts.hybridKind === 'mlp' ? 'a one-hidden-layer MLP' : 'logistic regression'} ` +
    `over the early similarities and the late scores (${weights.hybrid.features.join(', ')}). Trained by scripts/train-fusion.ts (L2-regularised, classes balanced). ` +
    `caption_overlap is a fixed (not learned) coefficient, equal to the late model's object_match coefficient: the dev data has no captions. ` +
    `lateWeights: the prior weights of the late weighted sum (not learned).`;
  weights.cv = cvSummary;
  const strategies = fitStrategyCalibrations(cv.rows, labels);
  return {
    weights,
    calibration: {
      description:
        "Per strategy: a Platt calibrator (p = sigmoid(a·relevance + b)) fitted on the strategy's out-of-fold relevance (5-fold CV by class, classes balanced), " +
        'and the threshold on p that maximises balanced accuracy on the out-of-fold calibrated scores. Written by scripts/train-fusion.ts.',
      data: opts.data,
      trainedAt: new Date().toISOString(),
      defaultStrategy: opts.winner,
      strategies,
    },
  };
}
