/**
 * The sentiment model's experiment, shared by `scripts/train-sentiment.ts` (which fits and writes
 * the weights) and `scripts/eval-sentiment.ts` (which reports the cross-validated table):
 *
 *   regressors   ridge (closed form, λ by inner CV) and a small MLP (fixed hyper-parameters)
 *                on the MiniLM embeddings, target = mean human rating / 4;
 *   second stage linear on [regressor, vader, afinn, senticon, pattern] (fused) and on the four
 *                lexicon scores alone, fitted either on the pooled rows or with each data set
 *                weighted equally ("balanced");
 *   all of it by nested 5-fold CV stratified by data set (see nested-cv.ts), so every figure
 *   is on rows the scored model never saw.
 *
 * The out-of-fold predictions are cached in `<cache>/sentiment/cv-<key>.json`, keyed by a hash
 * of the embeddings, lexicon scores, targets, configuration and CV_CODE_VERSION, so the
 * evaluation re-runs in seconds once the training script (or a first evaluation) has run.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCacheDir, VADER_SETS, type PreparedSentimentData, type RatedItem, type VaderSetName } from './sentiment-data.ts';
import { pearson, signAccuracy } from './metrics.ts';
import {
  balancedWeights,
  crossValidate,
  DEFAULT_STACK_LAMBDA_PER_ROW,
  foldRows,
  stratifiedFolds,
  type CvInput,
  type Learner,
} from './nested-cv.ts';
import { DEFAULT_MLP, mlpLearner, ridgeLearner, type MlpLearner, type MlpOptions, type RidgeLearner } from './sentiment-train.ts';

/** Bump when the experiment's code changes in a way that changes its results. */
export const CV_CODE_VERSION = 1;

export interface SentimentCvConfig {
  folds: number;
  seed: number;
  ridgeLambdas: number[];
  mlp: MlpOptions;
  stackLambdaPerRow: number;
}

export const DEFAULT_CV_CONFIG: SentimentCvConfig = {
  folds: 5,
  seed: 42,
  ridgeLambdas: [0.1, 0.3, 1, 2, 3, 5, 10, 30, 100],
  mlp: DEFAULT_MLP,
  stackLambdaPerRow: DEFAULT_STACK_LAMBDA_PER_ROW,
};

export const REGRESSORS = ['ridge', 'mlp'] as const;
export type RegressorKind = (typeof REGRESSORS)[number];
export const STACK_WEIGHTINGS = ['pooled', 'balanced'] as const;
export type StackWeighting = (typeof STACK_WEIGHTINGS)[number];
export type VariantName = `${RegressorKind}/${StackWeighting}`;
export const VARIANTS: VariantName[] = REGRESSORS.flatMap((r) => STACK_WEIGHTINGS.map((w) => `${r}/${w}` as VariantName));

export interface VariantResult {
  /** Out-of-fold predictions per item, each in [-1, 1]. */
  regressor: number[];
  fused: number[];
  lexiconStack: number[];
  /** Hyper-parameters chosen per outer fold (ridge: λ). */
  hyper: unknown[];
  /** Second-stage weights per outer fold: [regressor, vader, afinn, senticon, pattern] and intercept. */
  stackers: { w: number[]; intercept: number }[];
}

export interface SentimentCvResults {
  key: string;
  codeVersion: number;
  config: SentimentCvConfig;
  variants: Record<VariantName, VariantResult>;
}

export interface SentimentCvRun extends SentimentCvResults {
  cached: boolean;
  /** Fold index per item. */
  folds: Int32Array;
  /** The learners (with their memoised fits) — only when computed in this process. */
  learners?: { ridge: RidgeLearner; mlp: MlpLearner };
  cvInput: (w: StackWeighting) => CvInput;
}

export function cvKey(prep: PreparedSentimentData, config: SentimentCvConfig): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: CV_CODE_VERSION, config, n: prep.items.length }));
  for (const a of [prep.X, prep.lex, prep.y]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex').slice(0, 16);
}

export async function runSentimentCv(
  prep: PreparedSentimentData,
  config: SentimentCvConfig = DEFAULT_CV_CONFIG,
  o: {
    cacheDir?: string;
    /** Read the cache (default true); the results are written to it either way. */
    useCache?: boolean;
    /** MLP fits: called before each with (fits done, fits in the CV). */
    onFit?: (done: number, total: number) => void;
  } = {},
): Promise<SentimentCvRun> {
  const { X, d, y, lex, L, items } = prep;
  const key = cvKey(prep, config);
  const file = join(o.cacheDir ?? defaultCacheDir(), `cv-${key}.json`);
  const folds = stratifiedFolds(
    items.map((i) => i.set),
    config.folds,
    config.seed,
  );
  const stackW = balancedWeights(items.map((i) => i.set));
  const cvInput = (w: StackWeighting): CvInput => ({
    X,
    d,
    y,
    lex,
    L,
    folds,
    k: config.folds,
    stackLambdaPerRow: config.stackLambdaPerRow,
    ...(w === 'balanced' ? { stackWeights: stackW } : {}),
  });
  if ((o.useCache ?? true) && existsSync(file)) {
    const cached = JSON.parse(await readFile(file, 'utf8')) as SentimentCvResults;
    if (cached.key === key && cached.codeVersion === CV_CODE_VERSION) return { ...cached, cached: true, folds, cvInput };
  }
  const rows = foldRows(folds, config.folds);
  const k = config.folds;
  const totalFits = k + (k * (k - 1)) / 2; // outer fits + distinct inner (k−2)-fold fits
  let fits = 0;
  o.onFit?.(0, totalFits);
  const learners = {
    ridge: ridgeLearner(X, y, d, rows, config.ridgeLambdas),
    mlp: mlpLearner(X, y, d, rows, config.mlp, () => o.onFit?.(fits++, totalFits)),
  };
  const variants = {} as Record<VariantName, VariantResult>;
  for (const r of REGRESSORS) {
    for (const w of STACK_WEIGHTINGS) {
      const cv = crossValidate(cvInput(w), learners[r] as Learner<unknown>);
      variants[`${r}/${w}`] = {
        regressor: Array.from(cv.regressor),
        fused: Array.from(cv.fused),
        lexiconStack: Array.from(cv.lexiconStack),
        hyper: cv.hyper,
        stackers: cv.stackers.map((s) => ({ w: Array.from(s.w), intercept: s.intercept })),
      };
    }
  }
  o.onFit?.(fits, totalFits);
  const results: SentimentCvResults = { key, codeVersion: CV_CODE_VERSION, config, variants };
  await mkdir(o.cacheDir ?? defaultCacheDir(), { recursive: true });
  await writeFile(file, JSON.stringify(results));
  return { ...results, cached: false, folds, learners, cvInput };
}

// ---------------------------------------------------------------------------------------------
// Metrics

export interface Metric {
  /** Pearson r with the mean human rating (all items of the set). */
  r: number;
  /** Sign accuracy on the items with |rating| > 0.05. */
  accuracy: number;
  /** Items in the set / items with |rating| > 0.05. */
  n: number;
  nSigned: number;
  /** Share of those signed items the method scored exactly 0 (no call; counted wrong). */
  noCall: number;
}

export type SetMetrics = Record<VaderSetName, Metric>;

export function metricsBySet(items: readonly RatedItem[], pred: ArrayLike<number>): SetMetrics {
  const out = {} as SetMetrics;
  for (const s of VADER_SETS) {
    const idx: number[] = [];
    items.forEach((it, i) => it.set === s.name && idx.push(i));
    const p = idx.map((i) => pred[i]!);
    const rating = idx.map((i) => items[i]!.rating);
    const sa = signAccuracy(p, rating, 0.05);
    out[s.name] = { r: pearson(p, rating), accuracy: sa.accuracy, n: idx.length, nSigned: sa.n, noCall: sa.noCall };
  }
  return out;
}

/** Mean Pearson r over the three sets (each set counts once). */
export const macroR = (m: SetMetrics): number => VADER_SETS.reduce((a, s) => a + m[s.name].r, 0) / VADER_SETS.length;
