/**
 * Fusion strategies. Each maps the joined features to named signals, per image and per article.
 * `baseline` is lexical: the share of an image's caption (and, when the image was analysed, its text
 * view) terms that also occur in the article text.
 */
import { stemsOf, type FuseJobData, type ImageFeatures, type TextFeatures } from '@newsfuse/shared';

export interface FusionInput {
  article: FuseJobData['article'];
  text: TextFeatures | undefined;
  images: ImageFeatures[];
}
export interface FusionOutput {
  perImage: { index: number; signals: Record<string, number> }[];
  signals: Record<string, number>;
}
export type Strategy = (input: FusionInput) => FusionOutput;

/** Share of `stems` found in `vocabulary`; undefined when there is nothing to compare. */
export function coverage(stems: string[], vocabulary: ReadonlySet<string>): number | undefined {
  if (stems.length === 0) return undefined;
  let hit = 0;
  for (const s of stems) if (vocabulary.has(s)) hit++;
  return hit / stems.length;
}

export const baseline: Strategy = ({ text, images }) => {
  const vocabulary = new Set(text?.terms ?? []);
  const perImage = images.map((img) => {
    const signals: Record<string, number> = {};
    const caption = coverage(stemsOf(img.caption ?? ''), vocabulary);
    if (caption !== undefined) signals.caption_overlap = caption;
    if (img.status === 'ok') {
      const view = coverage(stemsOf(img.textView), vocabulary);
      if (view !== undefined) signals.textview_overlap = view;
    }
    return { index: img.index, signals };
  });
  const best = (name: string) => Math.max(...perImage.map((p) => p.signals[name] ?? -1));
  const signals: Record<string, number> = {};
  for (const name of ['caption_overlap', 'textview_overlap']) {
    const b = best(name);
    if (b >= 0) signals[name] = b;
  }
  return { perImage, signals };
};

export const strategies = { baseline } satisfies Record<string, Strategy>;
export type StrategyName = keyof typeof strategies;
export const STRATEGY_NAMES = Object.keys(strategies) as StrategyName[];
