/**
 * Fusion strategies. Each maps the joined features to named signals, per image and per article, and
 * a `relevance` signal in [0, 1] (higher = the photo more likely shows what the article is about)
 * that score calibrates. The signals themselves are defined in signals.ts.
 *
 * - `baseline` (lexical): the share of an image's caption (and, when the image was analysed, its
 *   text view) terms that also occur in the article text. relevance = textview_overlap, else
 *   caption_overlap.
 * - `early` (feature-level): both modalities projected into one space and compared there: the joint
 *   CLIP-style space when the extract stage has a joint embedder (joint_cos), else the sentence-embedding space where the image
 *   is its text view (embed_cos). relevance = max(0, cosine); 0 for an analysed image with nothing
 *   in its text view (no object, no readable text, no caption: nothing to compare).
 * - `late` (model-level): one score per modality — detector (object_match), OCR (ocr_overlap),
 *   caption (caption_overlap) — combined four ways: weighted sum (late_wsum, fixed prior weights,
 *   over the modalities present), mean (late_mean), max (late_max) and a learned logistic combiner
 *   (late_learned, which also sees the detector's negative evidence object_unnamed).
 *   relevance = late_learned.
 * - `hybrid`: a learned combiner (fusion-weights.json) over the early similarities and the late
 *   per-modality scores. relevance = its probability. Two regimes: without a caption, that; with a
 *   caption (or alt text) and a caption model in the weights, the caption model's logit is added to
 *   the hybrid's learned logit, without the hybrid's fixed caption coefficient (`caption_regime` = 1 in
 *   the image's signals; score calibrates it with the regime's calibrator); a failed image gets `caption_relevance`, its
 *   caption model's probability alone.
 *
 * The learned weights come from scripts/train-fusion.ts; `createStrategies(weights)` lets the
 * evaluation run the same code with weights fitted on its training folds only.
 */
import { type ImageFeatures, type ImageFeaturesOk, type TextFeatures } from '@newsfuse/shared/events';
import { type FuseJobData } from '@newsfuse/shared/jobs';
import { cleanCaption } from '@newsfuse/text/captions';
import { combine, learnedLogitOf, logitOf, type FusionWeights } from './combiner.ts';
import { sigmoid } from '@newsfuse/models/math';
import {
  articleView,
  articleWordsOf,
  bestOf,
  CAPTION_NOT_DESCRIPTIVE,
  captionOverlapOf,
  describingCaption,
  imageSignals as baseImageSignals,
  SIGNAL_NAMES,
  textViewOverlapOf,
  type ArticleView,
} from './signals.ts';
import { languageGap, languageGaps } from './language-gaps.ts';

export { coverage } from './signals.ts';

export interface FusionInput {
  article: Pick<FuseJobData['article'], 'title'> & Partial<FuseJobData['article']>;
  text: TextFeatures | undefined;
  images: ImageFeatures[];
}
export interface FusionOutput {
  /** `missing`: signals left out for a reason (LANGUAGE_MISMATCH, language-gaps.ts), name → why. */
  perImage: { index: number; signals: Record<string, number>; missing?: Record<string, string> }[];
  signals: Record<string, number>;
}
export type Strategy = (input: FusionInput) => FusionOutput;

export const baseline: Strategy = ({ text, images }) => {
  // the article's words on its language's term pipeline (English for a language without one)
  const article = articleWordsOf(text);
  const perImage = images.map((img) => {
    const signals: Record<string, number> = {};
    const cleaned = describingCaption(img);
    const caption = cleaned && !languageGap(cleaned, article.language) ? captionOverlapOf(cleaned, article) : undefined;
    if (caption !== undefined) signals.caption_overlap = caption;
    if (img.status === 'ok') {
      const view = textViewOverlapOf(img, article);
      if (view !== undefined) signals.textview_overlap = view;
      const rel = signals.textview_overlap ?? signals.caption_overlap;
      if (rel !== undefined) signals.relevance = rel;
    }
    return { index: img.index, signals, ...missingOf(img, article.language) };
  });
  const best = (name: string) => Math.max(...perImage.map((p) => p.signals[name] ?? -1));
  const signals: Record<string, number> = {};
  for (const name of ['caption_overlap', 'textview_overlap', 'relevance']) {
    const b = best(name);
    if (b >= 0) signals[name] = b;
  }
  return { perImage, signals };
};

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/**
 * `{ missing }` when signals of the image are absent for a reason, else nothing: a language gap
 * (language-gaps.ts), or a caption that describes nothing (CAPTION_NOT_DESCRIPTIVE: the image is scored
 * as one without a caption).
 */
function missingOf(img: ImageFeatures, language: string | undefined): { missing?: Record<string, string> } {
  const gaps = languageGaps(img, language);
  const cleaned = cleanCaption(img.caption ?? '');
  if (cleaned && !describingCaption(img))
    gaps.caption = `${CAPTION_NOT_DESCRIPTIVE}: the caption "${cleaned.slice(0, 80)}" is a credit, a file name or boilerplate; the image is scored as one without a caption`;
  return Object.keys(gaps).length > 0 ? { missing: gaps } : {};
}

/** Late combiners over the per-modality scores present for an image. */
export function lateScores(s: Record<string, number>, weights: FusionWeights): Record<string, number> {
  const modalities = ['object_match', 'ocr_overlap', 'caption_overlap'].filter((m) => s[m] !== undefined);
  if (modalities.length === 0) return {};
  const values = modalities.map((m) => clamp01(s[m]!));
  let wsum = 0;
  let wtot = 0;
  modalities.forEach((m, i) => {
    const w = weights.lateWeights[m] ?? 0;
    wsum += w * values[i]!;
    wtot += w;
  });
  return {
    late_wsum: wtot > 0 ? wsum / wtot : 0,
    late_mean: values.reduce((a, b) => a + b, 0) / values.length,
    late_max: Math.max(...values),
    late_learned: combine(weights.late, s),
  };
}

/** Early (feature-level) relevance: the shared-space similarity. */
export function earlyRelevance(s: Record<string, number>): number {
  return clamp01(s.joint_cos ?? s.embed_cos ?? 0);
}

function run(input: FusionInput, perImageSignals: (img: ImageFeatures, view: ArticleView) => Record<string, number>): FusionOutput {
  const view = articleView(input.article.title, input.text);
  const perImage = input.images.map((img) => ({ index: img.index, signals: perImageSignals(img, view), ...missingOf(img, view.language) }));
  const names = [...new Set(perImage.flatMap((p) => Object.keys(p.signals)))];
  return { perImage, signals: bestOf(perImage, names) };
}

/** Signals added to every analysed image's (the evaluation measures candidate signals this way). */
export type ExtraSignals = (img: ImageFeaturesOk, view: ArticleView) => Record<string, number>;

/**
 * The with-caption regime's relevance: the hybrid's learned image-side logit (its fixed caption
 * coefficient, a stand-in from before the news set, left out) plus the caption model's logit.
 */
export function captionedRelevance(weights: FusionWeights, s: Record<string, number>): number {
  return sigmoid(learnedLogitOf(weights.hybrid, s) + logitOf(weights.caption!, s));
}

export function createStrategies(weights: FusionWeights, extra?: ExtraSignals) {
  const imageSignals = (img: ImageFeatures, view: ArticleView) => {
    const s = baseImageSignals(img, view);
    return extra && img.status === 'ok' ? Object.assign(s, extra(img, view)) : s;
  };
  const early: Strategy = (input) =>
    run(input, (img, view) => {
      const s = imageSignals(img, view);
      if (img.status === 'ok') s.relevance = earlyRelevance(s);
      return s;
    });
  const late: Strategy = (input) =>
    run(input, (img, view) => {
      const s = imageSignals(img, view);
      if (img.status !== 'ok') return s;
      Object.assign(s, lateScores(s, weights));
      s.relevance = s.late_learned ?? 0;
      return s;
    });
  const hybrid: Strategy = (input) =>
    run(input, (img, view) => {
      const s = imageSignals(img, view);
      const captioned = weights.caption !== undefined && s.caption_alt !== undefined;
      if (captioned) s.caption_regime = 1;
      if (img.status !== 'ok') {
        // the photo could not be analysed: what its caption alone says (score leaves an unseen photo unscored)
        if (captioned) s.caption_relevance = sigmoid(logitOf(weights.caption!, s));
        return s;
      }
      Object.assign(s, lateScores(s, weights));
      s.relevance = captioned ? captionedRelevance(weights, s) : combine(weights.hybrid, s);
      return s;
    });
  return { baseline, early, late, hybrid } satisfies Record<string, Strategy>;
}

export type Strategies = ReturnType<typeof createStrategies>;
export type StrategyName = keyof Strategies;
export const STRATEGY_NAMES: readonly StrategyName[] = ['baseline', 'early', 'late', 'hybrid'];
/** The strategy that won the relevance evaluation (docs/evaluation.md). */
export const DEFAULT_STRATEGY: StrategyName = 'hybrid';
export { SIGNAL_NAMES };
