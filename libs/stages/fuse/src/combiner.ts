/**
 * Learned combiners: a logistic regression or a one-hidden-layer MLP over named signals, whose weights
 * are trained by scripts/train-fusion.ts and committed as models/weights/fusion.json (with a description
 * of the data they came from); the fuse service's adapters load and validate the file (FusionWeightsSchema)
 * and pass it in. Inference only; pure.
 *
 * Features are signal names; `has:<name>` is 1 when the signal is present, else 0; an absent signal
 * reads as 0. `fixed` holds coefficients that were not learned (signals the training data cannot
 * show, e.g. captions: the dev photos have none) and are added to the logit as given.
 */
import { sigmoid } from '@newsfuse/models/math';
import { z } from 'zod';

export interface LogisticModel {
  kind: 'logistic';
  features: string[];
  weights: number[];
  bias: number;
  fixed?: Record<string, number>;
}

export interface MlpModel {
  kind: 'mlp';
  features: string[];
  /** Input standardisation. */
  mean: number[];
  scale: number[];
  /** hidden[j] = tanh(b1[j] + Σ_i w1[j][i] x_i); out = sigmoid(b2 + Σ_j w2[j] hidden[j] + fixed). */
  w1: number[][];
  b1: number[];
  w2: number[];
  b2: number;
  fixed?: Record<string, number>;
}

export type Combiner = LogisticModel | MlpModel;

export interface FusionWeights {
  /** What the models are, how they were trained. */
  description: string;
  /** Where the training data came from. */
  data: string;
  trainedAt: string;
  /** model-level (late) learned combiner over per-modality scores. */
  late: Combiner;
  /** hybrid learned combiner over early similarities + late scores. */
  hybrid: Combiner;
  /**
   * The with-caption regime: a combiner over the caption signals, fitted on news captions
   * (tools/relevance/news.ts). When an image has a caption its logit is added to the hybrid's (the two
   * are evidence from independent sources, each fitted with balanced classes); an image that could
   * not be analysed but has a caption is scored by it alone. Absent: captions only enter through
   * `fixed` (weights from before the news set).
   */
  caption?: Combiner;
  /** Fixed weights of the late weighted sum (a prior, not learned). */
  lateWeights: Record<string, number>;
  /** Cross-validated quality of each, for the record. */
  cv?: Record<string, unknown>;
}

const CombinerSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('logistic'),
    features: z.array(z.string()),
    weights: z.array(z.number()),
    bias: z.number(),
    fixed: z.record(z.string(), z.number()).optional(),
  }),
  z.object({
    kind: z.literal('mlp'),
    features: z.array(z.string()),
    mean: z.array(z.number()),
    scale: z.array(z.number()),
    w1: z.array(z.array(z.number())),
    b1: z.array(z.number()),
    w2: z.array(z.number()),
    b2: z.number(),
    fixed: z.record(z.string(), z.number()).optional(),
  }),
]);

/** The schema of models/weights/fusion.json. */
export const FusionWeightsSchema: z.ZodType<FusionWeights> = z.object({
  description: z.string(),
  data: z.string(),
  trainedAt: z.string(),
  late: CombinerSchema,
  hybrid: CombinerSchema,
  caption: CombinerSchema.optional(),
  lateWeights: z.record(z.string(), z.number()),
  cv: z.record(z.string(), z.unknown()).optional(),
});

export function featureValue(name: string, signals: Partial<Record<string, number>>): number {
  if (name.startsWith('has:')) return signals[name.slice(4)] !== undefined ? 1 : 0;
  const v = signals[name];
  return v === undefined || !Number.isFinite(v) ? 0 : v;
}

export function featureVector(features: readonly string[], signals: Partial<Record<string, number>>): number[] {
  return features.map((f) => featureValue(f, signals));
}

function fixedTerm(model: Combiner, signals: Partial<Record<string, number>>): number {
  let z = 0;
  for (const [name, w] of Object.entries(model.fixed ?? {})) z += w * featureValue(name, signals);
  return z;
}

/** The model's logit for a feature vector (in `model.features` order) plus its fixed terms. */
export function logit(model: Combiner, x: readonly number[], fixed = 0): number {
  if (model.kind === 'logistic') {
    let z = model.bias + fixed;
    for (let i = 0; i < x.length; i++) z += model.weights[i]! * x[i]!;
    return z;
  }
  const xs = x.map((v, i) => (v - model.mean[i]!) / (model.scale[i] || 1));
  let z = model.b2 + fixed;
  for (let j = 0; j < model.w1.length; j++) {
    let h = model.b1[j]!;
    const w = model.w1[j]!;
    for (let i = 0; i < xs.length; i++) h += w[i]! * xs[i]!;
    z += model.w2[j]! * Math.tanh(h);
  }
  return z;
}

/** The model's logit for named signals. */
export function logitOf(model: Combiner, signals: Partial<Record<string, number>>): number {
  return logit(model, featureVector(model.features, signals), fixedTerm(model, signals));
}

/**
 * The model's logit without its `fixed` terms: what the image side says in the with-caption regime,
 * where the learned caption model replaces the fixed caption coefficients of weights from before it.
 */
export function learnedLogitOf(model: Combiner, signals: Partial<Record<string, number>>): number {
  return logit(model, featureVector(model.features, signals));
}

/** Probability that the image matches the article, in (0, 1). */
export function combine(model: Combiner, signals: Partial<Record<string, number>>): number {
  return sigmoid(logitOf(model, signals));
}
