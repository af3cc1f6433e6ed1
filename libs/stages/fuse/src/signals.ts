/**
 * Relevance signals of one image against its article: pure functions of the extracted features.
 * Nothing here reads an image's URL or file name (a test holds this): only what the models saw in
 * the pixels, the caption/alt text from the article's own metadata, and the article's text.
 *
 * | signal            | range   | what it measures                                                                 |
 * |-------------------|---------|----------------------------------------------------------------------------------|
 * | caption_overlap   | 0..1    | share of the caption's content-word stems that occur in the article text (the    |
 * |                   |         | terms found only in its captions' copies in the body left out: captionVocabulary)|
 * | textview_overlap  | 0..1    | the same for the image's text view (its confident object labels + OCR text +     |
 * |                   |         | caption, as the image analyzer writes it)                                        |
 * | object_match      | 0..1    | highest detector score among the objects whose COCO label the article names: the |
 * |                   |         | label, a synonym or a WordNet hyponym of it ("golden retriever", "puppy" → dog), |
 * |                   |         | matched on the article's uni-, bi- and trigrams (libs/models/src/lexical); 0     |
 * |                   |         | when no detected object is named (or nothing was detected)                       |
 * | object_unnamed    | 0..1    | highest detector score among the objects the article does not name (0 if none):  |
 * |                   |         | negative evidence for the learned combiners ("the photo clearly shows something  |
 * |                   |         | the story never mentions")                                                       |
 * | ocr_overlap       | 0..1    | share of the OCR words (≥ 3 letters) whose stems occur in the article text;      |
 * |                   |         | absent when the photo has no readable words                                      |
 * | embed_cos         | −1..1   | cosine of MiniLM(image text view) and MiniLM(article title + lead): the two      |
 * |                   |         | modalities in one sentence-embedding space; absent when the text view is empty   |
 * | joint_cos         | −1..1   | cosine in a CLIP-style joint image–text space: the photo's and the article's     |
 * |                   |         | jointEmbedding (extract, when JOINT_EMBEDDER_DIR is set), of the same jointModel;|
 * |                   |         | absent otherwise                                                                 |
 *
 * Objects come down to extract's IMAGE_OBJECT_MIN_SCORE (0.05), so object_match and object_unnamed see
 * weak detections too, each counting by its score; the text view names only objects ≥ 0.3.
 *
 * Caption signals (CAPTION_SIGNAL_NAMES): the image's caption, or its alt text when it has none
 * (`captionSource`), against the article. Caption stop words ("image", "photograph", "new", "getty", …:
 * libs/text/src/captions.ts) and credits never count as evidence.
 *
 * | signal                  | range | what it measures                                                       |
 * |-------------------------|-------|------------------------------------------------------------------------|
 * | caption_title_cos       | −1..1 | cosine of the caption and the title + lead, both embedded by the       |
 * |                         |       | embedder of the article's language (extract's text job)                |
 * | caption_sentence_cos    | −1..1 | the same with the article's best-matching sentence                     |
 * | caption_entity_overlap  | 0..1  | share of the caption's named entities (people, places, organisations)  |
 * |                         |       | that the article names; absent when the caption names none             |
 * | caption_number_overlap  | 0..1  | share of its numbers and dates (years, months, figures) in the article |
 * | caption_alt             | 0/1   | 1 when the text is the alt text (no caption), 0 for a caption          |
 * | caption_objects_missing | 0..1  | share of the objects the caption names (COCO labels, via the WordNet   |
 * |                         |       | table) that the detector does not see (score ≥ 0.3); analysed images   |
 * | caption_objects_unnamed | 0..1  | share of the objects seen (≥ 0.3) that the caption does not name       |
 * | caption_people_gap      | 0..1  | |people the caption names − people seen| / the larger, people seen =    |
 * |                         |       | max(faces, person detections ≥ 0.3); analysed images                   |
 *
 * A signal that does not apply is absent (never NaN). Failed images get the text-only caption
 * signals (caption_overlap, the cosines, entities, numbers, caption_alt). A caption that describes
 * nothing (a credit, a file name, boilerplate: `describingCaption`) counts as no caption.
 */
import { type ImageFeatures, type ImageFeaturesOk, type TextFeatures } from '@newsfuse/shared/events';
import { stemsOf, termLanguage, type Lang } from '@newsfuse/text/terms';
import { ocrTerms } from '@newsfuse/text/ocr';
import {
  captionStems,
  ENTITY_METHOD,
  entitiesOf,
  describingText,
  entityOverlap,
  numberOverlap,
  numbersOf,
  peopleCount,
  type EntityMethod,
} from '@newsfuse/text/captions';
import { type CocoLabel, type CocoMention } from '@newsfuse/models/lexical/coco';
import { OBJECT_LEXICONS, objectLexiconFor, type ObjectLexicon } from '@newsfuse/models/lexical/object-lexicons';
import { languageGap, ocrLines, textLanguage, textViewGap } from './language-gaps.ts';
import { CONFIDENT_OBJECT_SCORE } from '@newsfuse/shared/events';
import { cosineOf } from '@newsfuse/models/math';

export const SIGNAL_NAMES = [
  'caption_overlap',
  'textview_overlap',
  'object_match',
  'object_unnamed',
  'ocr_overlap',
  'embed_cos',
  'joint_cos',
] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];
export const CAPTION_SIGNAL_NAMES = [
  'caption_overlap',
  'caption_title_cos',
  'caption_sentence_cos',
  'caption_entity_overlap',
  'caption_number_overlap',
  'caption_alt',
  'caption_objects_missing',
  'caption_objects_unnamed',
  'caption_people_gap',
] as const;
export type Signals = Partial<Record<string, number>>;

/** What the signals need of the article, computed once per article. */
export interface ArticleView {
  /** The article's language (the text worker's decision); undefined when its text failed. */
  language?: string | undefined;
  /** The term pipeline its `vocabulary` was made with (English for a language without one). */
  lang?: Lang;
  /** Its object table (the English one for a language without one). */
  lexicon?: ObjectLexicon;
  vocabulary: ReadonlySet<string>;
  /**
   * The article's terms a caption is compared with: `vocabulary` without the terms found only in its
   * images' captions' copies in the body (TextFeatures.captionOnlyTerms), so a caption does not match
   * itself. (The entities and numbers come without those copies already.)
   */
  captionVocabulary?: ReadonlySet<string>;
  mentions: Map<CocoLabel, CocoMention[]>;
  embedding: number[] | undefined;
  joint: { vector: number[]; model: string | undefined } | undefined;
  /** Entity keys and numbers of the article (absent in events from before the caption signals). */
  entities: ReadonlySet<string> | undefined;
  numbers: ReadonlySet<string> | undefined;
  /** Caption embeddings and best-sentence cosines by image index. */
  captions: ReadonlyMap<number, NonNullable<TextFeatures['captions']>[number]>;
}

/** The article's words: its language, its term pipeline (English for a language without one), its terms and its caption vocabulary. */
export function articleWordsOf(text: TextFeatures | undefined) {
  return {
    language: text?.language,
    lang: termLanguage(text?.language) ?? 'en',
    vocabulary: new Set(text?.terms ?? []),
    captionVocabulary: captionVocabularyOf(text),
  } satisfies ArticleWords;
}

export function articleView(title: string | undefined, text: TextFeatures | undefined): ArticleView {
  const words = articleWordsOf(text);
  // the article's language picks its term pipeline and object table (English for a language without one)
  const lexicon = OBJECT_LEXICONS[words.lang];
  return {
    ...words,
    lexicon,
    mentions: text ? lexicon.article(title, text.terms) : new Map(),
    embedding: text?.embedding,
    joint: text?.jointEmbedding ? { vector: text.jointEmbedding, model: text.jointModel } : undefined,
    entities: text?.entities ? new Set(text.entities) : undefined,
    numbers: text?.numbers ? new Set(text.numbers) : undefined,
    captions: new Map((text?.captions ?? []).map((c) => [c.index, c])),
  };
}

const isPerson = (label: string) => label === 'person';

/** The caption signals of one image (see the second table above); {} when it has no caption. */
export function captionSignals(img: ImageFeatures, article: ArticleView, method: EntityMethod = ENTITY_METHOD): Record<string, number> {
  const s: Record<string, number> = {};
  const caption = describingCaption(img);
  if (!caption) return s;
  // a caption in another language than the article's is not compared with its words or sentence
  // space (language-gaps.ts); numbers and the objects it names still are
  const gap = languageGap(caption, article.language);
  const overlap = gap ? undefined : captionOverlapOf(caption, article);
  if (overlap !== undefined) s.caption_overlap = overlap;
  s.caption_alt = img.captionSource === 'alt' ? 1 : 0;
  const embedded = gap ? undefined : article.captions.get(img.index);
  if (embedded) {
    const c = article.embedding ? cosine(embedded.embedding, article.embedding) : undefined;
    if (c !== undefined) s.caption_title_cos = c;
    if (embedded.sentenceCos !== undefined) s.caption_sentence_cos = embedded.sentenceCos;
  }
  if (article.entities && !gap) {
    const e = entityOverlap(entitiesOf(caption, method), article.entities);
    if (e !== undefined) s.caption_entity_overlap = e;
  }
  if (article.numbers) {
    const n = numberOverlap(numbersOf(caption), article.numbers);
    if (n !== undefined) s.caption_number_overlap = n;
  }
  if (img.status !== 'ok') return s;
  // objects the caption names vs the objects seen
  const captionLexicon = (gap ? objectLexiconFor(gap) : article.lexicon) ?? OBJECT_LEXICONS.en;
  const named = captionLexicon.labelsIn(gap ? textLanguage(caption, article.language).text : caption) as string[];
  const seen = new Set(img.objects.filter((o) => o.score >= CONFIDENT_OBJECT_SCORE).map((o) => o.label));
  if (named.length > 0) s.caption_objects_missing = named.filter((l) => !seen.has(l)).length / named.length;
  if (seen.size > 0) s.caption_objects_unnamed = [...seen].filter((l) => !named.includes(l)).length / seen.size;
  const people = peopleCount(caption);
  const persons = Math.max(img.faces.length, img.objects.filter((o) => isPerson(o.label) && o.score >= CONFIDENT_OBJECT_SCORE).length);
  if (people !== undefined) s.caption_people_gap = Math.abs(people - persons) / Math.max(people, persons);
  return s;
}

/**
 * The image's caption (or alt text) once credits and markup are cut, when it describes anything
 * (`isDescriptive(caption, 1)`: a content word at least, and more than one token); undefined
 * otherwise. A credit-only, file-name or boilerplate caption ("Photo: Getty", "update_graphic_red_bar",
 * "Nintendo/Apple") leaves the image in the no-caption regime, and fusion says so (`missing.caption`:
 * CAPTION_NOT_DESCRIPTIVE). (The news evaluation pairs only captions of ≥ 3 content words.)
 */
export function describingCaption(img: Pick<ImageFeatures, 'caption'>): string | undefined {
  return describingText(img.caption);
}

export const CAPTION_NOT_DESCRIPTIVE = 'CAPTION_NOT_DESCRIPTIVE';

type ArticleWords = Pick<ArticleView, 'language' | 'lang' | 'vocabulary' | 'captionVocabulary'>;

/** The article's terms without those found only in its captions' copies in the body (`ArticleView.captionVocabulary`). */
export function captionVocabularyOf(text: Pick<TextFeatures, 'terms' | 'captionOnlyTerms'> | undefined): ReadonlySet<string> {
  const left = new Set(text?.captionOnlyTerms ?? []);
  return new Set((text?.terms ?? []).filter((t) => !left.has(t)));
}

/**
 * Share of a (cleaned) caption's content words in the article's (its `captionVocabulary`, else all its
 * terms), on the article language's terms (same-language captions).
 */
export function captionOverlapOf(caption: string, article: ArticleWords): number | undefined {
  return coverage(
    captionStems(textLanguage(caption, article.language).text, article.lang ?? 'en'),
    article.captionVocabulary ?? article.vocabulary,
  );
}

/**
 * Share of the text view's words in the article's, on the article language's terms; undefined when
 * there is nothing to compare or the view is in another language than the article's (an English view
 * from before views were rendered in the article's language).
 */
export function textViewOverlapOf(img: ImageFeaturesOk, article: ArticleWords): number | undefined {
  if (textViewGap(img, article.language)) return undefined;
  return coverage(stemsOf(img.textView, { lang: article.lang ?? 'en' }), article.vocabulary);
}

/** Share of `stems` found in `vocabulary`; undefined when there is nothing to compare. */
export function coverage(stems: string[], vocabulary: ReadonlySet<string>): number | undefined {
  if (stems.length === 0) return undefined;
  let hit = 0;
  for (const s of stems) if (vocabulary.has(s)) hit++;
  return hit / stems.length;
}

export const cosine = (a: readonly number[], b: readonly number[]): number | undefined => cosineOf(a, b);

/**
 * The OCR words worth matching, by the term pipeline of `lang` (@newsfuse/text/ocr; English:
 * alphabetic tokens of ≥ 3 letters); with `language`, only the lines in that language (language-gaps.ts).
 */
export function ocrStems(img: ImageFeaturesOk, lang: Lang = 'en', language?: string): string[] {
  return ocrTerms(language ? ocrLines(img, language).same : img.ocr.map((l) => l.text), lang);
}

/** The objects the article names (via the WordNet → COCO table), best detector score first. */
export function matchedObjects(img: ImageFeaturesOk, article: ArticleView): { label: string; score: number; via: CocoMention[] }[] {
  const out: { label: string; score: number; via: CocoMention[] }[] = [];
  for (const o of img.objects) {
    const via = article.mentions.get(o.label as CocoLabel);
    if (via && !out.some((m) => m.label === o.label)) out.push({ label: o.label, score: o.score, via });
    else if (via) {
      const m = out.find((x) => x.label === o.label)!;
      m.score = Math.max(m.score, o.score);
    }
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * Further object evidence, measured as candidate hybrid inputs by the relevance evaluation and not
 * used by the strategies (none moved the cross-validated AUC beyond noise: docs/evaluation.md, "Other
 * cheap object signals"). Over the detections whose label the article names:
 * object_match_any   1 − Π(1 − score): several weak detections of a named label add up
 * object_match_area  box area (0..1 of the image) of the best one
 * object_match_count how many there are
 * object_match_rel   the best one's score over the image's top detection score (is it the main object?)
 */
export function objectEvidence(img: ImageFeaturesOk, article: ArticleView): Record<string, number> {
  const named = img.objects.filter((o) => article.mentions.has(o.label as CocoLabel));
  let none = 1;
  for (const o of named) none *= 1 - o.score;
  const best = named.reduce<(typeof named)[number] | undefined>((a, o) => (!a || o.score > a.score ? o : a), undefined);
  const top = Math.max(0, ...img.objects.map((o) => o.score));
  return {
    object_match_any: 1 - none,
    object_match_area: best ? best.box[2]! * best.box[3]! : 0,
    object_match_count: named.length,
    object_match_rel: best && top > 0 ? best.score / top : 0,
  };
}

/** The signals of one image (see the table above). */
export function imageSignals(img: ImageFeatures, article: ArticleView): Record<string, number> {
  const s: Record<string, number> = captionSignals(img, article);
  if (img.status !== 'ok') return s;
  const lang = article.lang ?? 'en';
  const view = textViewOverlapOf(img, article);
  if (view !== undefined) s.textview_overlap = view;
  s.object_match = matchedObjects(img, article)[0]?.score ?? 0;
  s.object_unnamed = Math.max(0, ...img.objects.filter((o) => !article.mentions.has(o.label as CocoLabel)).map((o) => o.score));
  // only the OCR lines in the article's language are compared (language-gaps.ts)
  const ocr = coverage(ocrStems(img, lang, article.language), article.vocabulary);
  if (ocr !== undefined) s.ocr_overlap = ocr;
  if (img.embedding && article.embedding) {
    const c = cosine(img.embedding, article.embedding);
    if (c !== undefined) s.embed_cos = c;
  }
  // both sides from the same joint model (vectors of different models are not comparable)
  if (img.jointEmbedding && article.joint && (img.jointModel ?? article.joint.model) === (article.joint.model ?? img.jointModel)) {
    const c = cosine(img.jointEmbedding, article.joint.vector);
    if (c !== undefined) s.joint_cos = c;
  }
  return s;
}

/** Article-level value of each signal: the best image's. */
export function bestOf(perImage: readonly { signals: Record<string, number> }[], names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of names) {
    const values = perImage.map((p) => p.signals[name]).filter((v): v is number => v !== undefined);
    if (values.length > 0) out[name] = Math.max(...values);
  }
  return out;
}
