/**
 * The text job's caption work (pure, given an embedder): each image's caption (or alt text) embedded
 * by the embedder of the article's language — the one that embeds the title + lead — and its best
 * cosine with one of the article's sentences; the article's entity keys and numbers. The fuse stage
 * compares these with the caption (libs/stages/fuse/src/signals.ts); the relevance evaluation runs the
 * same functions on the news set (tools/relevance/news.ts).
 */
import { ENTITY_METHOD, cleanCaption, entitiesOf, entityKeys, numbersOf, type EntityMethod } from '@newsfuse/text/captions';

/**
 * Story sentences compared with each caption (`CAPTION_SENTENCES`; each is one run of the sentence
 * encoder): the story's first `CAPTION_LEAD` (captions describe the top of a story) and those of its
 * first `CAPTION_CANDIDATES` that share the most words with the caption (`chooseSentences`). Until
 * 2026-12-04 the first 40 sentences (`CAPTION_CHOICE=first`, `CAPTION_SENTENCES=40`): the choice by
 * shared words embeds 12 instead and ranks captions as well or better (docs/evaluation.md, "News
 * captions").
 */
export const CAPTION_SENTENCES = 12;
/** Sentences of the story's start always compared with a caption (`overlap` choice). */
export const CAPTION_LEAD = 4;
/** Sentences of the story the `overlap` choice picks from. */
export const CAPTION_CANDIDATES = 200;
/** `overlap`: the lead and the sentences sharing the most words with the caption; `first`: the first ones. */
export const CAPTION_CHOICES = ['overlap', 'first'] as const;
export type CaptionChoice = (typeof CAPTION_CHOICES)[number];

export interface CaptionSentenceOptions {
  /** Sentences compared with each caption (default `CAPTION_SENTENCES`). */
  max?: number;
  /** Which ones (default `overlap`; `first` also when no `stems` is given). */
  choice?: CaptionChoice;
  /** A text's word stems in the article's language (what `overlap` counts). */
  stems?: (text: string) => string[];
}

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
 * For each caption, the indices (ascending) of the `sentences` compared with it: with `first`, the
 * first `max`; with `overlap`, the first `CAPTION_LEAD` and then those sharing the most distinct stems
 * with the caption (ties: the earlier sentence). A caption's choice depends on it and the story only,
 * not on the other captions of the job.
 */
export function chooseSentences(sentences: readonly string[], captions: readonly string[], opts: CaptionSentenceOptions = {}): number[][] {
  const max = opts.max ?? CAPTION_SENTENCES;
  const first = Array.from({ length: Math.min(max, sentences.length) }, (_, i) => i);
  const stems = opts.stems;
  if ((opts.choice ?? 'overlap') === 'first' || !stems || sentences.length <= max) return captions.map(() => first);
  const words = sentences.map((s) => new Set(stems(s)));
  return captions.map((c) => {
    const own = [...new Set(stems(c))];
    return words
      .map((w, i) => ({ i, shared: i < CAPTION_LEAD ? Infinity : own.filter((x) => w.has(x)).length }))
      .sort((a, b) => b.shared - a.shared || a.i - b.i)
      .slice(0, max)
      .map((x) => x.i)
      .sort((a, b) => a - b);
  });
}

/**
 * Embeds the captions (cleaned of credits) and the story sentences chosen for them
 * (`chooseSentences`: each sentence once, whichever captions it was chosen for), and pairs each caption
 * with its best. `story` is the body without the copies of every image's caption, also those beyond
 * the ones embedded (`storyText`, or `storyAndCopies(…).story`).
 */
export async function embedCaptions(
  embed: EmbedTexts,
  story: string,
  captions: readonly CaptionInput[],
  opts: CaptionSentenceOptions = {},
): Promise<CaptionRecord[]> {
  const usable = captions.filter((c) => cleanCaption(c.text).length > 0);
  if (usable.length === 0) return [];
  const texts = usable.map((c) => cleanCaption(c.text));
  // the candidates; `chooseSentences` takes the first ones of them or those sharing words with a caption
  const sentences = sentencesOf(story, Math.max(CAPTION_CANDIDATES, opts.max ?? CAPTION_SENTENCES));
  const chosen = chooseSentences(sentences, texts, opts);
  const embedded = [...new Set(chosen.flat())].sort((a, b) => a - b);
  const vectors = await embed([...texts, ...embedded.map((i) => sentences[i]!)]);
  if (vectors.length !== usable.length + embedded.length) return []; // the language has no embedder
  const at = new Map(embedded.map((i, k) => [i, vectors[usable.length + k]!]));
  return usable.map((c, k) => {
    const own = chosen[k]!;
    const [r] = captionRecords(
      [c],
      [vectors[k]!],
      own.map((i) => at.get(i)!),
    );
    return r!.sentence === undefined ? r! : { ...r!, sentence: own[r!.sentence]! };
  });
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
