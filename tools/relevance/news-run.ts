/**
 * The with-caption regime, learned and cross-validated on the news caption set (tools/relevance/news.ts,
 * features from news-features.ts). Pure: no I/O.
 *
 * Protocol (no leakage, folds by article; an outlet's articles share a fold):
 * - Outer 5 folds. A training pair has its article AND its caption's article in the training folds; a
 *   test pair has its article in the test fold.
 * - The caption combiner is a logistic regression over a few caption signals with monotone
 *   constraints (a signal that should only add evidence never gets a negative weight: such a feature is
 *   dropped and the model refitted). Which signals and how strong the L2 penalty are chosen by an
 *   inner cross-validation on the outer training folds (leave one training fold out), by the mean of
 *   the AUCs vs random and vs same-source negatives: nested CV, so the reported figure never saw its
 *   test fold in the choice either.
 * - The Platt calibrator and the threshold (max balanced accuracy) are fitted on the inner
 *   out-of-fold scores of the chosen model, as the ImageNet experiment does for the strategies.
 * - Scores come from the production code: createStrategies(weights with the fold's caption model)
 *   .hybrid on the article with a captioned image it has no pixels for → `caption_relevance`.
 * - Single signals are reported next to it (the raw signal, Platt + threshold on the training folds).
 * - Classes balanced in every fit (each positive weighs as much as its negatives together).
 */
import { featureValue, type Combiner, type FusionWeights, type LogisticModel } from '@newsfuse/stage-fuse/combiner';
import { createStrategies } from '@newsfuse/stage-fuse/strategies';
import { captionSignals, articleView } from '@newsfuse/stage-fuse/signals';
import {
  calibrate,
  chooseThreshold,
  fitPlatt,
  shiftPlatt,
  type CalibrationFile,
  type Calibrator,
  type PlattCalibrator,
} from '@newsfuse/stage-score/calibration';
import { fitLogistic, roundModel, type Example } from '../learning/classifiers.ts';
import { accuracyAt, rocAuc } from './metrics.ts';
import { NEWS_FOLDS, type NewsPair } from './news.ts';
import { newsFusionInput, type NewsFeatures } from './news-features.ts';
import { balanceWeights, placeholderWeights } from './run.ts';

/** A candidate caption model: its signals and its L2 penalty. */
export interface CaptionConfig {
  name: string;
  features: string[];
  l2: number;
  /**
   * 'equal': one weight for the standardised sum of the features (an improper linear model: only the
   * slope and the bias are learned, which few positives can carry); 'free': a weight per feature.
   */
  weighting: 'free' | 'equal';
}

/** Caption signals that can only be evidence for a match: their weights are kept ≥ 0. */
export const MONOTONE = new Set([
  'caption_title_cos',
  'caption_sentence_cos',
  'caption_overlap',
  'caption_entity_overlap',
  'caption_number_overlap',
]);

/** Few features, strong penalties: ~66 positives cannot carry more. */
export const FEATURE_SETS: Record<string, string[]> = {
  title: ['caption_title_cos'],
  'title+sentence': ['caption_title_cos', 'caption_sentence_cos'],
  'title+overlap': ['caption_title_cos', 'caption_overlap'],
  'title+sentence+overlap': ['caption_title_cos', 'caption_sentence_cos', 'caption_overlap'],
  'title+entities': ['caption_title_cos', 'caption_entity_overlap', 'has:caption_entity_overlap'],
};
export const L2_GRID = [0.01, 0.1, 1, 10];
/** Equal-weight sums of the signals that each carry most of the evidence alone. */
export const EQUAL_SETS: Record<string, string[]> = {
  'title+sentence': ['caption_title_cos', 'caption_sentence_cos'],
  'title+overlap': ['caption_title_cos', 'caption_overlap'],
  'title+sentence+overlap': ['caption_title_cos', 'caption_sentence_cos', 'caption_overlap'],
};
export const CAPTION_CONFIGS: CaptionConfig[] = [
  ...Object.entries(FEATURE_SETS).flatMap(([name, features]) =>
    L2_GRID.map((l2) => ({ name: `${name}, l2 ${l2}`, features, l2, weighting: 'free' as const })),
  ),
  ...Object.entries(EQUAL_SETS).map(([name, features]) => ({
    name: `${name}, equal weights`,
    features,
    l2: 0.01,
    weighting: 'equal' as const,
  })),
];
/** Signals reported alone. */
export const CAPTION_SIGNAL_ROWS = [
  'caption_title_cos',
  'caption_sentence_cos',
  'caption_overlap',
  'caption_entity_overlap',
  'caption_number_overlap',
];
/** An absent signal alone reads as its floor. */
const FLOOR: Record<string, number> = { caption_title_cos: -1, caption_sentence_cos: -1 };

export interface NewsData {
  pairs: NewsPair[];
  /** Fold of each pair's article and of its caption's article. */
  fold: number[];
  captionFold: number[];
  /** Base caption signals of each pair (signals.ts captionSignals). */
  signals: Record<string, number>[];
  features: Pick<NewsFeatures, 'set' | 'text'>;
}

/**
 * The pairs the evaluation uses: those whose article a model reads (en, zh: the others get no
 * relevance score at all, LANGUAGE_UNSUPPORTED), with their caption signals.
 */
export function newsData(f: NewsFeatures): NewsData {
  const pairs = f.set.pairs.filter((p) => f.supported[p.article]);
  const views = f.set.articles.map((a, i) => articleView(a.title, f.text[i]));
  return {
    pairs,
    fold: pairs.map((p) => f.set.articles[p.article]!.fold),
    captionFold: pairs.map((p) => f.set.articles[f.set.captions[p.caption]!.article]!.fold),
    signals: pairs.map((p) => captionSignals(newsFusionInput(f, p).images[0]!, views[p.article]!)),
    features: f,
  };
}

/** Logistic regression whose MONOTONE features keep weights ≥ 0: a feature that goes negative is dropped and the rest refitted. */
export function fitMonotone(examples: readonly Example[], features: readonly string[], l2: number): LogisticModel {
  let fs = [...features];
  for (;;) {
    const m = fitLogistic(examples, fs, { l2 });
    const worst = fs
      .map((f, i) => ({ f, w: m.weights[i]! }))
      .filter((x) => MONOTONE.has(x.f) && x.w < 0)
      .sort((a, b) => a.w - b.w)[0];
    if (!worst) return m;
    // a has:X indicator goes with its X
    fs = fs.filter((f) => f !== worst.f && f !== `has:${worst.f}`);
    if (fs.length === 0) return { kind: 'logistic', features: [], weights: [], bias: m.bias };
  }
}

/**
 * The equal-weight model: z = Σ x_i / sd_i (sd on the training pairs), a logistic fit of z, written out
 * as per-feature weights a / sd_i so the runtime combiner reads it like any logistic model.
 */
export function fitEqual(examples: readonly Example[], features: readonly string[], l2: number): LogisticModel {
  const sd = features.map((f) => {
    const v = examples.map((e) => featureValue(f, e.signals));
    const m = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length)) || 1;
  });
  const z = examples.map((e) => ({ ...e, signals: { z: features.reduce((s, f, i) => s + featureValue(f, e.signals) / sd[i]!, 0) } }));
  const m = fitLogistic(z, ['z'], { l2 });
  const a = Math.max(0, m.weights[0]!);
  return { kind: 'logistic', features: [...features], weights: sd.map((s) => a / s), bias: m.bias };
}

const fitConfig = (examples: readonly Example[], c: CaptionConfig): LogisticModel =>
  c.weighting === 'equal' ? fitEqual(examples, c.features, c.l2) : fitMonotone(examples, c.features, c.l2);

/** The weights the strategies run with: the placeholder image side plus a caption combiner. */
export function withCaption(caption: Combiner, base: FusionWeights = placeholderWeights()): FusionWeights {
  return { ...base, caption };
}

/** The production score of pairs under a caption combiner: the hybrid's caption_relevance (no photo). */
export function captionScores(d: NewsData, idx: readonly number[], caption: Combiner): number[] {
  const st = createStrategies(withCaption(caption));
  return idx.map((i) => st.hybrid(newsFusionInput(d.features, d.pairs[i]!)).perImage[0]!.signals.caption_relevance ?? 0);
}

const examplesOf = (d: NewsData, idx: readonly number[]): Example[] => {
  const labels = idx.map((i) => d.pairs[i]!.label);
  const bw = balanceWeights(labels);
  return idx.map((i, j) => ({ signals: d.signals[i]!, label: labels[j]!, weight: bw[j]! }));
};

export interface NewsCell {
  aucRandom: number;
  aucHard: number;
  accRandom: number;
  accHard: number;
  positives: number;
}

/** AUC of scores (and accuracy of decisions) over the positives and one kind of negative each. */
export function newsCell(d: NewsData, idx: readonly number[], score: readonly number[], decision?: readonly (0 | 1)[]): NewsCell {
  const of = (kind: 'random' | 'hard') => {
    const sel = idx.map((i, j) => ({ i, j })).filter(({ i }) => d.pairs[i]!.kind === 'positive' || d.pairs[i]!.kind === kind);
    const labels = sel.map(({ i }) => d.pairs[i]!.label);
    return {
      auc: rocAuc(
        sel.map(({ j }) => score[j]!),
        labels,
      ),
      acc: decision
        ? accuracyAt(
            sel.map(({ j }) => decision[j]!),
            labels,
            0.5,
          )
        : NaN,
    };
  };
  const r = of('random');
  const h = of('hard');
  return {
    aucRandom: r.auc,
    aucHard: h.auc,
    accRandom: r.acc,
    accHard: h.acc,
    positives: idx.filter((i) => d.pairs[i]!.label === 1).length,
  };
}

const criterion = (c: NewsCell) => (c.aucRandom + c.aucHard) / 2;

/** Pair indices of a training set (article and caption's article in `folds`) and of a test fold. */
export function splitPairs(d: NewsData, trainFolds: ReadonlySet<number>, testFold: number): { train: number[]; test: number[] } {
  const all = d.pairs.map((_p, i) => i);
  return {
    train: all.filter((i) => trainFolds.has(d.fold[i]!) && trainFolds.has(d.captionFold[i]!)),
    test: all.filter((i) => d.fold[i] === testFold),
  };
}

/** Out-of-fold scores of one config over `folds` (leave one fold out). */
function oofScores(d: NewsData, folds: readonly number[], config: CaptionConfig): { idx: number[]; score: number[] } {
  const idx: number[] = [];
  const score: number[] = [];
  for (const k of folds) {
    const { train, test } = splitPairs(d, new Set(folds.filter((f) => f !== k)), k);
    if (train.length === 0 || test.length === 0) continue;
    const m = fitConfig(examplesOf(d, train), config);
    idx.push(...test);
    score.push(...captionScores(d, test, m));
  }
  return { idx, score };
}

export interface Selection {
  config: CaptionConfig;
  /** Each candidate's CV criterion (mean of the AUCs vs random and vs same-source). */
  scores: { name: string; criterion: number }[];
  /** The chosen config's out-of-fold scores over `folds`, for the calibrator and threshold. */
  oof: { idx: number[]; score: number[] };
}

/**
 * A config must beat the best so far by more than this to replace it: criteria closer than that are a
 * tie (the AUC cannot see the scale of the logit, and a heavier penalty that ties only shrinks the
 * caption logit that the with-caption regime adds to the image side's).
 */
export const CRITERION_TIE = 0.001;

/** Chooses the caption config by cross-validation over `folds` (ties: the earlier config: fewer signals, lighter penalty). */
export function selectConfig(d: NewsData, folds: readonly number[], configs: readonly CaptionConfig[] = CAPTION_CONFIGS): Selection {
  let best: { config: CaptionConfig; c: number; oof: { idx: number[]; score: number[] } } | undefined;
  const scores: Selection['scores'] = [];
  for (const config of configs) {
    const oof = oofScores(d, folds, config);
    const c = criterion(newsCell(d, oof.idx, oof.score));
    scores.push({ name: config.name, criterion: c });
    if (!best || c > best.c + CRITERION_TIE) best = { config, c, oof };
  }
  return { config: best!.config, scores, oof: best!.oof };
}

/** Platt calibrator and balanced-accuracy threshold fitted on scores. */
export function calibrateScores(
  d: NewsData,
  idx: readonly number[],
  score: readonly number[],
): { calibrator: PlattCalibrator; threshold: number; balancedAccuracy: number } {
  const labels = idx.map((i) => d.pairs[i]!.label);
  const calibrator = fitPlatt(score, labels, balanceWeights(labels));
  const t = chooseThreshold(
    score.map((s) => calibrate(calibrator, s)),
    labels,
  );
  return { calibrator, threshold: t.threshold, balancedAccuracy: t.balancedAccuracy };
}

export interface NewsRow {
  name: string;
  kind: 'learned' | 'signal';
  /** Out-of-fold raw score, calibrated probability and decision per pair (by pair index). */
  raw: number[];
  prob: number[];
  decision: (0 | 1)[];
}

export interface NewsCv {
  data: NewsData;
  rows: NewsRow[];
  /** Per outer fold: the chosen config, the train/test sizes, the threshold. */
  folds: { fold: number; train: number; test: number; config: string; features: string[]; threshold: number }[];
}

/** Nested cross-validation of the learned caption model, and the single signals, on the news pairs. */
export function crossValidateNews(d: NewsData, opts: { configs?: readonly CaptionConfig[]; onFold?: (k: number) => void } = {}): NewsCv {
  const n = d.pairs.length;
  const mk = (name: string, kind: NewsRow['kind']): NewsRow => ({
    name,
    kind,
    raw: new Array<number>(n).fill(NaN),
    prob: new Array<number>(n).fill(NaN),
    decision: new Array<0 | 1>(n).fill(0),
  });
  const learned = mk('learned caption model (nested CV)', 'learned');
  const singles = CAPTION_SIGNAL_ROWS.map((s) => mk(s, 'signal'));
  const folds: NewsCv['folds'] = [];
  const allFolds = [...Array(NEWS_FOLDS).keys()];
  for (const k of allFolds) {
    const trainFolds = allFolds.filter((f) => f !== k);
    const { train, test } = splitPairs(d, new Set(trainFolds), k);
    // inner CV on the training folds chooses the config; its out-of-fold scores fit calibrator + threshold
    const sel = selectConfig(d, trainFolds, opts.configs);
    const cal = calibrateScores(d, sel.oof.idx, sel.oof.score);
    const model = fitConfig(examplesOf(d, train), sel.config);
    const te = captionScores(d, test, model);
    test.forEach((i, j) => {
      learned.raw[i] = te[j]!;
      learned.prob[i] = calibrate(cal.calibrator, te[j]!);
      learned.decision[i] = learned.prob[i]! >= cal.threshold ? 1 : 0;
    });
    folds.push({
      fold: k,
      train: train.length,
      test: test.length,
      config: sel.config.name,
      features: model.features,
      threshold: cal.threshold,
    });
    // single signals: the raw signal, Platt + threshold on the training pairs
    for (const row of singles) {
      const value = (i: number) => d.signals[i]![row.name] ?? FLOOR[row.name] ?? 0;
      const cs = calibrateScores(
        d,
        train,
        train.map((i) => value(i)),
      );
      for (const i of test) {
        row.raw[i] = value(i);
        row.prob[i] = calibrate(cs.calibrator, value(i));
        row.decision[i] = row.prob[i]! >= cs.threshold ? 1 : 0;
      }
    }
    opts.onFold?.(k);
  }
  return { data: d, rows: [learned, ...singles], folds };
}

/** A row's cross-validated cell over every pair. */
export function rowCell(cv: NewsCv, row: NewsRow): NewsCell {
  const idx = cv.data.pairs.map((_p, i) => i).filter((i) => Number.isFinite(row.prob[i]));
  return newsCell(
    cv.data,
    idx,
    idx.map((i) => row.prob[i]!),
    idx.map((i) => row.decision[i]!),
  );
}

/**
 * What the product ships for the with-caption regime: the config chosen by 5-fold CV over every
 * article (`sel`, computed here unless the caller already has it), fitted on every pair; the Platt
 * calibrator and threshold fitted on that config's out-of-fold scores.
 */
export function finalCaptionModel(
  d: NewsData,
  sel: Selection = selectConfig(d, [...Array(NEWS_FOLDS).keys()]),
): {
  caption: LogisticModel;
  config: CaptionConfig;
  calibrator: Calibrator;
  threshold: number;
  balancedAccuracy: number;
  oof: NewsCell;
} {
  const cal = calibrateScores(d, sel.oof.idx, sel.oof.score);
  const all = d.pairs.map((_p, i) => i);
  const caption = roundModel(fitConfig(examplesOf(d, all), sel.config));
  return {
    caption,
    config: sel.config,
    calibrator: { method: 'platt', a: Number(cal.calibrator.a.toPrecision(6)), b: Number(cal.calibrator.b.toPrecision(6)) },
    threshold: cal.threshold,
    balancedAccuracy: cal.balancedAccuracy,
    oof: newsCell(d, sel.oof.idx, sel.oof.score),
  };
}

/** The committed weights and calibration with the with-caption regime fitted on the news set. */
export function withCaptionRegime<W extends FusionWeights, C extends CalibrationFile>(
  weights: W,
  calibration: C,
  d: NewsData,
  cv?: NewsCv,
): { weights: W; calibration: C; final: ReturnType<typeof finalCaptionModel> } {
  const final = finalCaptionModel(d);
  const hybrid = calibration.strategies.hybrid;
  if (!hybrid) throw new Error('calibration.json has no hybrid strategy to add the with-caption regime to');
  const calibrator = shiftPlatt(final.calibrator as PlattCalibrator, final.threshold, hybrid.threshold);
  const learned = cv ? rowCell(cv, cv.rows[0]!) : undefined;
  return {
    final,
    weights: {
      ...weights,
      caption: final.caption,
      description:
        weights.description.replace(/ caption: .*$/s, '') +
        ` caption: the with-caption regime, a logistic regression over ${final.caption.features.join(', ')} (${final.config.name}: chosen by 5-fold CV by article ` +
        `among few-feature, monotone, L2-regularised candidates) fitted on the news caption set (tools/relevance/news.ts), added to the hybrid's learned logit when an image has a caption or alt text.`,
      cv: {
        ...(weights.cv ?? {}),
        caption: {
          config: final.config.name,
          oofAucRandom: final.oof.aucRandom,
          oofAucHard: final.oof.aucHard,
          ...(learned ? { nestedAucRandom: learned.aucRandom, nestedAucHard: learned.aucHard } : {}),
        },
      },
    },
    calibration: {
      ...calibration,
      description:
        calibration.description.replace(/ hybrid\.caption: .*$/s, '') +
        " hybrid.caption: the with-caption regime's Platt calibrator, fitted on the news caption set's out-of-fold caption scores (5-fold CV by article) and " +
        "shifted along the logit so that its own balanced-accuracy threshold falls on the hybrid's threshold.",
      strategies: {
        ...calibration.strategies,
        hybrid: { ...hybrid, caption: { calibrator: { method: 'platt', a: calibrator.a, b: Number(calibrator.b.toPrecision(6)) } } },
      },
    },
  };
}
