/**
 * The words of a photo's OCR text worth matching with an article, per term pipeline (terms.ts), so
 * OCR text and article are normalised identically:
 *
 *   en  alphabetic tokens of ≥ 3 letters (short tokens are mostly recognition noise), Porter stems.
 *   zh  jieba content words (stopwords-zh dropped) of ≥ 2 Han characters (a lone recognised character
 *       is mostly noise) and Latin words of ≥ 3 letters (brand names inside Chinese text), lower case,
 *       unstemmed — the way the Chinese article's terms are made.
 */
import { stemsOf, type Lang } from './terms.ts';
import { HAN } from './zh.ts';

export const OCR_TERMS: Readonly<Record<Lang, (lines: readonly string[]) => string[]>> = {
  en: (lines) =>
    stemsOf(
      lines
        .flatMap((l) => l.split(/[^\p{L}]+/u))
        .filter((w) => w.length >= 3)
        .join(' '),
    ),
  zh: (lines) =>
    stemsOf(lines.join('\n'), { lang: 'zh' }).filter((w) => (HAN.test(w) ? w.length >= 2 : w.length >= 3 && /^\p{L}/u.test(w))),
};

/** The OCR terms of `lines` in `lang` (default English). */
export const ocrTerms = (lines: readonly string[], lang: Lang = 'en'): string[] => OCR_TERMS[lang](lines);
