/**
 * The text job's caption work (pure, given an embedder): each image's caption (or alt text) embedded
 * by the embedder of the article's language — the one that embeds the title + lead — and its best
 * cosine with one of the article's sentences; the article's entity keys and numbers. The fuse stage
 * compares these with the caption (libs/stages/fuse/src/signals.ts); the relevance evaluation runs the
 * same functions on the news set (tools/relevance/news.ts).
 */
import { ENTITY_METHOD, cleanCaption, entitiesOf, entityKeys, numbersOf, type EntityMethod } from '@newsfuse/text/captions';

/**
 * Sentences of the article compared with each caption by default (the first ones: captions describe
 * the top of a story). Each is one run of the sentence encoder: the setting `CAPTION_SENTENCES`
 * (`ExtractorDeps.captionSentences`) trades them against the text job's CPU (docs/evaluation.md).
 */
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

const SENTENCE_BREAK = /(?<=[.!?。！？])\s+|(?<=[。！？])|\n+/u;
/** Shortest sentence compared with a caption (shorter pieces are datelines, credits, stray words). */
const MIN_SENTENCE = 12;

/** Sentences of a text: split after . ! ? and their CJK forms, and at line breaks; words only. */
export function sentencesOf(text: string, max = CAPTION_SENTENCES): string[] {
  return text
    .split(SENTENCE_BREAK)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s) && s.length >= MIN_SENTENCE)
    .slice(0, max);
}

const folded = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * The article's text without its images' captions: an extracted body often keeps the figure captions
 * (Readability does), and a caption must not find itself in the article — a mismatched photo's caption
 * would match as well as a fitting one's. A piece of the body (split as `sentencesOf` splits) is a
 * caption's copy when it occurs in a caption (as written or cleaned of credits) and is a sentence
 * (≥ 12 characters) or the whole caption; shorter pieces (a dateline, "Reuters") stay. One rule for
 * every caption signal: the best-sentence search (`storySentences`) and the article's words, entities
 * and numbers the caption is compared with (`captionComparands`).
 */
export function storyText(body: string, captions: readonly Pick<CaptionInput, 'text'>[]): string {
  return storyAndCopies(body, captions).story;
}

const SENTENCE_PIECES = new RegExp(`(${SENTENCE_BREAK.source})`, 'u');

/** The body split by its images' captions: the story (`storyText`) and the copies it leaves out. */
export interface StoryParts {
  /** `storyText`: the body without the captions' copies, its own separators kept. */
  story: string;
  /** The pieces left out (the captions' copies), a line each. */
  copies: string;
}

/** `storyText` and the pieces it leaves out; the text job splits its body once and passes the parts on. */
export function storyAndCopies(body: string, captions: readonly Pick<CaptionInput, 'text'>[]): StoryParts {
  const texts = [...new Set(captions.flatMap((c) => [folded(c.text), folded(cleanCaption(c.text))]))].filter((t) => t.length > 0);
  if (texts.length === 0) return { story: body, copies: '' };
  const parts = body.split(SENTENCE_PIECES); // piece, separator, piece, …
  let story = '';
  const copies: string[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const s = parts[i]!.trim();
    const f = folded(s);
    if (f.length > 0 && texts.some((t) => (s.length >= MIN_SENTENCE && t.includes(f)) || t === f)) copies.push(s);
    else story += parts[i]! + (parts[i + 1] ?? '');
  }
  return { story: copies.length === 0 ? body : story, copies: copies.join('\n') };
}

/** The article's first sentences that are not part of one of its images' captions (`storyText`). */
export function storySentences(body: string, captions: readonly Pick<CaptionInput, 'text'>[], max = CAPTION_SENTENCES): string[] {
  return sentencesOf(storyText(body, captions), max);
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

/**
 * Embeds the captions (cleaned of credits) and the first `maxSentences` sentences of `story`, and
 * pairs them. `story` is the body without the copies of every image's caption, also those beyond the
 * ones embedded (`storyText`, or `storyAndCopies(…).story`).
 */
export async function embedCaptions(
  embed: EmbedTexts,
  story: string,
  captions: readonly CaptionInput[],
  maxSentences = CAPTION_SENTENCES,
): Promise<CaptionRecord[]> {
  const usable = captions.filter((c) => cleanCaption(c.text).length > 0);
  if (usable.length === 0) return [];
  const sentences = sentencesOf(story, maxSentences);
  const vectors = await embed([...usable.map((c) => cleanCaption(c.text)), ...sentences]);
  if (vectors.length !== usable.length + sentences.length) return []; // the language has no embedder
  return captionRecords(usable, vectors.slice(0, usable.length), vectors.slice(usable.length));
}

/** The article's entity keys and numbers (title + text), bounded like the event schema. */
export function articleEntities(text: string, method: EntityMethod = ENTITY_METHOD): { entities: string[]; numbers: string[] } {
  return { entities: entityKeys(entitiesOf(text, method)).slice(0, 5000), numbers: numbersOf(text).slice(0, 2000) };
}

/**
 * What the fuse stage compares a caption's words, entities and numbers with: the article's entities
 * and numbers of the title + `story` (the body without its images' captions, `storyAndCopies`), and
 * the article's terms that occur in those captions' `copies` and nowhere else (`captionOnlyTerms`,
 * left out of caption_overlap; the other lexical signals keep every term). `terms` are the article's
 * terms of title + body; `stems` is their term pipeline, run on the copies and on the story. (A term
 * pipeline that reads another text than the job's — Traditional Chinese is analysed in Simplified —
 * finds no copy's term among `terms`, and leaves them all.)
 */
export function captionComparands(
  article: StoryParts & { title: string; terms: readonly string[] },
  stems: (text: string) => string[],
  method: EntityMethod = ENTITY_METHOD,
): { entities: string[]; numbers: string[]; captionOnlyTerms: string[] } {
  const { story, copies } = article;
  const { entities, numbers } = articleEntities(`${article.title}\n${story}`, method);
  if (copies.length === 0 || article.terms.length === 0) return { entities, numbers, captionOnlyTerms: [] };
  const inCopies = new Set(stems(copies));
  const kept = new Set(stems(`${article.title}\n${story}`));
  return { entities, numbers, captionOnlyTerms: article.terms.filter((t) => inCopies.has(t) && !kept.has(t)) };
}
