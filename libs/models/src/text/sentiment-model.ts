/**
 * The learned sentence sentiment model: a regressor on MiniLM sentence embeddings (a small MLP or
 * ridge — whichever won the cross-validation; the weights file says which), fused with the lexicon
 * scores by a second-stage linear model. Weights are trained by
 * `scripts/train-sentiment.ts` on the human-rated VADER ground truth (Hutto & Gilbert, ICWSM 2014)
 * and committed in `weights/sentiment-fused.json`, which also records the data, hyper-parameters,
 * cross-validated figures and date. See docs/evaluation-sentiment.md.
 *
 *   regressor  e: L2-normalised 384-d all-MiniLM-L6-v2 embedding of the sentence (int8 ONNX,
 *              batch size 1); target: mean human rating / 4
 *                mlp    r = W2·relu(W1ᵀe + b1) + b2      (W1 d×H row-major)
 *                ridge  r = w·e + b
 *   fused      clamp(v·[r, vader, afinn, senticon, pattern] + c, −1, 1)
 *              the lexicon scores are the per-sentence ones of features.ts (each in [-1, 1])
 *   lexicon    clamp(u·[vader, afinn, senticon, pattern] + c', −1, 1)
 *              the same second stage without the embedding, for sentences that are not embedded
 *
 * Pure arithmetic once loaded (≤ 384×64 multiply-adds), so scoring costs nothing next to embedding.
 */
import { existsSync, readFileSync } from 'node:fs';
import { weightsPath } from '@newsfuse/shared/json-file';

export const SENTIMENT_WEIGHTS_FORMAT = 'newsfuse.sentiment-fused/1';
export const DEFAULT_SENTIMENT_WEIGHTS_PATH = weightsPath('sentiment-en');

export const FUSION_FEATURES = ['regressor', 'vader', 'afinn', 'senticon', 'pattern'] as const;
export const LEXICON_ONLY_FEATURES = ['vader', 'afinn', 'senticon', 'pattern'] as const;

export interface LinearStage {
  features: string[];
  weights: number[];
  intercept: number;
}

export interface SentimentWeights {
  format: typeof SENTIMENT_WEIGHTS_FORMAT;
  /** Short identifier reported alongside scores, e.g. "minilm-ridge+lexicons@2025-11-28". */
  id: string;
  created: string;
  description: string;
  data: Record<string, unknown>;
  embedding: { model: string; sha256: string | null; dim: number; note?: string };
  regressor: RidgeRegressor | MlpRegressor;
  fusion: LinearStage & { [k: string]: unknown };
  lexiconOnly: LinearStage & { [k: string]: unknown };
  cv: Record<string, unknown>;
}

export interface RidgeRegressor {
  kind: 'ridge';
  target: string;
  lambda: number;
  weights: number[];
  intercept: number;
  [k: string]: unknown;
}

export interface MlpRegressor {
  kind: 'mlp';
  target: string;
  hidden: number;
  activation: 'relu';
  /** d×hidden, row-major. */
  W1: number[];
  b1: number[];
  W2: number[];
  b2: number;
  [k: string]: unknown;
}

/** Per-sentence lexicon scores (the fields of features.ts' SentimentScores that the model uses). */
export interface LexiconInput {
  vader: number;
  afinn: number;
  senticon: number;
  pattern: number;
}

export interface SentimentModel {
  /** Weights identifier (from the weights file). */
  readonly id: string;
  /** Embedding dimension the regressor expects (384). */
  readonly dim: number;
  readonly weights: SentimentWeights;
  /** Regressor output on the rating/4 scale (not clamped). */
  regress(embedding: ArrayLike<number>): number;
  /** Fused score in [-1, 1]. */
  score(embedding: ArrayLike<number>, lexicon: LexiconInput): number;
  /** Lexicon-only second stage in [-1, 1] (no embedding). */
  scoreLexicon(lexicon: LexiconInput): number;
}

export class SentimentWeightsError extends Error {
  override name = 'SentimentWeightsError';
}

const clamp = (x: number): number => (x > 1 ? 1 : x < -1 ? -1 : x);

function checkStage(stage: LinearStage | undefined, features: readonly string[], what: string): LinearStage {
  if (!stage || !Array.isArray(stage.weights) || !Array.isArray(stage.features)) throw new SentimentWeightsError(`${what}: missing`);
  if (stage.features.join() !== features.join())
    throw new SentimentWeightsError(`${what}: features ${stage.features.join(',')} ≠ expected ${features.join(',')}`);
  if (stage.weights.length !== features.length || !stage.weights.every(Number.isFinite) || !Number.isFinite(stage.intercept))
    throw new SentimentWeightsError(`${what}: expected ${features.length} finite weights and an intercept`);
  return stage;
}

/** Validates a parsed weights object (dimensions, feature order, finiteness). */
export function validateSentimentWeights(w: unknown): SentimentWeights {
  const o = w as SentimentWeights;
  if (!o || typeof o !== 'object' || o.format !== SENTIMENT_WEIGHTS_FORMAT)
    throw new SentimentWeightsError(`not a ${SENTIMENT_WEIGHTS_FORMAT} weights file`);
  const dim = o.embedding?.dim;
  if (!Number.isInteger(dim) || dim <= 0) throw new SentimentWeightsError('embedding.dim missing');
  const r = o.regressor;
  const finite = (a: unknown, len: number): boolean => Array.isArray(a) && a.length === len && a.every(Number.isFinite);
  if (r?.kind === 'ridge') {
    if (!finite(r.weights, dim) || !Number.isFinite(r.intercept))
      throw new SentimentWeightsError(`regressor: expected ${dim} finite weights and an intercept`);
  } else if (r?.kind === 'mlp') {
    const H = r.hidden;
    if (!Number.isInteger(H) || H <= 0 || r.activation !== 'relu')
      throw new SentimentWeightsError('regressor: bad hidden size or activation');
    if (!finite(r.W1, dim * H) || !finite(r.b1, H) || !finite(r.W2, H) || !Number.isFinite(r.b2))
      throw new SentimentWeightsError(`regressor: expected W1 ${dim}×${H}, b1 ${H}, W2 ${H} and b2, all finite`);
  } else throw new SentimentWeightsError(`regressor: unknown kind ${String((r as { kind?: unknown } | undefined)?.kind)}`);
  checkStage(o.fusion, FUSION_FEATURES, 'fusion');
  checkStage(o.lexiconOnly, LEXICON_ONLY_FEATURES, 'lexiconOnly');
  return o;
}

export function sentimentWeightsPresent(path = DEFAULT_SENTIMENT_WEIGHTS_PATH): boolean {
  return existsSync(path);
}

export function createSentimentModel(options: { path?: string; weights?: SentimentWeights } = {}): SentimentModel {
  const path = options.path ?? DEFAULT_SENTIMENT_WEIGHTS_PATH;
  let raw: unknown = options.weights;
  if (raw === undefined) {
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new SentimentWeightsError(`cannot read sentiment weights ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  const weights = validateSentimentWeights(raw);
  const dim = weights.embedding.dim;
  const regressRaw = compileRegressor(weights.regressor, dim);
  const [fr, fv, fa, fs, fp] = weights.fusion.weights as [number, number, number, number, number];
  const fb = weights.fusion.intercept;
  const [lv, la, ls, lp] = weights.lexiconOnly.weights as [number, number, number, number];
  const lb = weights.lexiconOnly.intercept;

  const regress = (e: ArrayLike<number>): number => {
    if (e.length !== dim) throw new RangeError(`embedding has ${e.length} dimensions, the model expects ${dim}`);
    return regressRaw(e);
  };
  return {
    id: weights.id,
    dim,
    weights,
    regress,
    score: (e, x) => clamp(fb + fr * regress(e) + fv * x.vader + fa * x.afinn + fs * x.senticon + fp * x.pattern),
    scoreLexicon: (x) => clamp(lb + lv * x.vader + la * x.afinn + ls * x.senticon + lp * x.pattern),
  };
}

/** The regressor as a function of one embedding (no dimension check; the Chinese head reuses it). */
export function compileRegressor(r: RidgeRegressor | MlpRegressor, dim: number): (e: ArrayLike<number>) => number {
  if (r.kind === 'ridge') {
    const w = Float64Array.from(r.weights);
    const b = r.intercept;
    return (e) => {
      let s = b;
      for (let i = 0; i < dim; i++) s += w[i]! * e[i]!;
      return s;
    };
  }
  const H = r.hidden;
  const W1 = Float64Array.from(r.W1);
  const b1 = Float64Array.from(r.b1);
  const W2 = Float64Array.from(r.W2);
  const b2 = r.b2;
  const z = new Float64Array(H);
  return (e) => {
    z.set(b1);
    for (let j = 0; j < dim; j++) {
      const x = e[j]!;
      if (x === 0) continue;
      const o = j * H;
      for (let h = 0; h < H; h++) z[h]! += x * W1[o + h]!;
    }
    let s = b2;
    for (let h = 0; h < H; h++) if (z[h]! > 0) s += W2[h]! * z[h]!;
    return s;
  };
}

let cached: SentimentModel | null | undefined;
/** The committed model, or null when its weights file is absent (loaded once per process). */
export function defaultSentimentModel(): SentimentModel | null {
  if (cached === undefined) cached = sentimentWeightsPresent() ? createSentimentModel() : null;
  return cached;
}

/** What the model needs from an embedder (the MiniLM `Embedder` satisfies it). */
export interface SentenceEmbedder {
  embedOne(text: string): Promise<Float32Array>;
  embed?(texts: string[]): Promise<Float32Array[]>;
}

/**
 * The first `maxEmbedded` sentences embedded (one `embed` call, or `embedOne` in sequence); an
 * all-zero vector (a stand-in embedder) comes back as `undefined`, so the caller falls back to the
 * lexicon. Shared by the English and the Chinese sentiment models.
 */
export async function embedLeadSentences(
  embedder: SentenceEmbedder,
  sentences: readonly string[],
  maxEmbedded: number,
): Promise<(Float32Array | undefined)[]> {
  return usableVectors(await embedAll(embedder, sentences.slice(0, Math.max(0, maxEmbedded))));
}

/** Texts embedded in one `embed` call (one model-host request), or `embedOne` in sequence. */
export async function embedAll(embedder: SentenceEmbedder, texts: readonly string[]): Promise<Float32Array[]> {
  if (!texts.length) return [];
  if (embedder.embed) return embedder.embed([...texts]);
  const vecs: Float32Array[] = [];
  for (const t of texts) vecs.push(await embedder.embedOne(t));
  return vecs;
}

/** An all-zero vector (a stand-in embedder) as undefined: the sentence gets the lexicon stage. */
export const usableVectors = (vecs: readonly Float32Array[]): (Float32Array | undefined)[] =>
  vecs.map((v) => (v.some((x) => x !== 0) ? v : undefined));

/**
 * Per-sentence scores of one document: the first `maxEmbedded` sentences are embedded (one
 * `embed` call, or `embedOne` in sequence) and get the fused score; the rest — and any sentence
 * whose embedding comes back all zeros (a stand-in embedder) — get the lexicon-only stage.
 * Both stages are fitted to the same target (mean human rating / 4), so their scores share a scale.
 */
export async function scoreSentences(
  model: SentimentModel,
  embedder: SentenceEmbedder,
  sentences: readonly string[],
  lexicon: readonly LexiconInput[],
  maxEmbedded: number,
): Promise<number[]> {
  if (sentences.length !== lexicon.length) throw new RangeError('one lexicon row per sentence expected');
  return scoreEmbeddedSentences(model, await embedLeadSentences(embedder, sentences, maxEmbedded), lexicon);
}

/** scoreSentences with the lead sentences' vectors already at hand (embedLeadSentences; fewer than the sentences: the rest get the lexicon stage). */
export function scoreEmbeddedSentences(
  model: SentimentModel,
  vecs: readonly (Float32Array | undefined)[],
  lexicon: readonly LexiconInput[],
): number[] {
  return lexicon.map((lex, i) => {
    const v = vecs[i];
    return v ? model.score(v, lex) : model.scoreLexicon(lex);
  });
}
