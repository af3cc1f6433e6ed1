/**
 * Mixed-language pairs: a caption or OCR text in another language than its article's (an English
 * caption on a Chinese article, Chinese text in a photo of an English one).
 *
 * The text's language is decided the way an article's is (`resolveLanguage`: its script first, the
 * article's language as the declared hint), so a Latin-script caption on an English article is
 * English and nothing changes for same-language pairs. When the languages differ, the signals that
 * compare the text with the article's words or sentence space cannot be computed — each language has
 * its own terms (Porter stems, jieba words) and its own embedder (MiniLM 384-d, bge-small-zh 512-d),
 * and no cross-lingual model is available — so they are absent, never 0, and the image's fusion output
 * says why (`missing`: signal → LANGUAGE_MISMATCH message). The combiners read an absent signal as
 * missing (its `has:` feature is 0), as for an image without a caption. What does not depend on the
 * language is kept: numbers and dates, and the objects the caption names (read with the caption's own
 * language's object table) against the objects seen.
 */
import type { ImageFeatures } from '@newsfuse/shared/events';
import { analysisText, resolveLanguage } from '@newsfuse/text/language';
import { describingText } from '@newsfuse/text/captions';
import { termLanguage } from '@newsfuse/text/terms';

export const LANGUAGE_MISMATCH = 'LANGUAGE_MISMATCH';

/** Caption signals that compare the caption with the article's words or sentence space. */
export const CROSS_LANGUAGE_CAPTION_SIGNALS = [
  'caption_overlap',
  'caption_title_cos',
  'caption_sentence_cos',
  'caption_entity_overlap',
] as const;

export interface TextLanguage {
  /** ISO 639-1 code of the text. */
  language: string;
  /** The text in its analysis form (Traditional Chinese converted to Simplified). */
  text: string;
}

/** The language of a caption or OCR text on an article in `articleLanguage`. */
export function textLanguage(text: string, articleLanguage: string | undefined): TextLanguage {
  const key = `${articleLanguage ?? ''}\t${text}`;
  let r = memo.get(key);
  if (!r) {
    const d = resolveLanguage({ declared: articleLanguage, title: text });
    r = { language: d.language, text: analysisText(d, text) };
    if (memo.size >= 10_000) memo.clear();
    memo.set(key, r);
  }
  return r;
}
// the same captions and OCR texts are read by every strategy (and, in the evaluation, every pair)
const memo = new Map<string, TextLanguage>();

/** The text's language when it differs from the article's (undefined: same language, or nothing to compare). */
export function languageGap(text: string, articleLanguage: string | undefined): string | undefined {
  if (!articleLanguage || !/[\p{L}]/u.test(text)) return undefined;
  const { language } = textLanguage(text, articleLanguage);
  return language === articleLanguage ? undefined : language;
}

const message = (what: string, lang: string, article: string) =>
  `${LANGUAGE_MISMATCH}: the ${what} is ${lang}, the article ${article}; their words and sentence spaces are not comparable`;

/** The language of an analysed image's text view: the one it was rendered in, else the analyzer's (English). */
export const textViewLanguage = (img: ImageFeatures): string | undefined =>
  img.status === 'ok' && img.textView.trim() ? (img.textViewLanguage ?? 'en') : undefined;

/**
 * The text view's language when it differs from the article's and the article's language has a term
 * pipeline (an English view from before views were rendered in the article's language); undefined otherwise.
 */
export function textViewGap(img: ImageFeatures, articleLanguage: string | undefined): string | undefined {
  const view = textViewLanguage(img);
  return view && termLanguage(articleLanguage) && view !== articleLanguage ? view : undefined;
}

/**
 * The OCR lines of an analysed image in the article's language (in their analysis form), and the
 * language of the others. Lines are read one by one: a photo of a Chinese street can carry an English
 * sign, and a line with no letters (a number) belongs to every language.
 */
export function ocrLines(img: ImageFeatures, articleLanguage: string | undefined): { same: string[]; other: string | undefined } {
  const same: string[] = [];
  let other: string | undefined;
  for (const l of img.status === 'ok' ? img.ocr : []) {
    if (!articleLanguage || !/[\p{L}]/u.test(l.text)) {
      same.push(l.text);
      continue;
    }
    const t = textLanguage(l.text, articleLanguage);
    if (t.language === articleLanguage) same.push(t.text);
    else other ??= t.language;
  }
  return { same, other };
}

/** The language of the photo's text when none of its lines is in the article's language (undefined otherwise). */
export function ocrLanguageGap(img: ImageFeatures, articleLanguage: string | undefined): string | undefined {
  const { same, other } = ocrLines(img, articleLanguage);
  return other && !same.some((l) => /[\p{L}]/u.test(l)) ? other : undefined;
}

/**
 * Why signals of one image are absent because of a language gap: signal → message. Empty when the
 * caption and the OCR text are in the article's language (or there are none). A caption that
 * describes nothing (`describingText`: a credit, a file name) is no caption here either.
 */
export function languageGaps(img: ImageFeatures, articleLanguage: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const caption = describingText(img.caption);
  const cap = caption ? languageGap(caption, articleLanguage) : undefined;
  if (cap) for (const s of CROSS_LANGUAGE_CAPTION_SIGNALS) out[s] = message('caption', cap, articleLanguage!);
  const ocr = ocrLanguageGap(img, articleLanguage);
  if (ocr) out.ocr_overlap = message('text in the photo', ocr, articleLanguage!);
  const view = textViewGap(img, articleLanguage);
  if (view) out.textview_overlap = message("image's text view", view, articleLanguage!);
  return out;
}
