/**
 * Lexical terms: the one tokenise → lowercase → drop stop words → stem path of the project. The text
 * worker (article terms, TF-IDF keywords), the image side (caption / text-view terms), the scorers and
 * the COCO lexicon (phrases as stem sequences) all go through it, so both sides of a comparison are
 * normalised identically.
 *
 * Every function takes a `lang` (default 'en'). A language is a tokenizer, a stop-word list and a
 * stemmer (`LANGUAGES`); English is natural's AggressiveTokenizer on the NFKC-normalised lower-cased
 * text, natural's stop words, and the Porter stemmer. Chinese (`zh`, zh.ts) is jieba's words, the
 * stopwords-zh list, and no stemming (a word is its own stem). A content word has at least the
 * language's `minLength` characters (en 2, zh 1: 猫, 狗 and 车 are words), is not a stop word and is
 * not all digits. Adding a language is adding an entry.
 */
import { AggressiveTokenizer, PorterStemmer, stopwords } from './natural.ts';
import { segment, ZH_NEWS_STOP, ZH_STOP } from './zh.ts';

/** Languages with a term pipeline. */
export type Lang = 'en' | 'zh';

export interface Language {
  /** Word tokens of already lower-cased, NFKC-normalised text. */
  tokenize(lower: string): string[];
  /** Stop words (lower case). */
  stop: ReadonlySet<string>;
  /** Extra stop words for news text: reporting verbs and modal fillers that carry no topic. */
  newsStop: ReadonlySet<string>;
  stem(word: string): string;
  /** Shortest content word, in characters. */
  minLength: number;
}

const englishTokenizer = new AggressiveTokenizer();
const englishStop = new Set(stopwords);

// Porter stemming dominates term extraction; news vocabulary repeats, so memoise (bounded).
const stemCache = new Map<string, string>();
function porter(w: string): string {
  let s = stemCache.get(w);
  if (s === undefined) {
    if (stemCache.size >= 100_000) stemCache.clear();
    s = PorterStemmer.stem(w);
    stemCache.set(w, s);
  }
  return s;
}

export const LANGUAGES: Readonly<Record<Lang, Language>> = {
  en: {
    tokenize: (lower) => englishTokenizer.tokenize(lower),
    stop: englishStop,
    newsStop: new Set([...englishStop, 'said', 'says', 'told', 'would', 'could', 'also']),
    stem: porter,
    minLength: 2,
  },
  zh: {
    tokenize: segment,
    stop: ZH_STOP,
    newsStop: ZH_NEWS_STOP,
    stem: (w) => w,
    minLength: 1,
  },
};

/** The term pipeline of an article language (an ISO 639-1 code); undefined when it has none. */
export const termLanguage = (code: string | undefined): Lang | undefined =>
  code !== undefined && Object.hasOwn(LANGUAGES, code) ? (code as Lang) : undefined;

export interface Term {
  /** The stem, the matching key. */
  stem: string;
  /** The surface form (lower case), for explanations. */
  word: string;
}

export interface TermOptions {
  /** Language of the text (default 'en'). */
  lang?: Lang;
  /** 'news' also drops the newswire fillers ("said", "would", …); default: the plain stop words. */
  stop?: 'plain' | 'news';
}

/** Lower-cased word tokens of `text`, stop words included. */
export function tokenize(text: string, lang: Lang = 'en'): string[] {
  return LANGUAGES[lang].tokenize(text.normalize('NFKC').toLowerCase());
}

/** The content words of `words` (tokens from `tokenize`) with their stems, in order, with repeats. */
export function contentTerms(words: readonly string[], { lang = 'en', stop = 'plain' }: TermOptions = {}): Term[] {
  const l = LANGUAGES[lang];
  const stopSet = stop === 'news' ? l.newsStop : l.stop;
  return words.filter((w) => isContent(w, stopSet, l.minLength)).map((w) => ({ stem: l.stem(w), word: w }));
}

const isContent = (w: string, stop: ReadonlySet<string>, minLength: number): boolean =>
  w.length >= minLength && !stop.has(w) && !/^\d+$/.test(w);

/** Lower-cased word tokens and their content-word stems (order and repeats kept): TF-IDF input. */
export function wordsAndStems(text: string, options: TermOptions = {}): { words: string[]; terms: Term[] } {
  const words = tokenize(text, options.lang);
  return { words, terms: contentTerms(words, options) };
}

/** Stems of the content words in order, with repeats, so phrases ("golden retriever" → "golden retriev") match as n-grams. */
export function stemSequence(text: string, lang: Lang = 'en'): string[] {
  return contentTerms(tokenize(text, lang), { lang }).map((t) => t.stem);
}

/** Content words of `text` with their stems, in order of first appearance, without repeats (the first surface form is kept). */
export function termsOf(text: string, options: { limit?: number; lang?: Lang } = {}): Term[] {
  return termsOfWords(tokenize(text, options.lang), options);
}

/** `termsOf` for tokens already made (`tokenize`, or `wordsAndStems`' words): the text need not be segmented again. */
export function termsOfWords(words: Iterable<string>, { limit = 5000, lang = 'en' }: { limit?: number; lang?: Lang } = {}): Term[] {
  const out: Term[] = [];
  const seen = new Set<string>();
  const l = LANGUAGES[lang];
  for (const raw of words) {
    if (!isContent(raw, l.stop, l.minLength)) continue;
    const stem = l.stem(raw);
    if (seen.has(stem)) continue;
    seen.add(stem);
    out.push({ stem, word: raw });
    if (out.length >= limit) break;
  }
  return out;
}

/** The stems of `termsOf`. */
export const stemsOf = (text: string, options?: { limit?: number; lang?: Lang }): string[] => termsOf(text, options).map((t) => t.stem);
