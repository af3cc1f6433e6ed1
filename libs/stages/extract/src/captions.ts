/**
 * The text job's caption work (pure, given an embedder): each image's caption (or alt text) embedded
 * by the embedder of the article's language — the one that embeds the title + lead — and its best
 * cosine with one of the article's sentences; the article's entity keys and numbers. The fuse stage
 * compares these with the caption (libs/stages/fuse/src/signals.ts); the relevance evaluation runs the
 * same functions on the news set (tools/relevance/news.ts).
 */
import { ENTITY_METHOD, cleanCaption, entitiesOf, entityKeys, numbersOf, type EntityMethod } from '@newsfuse/text/captions';

/** Sentences of the article compared with each caption (the first ones: captions describe the top of a story). */
export const CAPTION_SENTENCES = 40;

export interface CaptionInput {
  index: number;
  text: string;
  source: 'caption' | 'alt';
}
export interface CaptionRecord {
  index: number;
  source: 'caption' | 'alt';
  embedding: number[];
  sentenceCos?: number;
  sentence?: number;
}

/** Embeds texts in the article's space (the embedder of the article's language). */
export type EmbedTexts = (texts: string[]) => Promise<ArrayLike<number>[]>;

/** Sentences of a text: split after . ! ? and their CJK forms, and at line breaks; words only. */
export function sentencesOf(text: string, max = CAPTION_SENTENCES): string[] {
  return text
    .split(/(?<=[.!?。！？])\s+|(?<=[。！？])|\n+/u)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s) && s.length >= 12)
    .slice(0, max);
}

const folded = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * The article's first sentences that are not part of one of its images' captions: an extracted body
 * often keeps the figure captions (Readability does), and a caption must not find itself as the
 * article's best-matching sentence — a mismatched photo's caption would match as well as a fitting one's.
 */
export function storySentences(body: string, captions: readonly Pick<CaptionInput, 'text'>[], max = CAPTION_SENTENCES): string[] {
  const texts = captions.flatMap((c) => [folded(c.text), folded(cleanCaption(c.text))]).filter((t) => t.length > 0);
  return sentencesOf(body, Infinity)
    .filter((s) => {
      const f = folded(s);
      return !texts.some((t) => t.includes(f));
    })
    .slice(0, max);
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? d / Math.sqrt(na * nb) : 0;
};
const round = (x: number) => Math.round(x * 1e5) / 1e5;

/** Caption records from precomputed caption and sentence vectors. */
export function captionRecords(
  captions: readonly CaptionInput[],
  captionVectors: readonly ArrayLike<number>[],
  sentenceVectors: readonly ArrayLike<number>[],
): CaptionRecord[] {
  return captions.map((c, i) => {
    const v = captionVectors[i]!;
    let best = -Infinity;
    let at = -1;
    sentenceVectors.forEach((s, j) => {
      const cos = dot(v, s);
      if (cos > best) {
        best = cos;
        at = j;
      }
    });
    return {
      index: c.index,
      source: c.source,
      embedding: Array.from(v, round),
      ...(at >= 0 ? { sentenceCos: Math.max(-1, Math.min(1, round(best))), sentence: at } : {}),
    };
  });
}

/** Embeds the captions (cleaned of credits) and the article's first sentences, and pairs them. */
export async function embedCaptions(embed: EmbedTexts, body: string, captions: readonly CaptionInput[]): Promise<CaptionRecord[]> {
  const usable = captions.filter((c) => cleanCaption(c.text).length > 0);
  if (usable.length === 0) return [];
  const sentences = storySentences(body, usable);
  const vectors = await embed([...usable.map((c) => cleanCaption(c.text)), ...sentences]);
  if (vectors.length !== usable.length + sentences.length) return []; // the language has no embedder
  return captionRecords(usable, vectors.slice(0, usable.length), vectors.slice(usable.length));
}

/** The article's entity keys and numbers (title + text), bounded like the event schema. */
export function articleEntities(text: string, method: EntityMethod = ENTITY_METHOD): { entities: string[]; numbers: string[] } {
  return { entities: entityKeys(entitiesOf(text, method)).slice(0, 5000), numbers: numbersOf(text).slice(0, 2000) };
}
