/**
 * Caption text: what a news photo's caption (or, when it has none, its alt text) says, in the forms the
 * fuse stage compares with the article — content stems without the words every caption carries, named
 * entities, numbers and dates, and how many people it names. Pure; the extract stage runs the same
 * functions over the article (entities, numbers), so both sides are normalised identically.
 *
 * Entities come from one of two extractors (`EntityMethod`):
 * - `heuristic`: capitalised spans ("Barack Obama", "New York Hilton Midtown", "Whale expert Hori
 *   Parata" → "Hori Parata"), joined through short connectors (of, de, da, van, al, …); a
 *   sentence-initial capital counts only when the span goes on, or the word is not a common one.
 *   Works in every Latin-script language.
 * - `compromise`: the `compromise` NER/POS library's people, places and organisations (English only).
 * The extractor the product uses is ENTITY_METHOD, chosen by measurement on the news set
 * (docs/captions.md, `npm run eval:relevance`).
 */
import { createRequire } from 'node:module';
import { decodeHTML } from 'entities';
import { stopwords } from './natural.ts';
import { stemsOf, type Lang } from './terms.ts';
import { HAN } from './zh.ts';

type Nlp = typeof import('compromise').default;
const require = createRequire(import.meta.url);
let compromise: Nlp | undefined;
/**
 * The `compromise` tagger, loaded on first use (its CommonJS build of the same version): its lexicon
 * is ~10 MB of heap in every thread that imports this module, and only the fuse stage's people count
 * and the `compromise` entity method use it — extract's threads import captions.ts for the heuristic
 * entities only (docs/model-host.md, Memory).
 */
const nlp: Nlp = ((text: string) => (compromise ??= require('compromise') as Nlp)(text)) as Nlp;

/** Whether an image's describing text is its caption (figcaption, media:description) or its alt text. */
export type CaptionSource = 'caption' | 'alt';

/**
 * Words every caption carries that say nothing about the story: the medium, credit and agency
 * boilerplate, position words. They never count as evidence (stems are compared, so inflections go too).
 */
export const CAPTION_STOP_WORDS = [
  'image',
  'images',
  'photo',
  'photos',
  'photograph',
  'photographs',
  'photographer',
  'picture',
  'pictured',
  'pic',
  'file',
  'files',
  'new',
  'getty',
  'gettyimages',
  'ap',
  'afp',
  'reuters',
  'epa',
  'shutterstock',
  'alamy',
  'istock',
  'istockphoto',
  'credit',
  'credits',
  'caption',
  'media',
  'courtesy',
  'handout',
  'via',
  'source',
  'copyright',
  'left',
  'right',
  'centre',
  'center',
  'top',
  'bottom',
  'above',
  'below',
  'seen',
  'shown',
  'show',
  'shows',
  'view',
  'video',
  'watch',
  'click',
  'read',
  'main',
  'logo',
  'icon',
  'thumbnail',
  'mugshot',
  'headshot',
] as const;
/**
 * The Chinese caption boilerplate (written for the project): medium, credit and agency words of
 * Chinese outlets' captions ("图为", "资料图", "新华社记者 摄", "视觉中国").
 */
export const CAPTION_STOP_WORDS_ZH = [
  '图',
  '图为',
  '图片',
  '照片',
  '摄影',
  '摄',
  '供图',
  '资料图',
  '资料',
  '截图',
  '视频',
  '来源',
  '视觉中国',
  '新华社',
  '中新社',
  '中新网',
  '记者',
  '通讯员',
  '左',
  '右',
  '中',
] as const;

/** Caption stop stems per term pipeline. */
const CAPTION_STOP_STEMS: Readonly<Record<Lang, ReadonlySet<string>>> = {
  en: new Set(stemsOf(CAPTION_STOP_WORDS.join(' '))),
  zh: new Set(CAPTION_STOP_WORDS_ZH),
};

/** Content stems of a caption in `lang` (default English), without the caption stop words. */
export function captionStems(text: string, lang: Lang = 'en'): string[] {
  const stop = CAPTION_STOP_STEMS[lang];
  return stemsOf(text, { lang }).filter((s) => !stop.has(s));
}

/**
 * The describing part of a caption: the photo credit and boilerplate that outlets append are cut
 * ("… Photograph: Adrian Malloch for the Guardian", "Credit Harry Campbell", "(Photo by X/AFP)",
 * "Media caption …", "Image copyright …").
 */
export function cleanCaption(raw: string): string {
  // markup left in an alt attribute ('<span style="…">Nintendo/Apple</span>') is not caption text;
  // its character references are decoded (entities' decodeHTML, as ingest's htmlToText does)
  let s = decodeHTML(raw.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
  s = s.replace(/^(?:media caption|image caption|image copyright [^ ]+|main image:|caption:)\s*/i, '');
  s = s.replace(/\s*(?:Credit\s*)+\p{Lu}.*$/u, '');
  s = s.replace(/\s*(?:Photograph|Photo|Foto|Bild|Image|Picture)s?\s*(?:by|:)\s*[^.]*\.?$/iu, '');
  s = s.replace(/\s*\((?:Photo|Foto|Bild|Image|Picture|Credit)[^)]*\)\.?$/iu, '');
  s = s.replace(/\s*\([^)]*\/[^)]*\)\.?$/u, ''); // "(Ellen M. Banner / The Seattle Times)"
  s = s.replace(/\s+[-–—]\s+[^-–—]*\/[^-–—]*$/u, ''); // "… - Heinrich Aikawa/Instituto Lula"
  return s.trim();
}

/** The fewest content words of a descriptive caption (DESCRIPTIVE_MIN_WORDS): fewer is a credit, a name tag or boilerplate. */
export const DESCRIPTIVE_MIN_WORDS = 3;

/**
 * A caption worth comparing: at least `minWords` content words once credits, markup and caption stop
 * words are gone, and more than one token — a single token ("update_graphic_red_bar", "IMG_2034") is
 * a file name or a slug, not a description. Chinese text (Han script, no spaces) counts its jieba words.
 * The fuse stage scores an image whose caption has no content word or is a single token as one
 * without a caption (`minWords` 1); the news evaluation pairs only captions of ≥ 3 content words.
 */
export function isDescriptive(text: string, minWords = DESCRIPTIVE_MIN_WORDS): boolean {
  const cleaned = cleanCaption(text);
  const han = HAN.test(cleaned);
  if (!han && !/\s/u.test(cleaned)) return false;
  return captionStems(cleaned, han ? 'zh' : 'en').length >= minWords;
}

/**
 * A caption (or alt text) once credits and markup are cut, when it describes anything
 * (`isDescriptive(caption, 1)`: a content word at least, and more than one token); undefined otherwise.
 */
export function describingText(raw: string | undefined): string | undefined {
  const caption = cleanCaption(raw ?? '');
  return caption && isDescriptive(caption, 1) ? caption : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Entities

export type EntityMethod = 'heuristic' | 'compromise';
/** The extractor the product uses (see the header; measured in docs/captions.md). */
export const ENTITY_METHOD: EntityMethod = 'heuristic';

const fold = (s: string): string =>
  s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();

const CONNECTORS = new Set([
  'of',
  'de',
  'da',
  'do',
  'dos',
  'das',
  'del',
  'della',
  'di',
  'du',
  'des',
  'la',
  'le',
  'van',
  'von',
  'der',
  'den',
  'al',
  'bin',
  'ibn',
  'y',
  'and',
  '&',
]);
const CALENDAR =
  'january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday'.split(
    ' ',
  );
const commonWords = new Set<string>([
  ...stopwords,
  ...CAPTION_STOP_WORDS,
  ...CALENDAR,
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'president',
  'the',
  'a',
  'an',
]);
const WORD = /[\p{Lu}\p{Ll}\p{Lt}\p{Lo}\p{M}][\p{L}\p{M}'’.-]*|\d+/gu;

const isCapitalised = (w: string): boolean => /^\p{Lu}/u.test(w);

/** Capitalised spans of one sentence (see the header). */
function heuristicSpans(sentence: string, sentenceStart = true): string[] {
  const words = [...sentence.matchAll(WORD)].map((m) => m[0].replace(/[.'’]+$/u, '').replace(/['’]s$/u, '')).filter((w) => w.length > 0);
  const spans: string[][] = [];
  let cur: string[] = [];
  const flush = () => {
    while (cur.length > 0 && CONNECTORS.has(cur[cur.length - 1]!.toLowerCase())) cur.pop();
    if (cur.length > 0) spans.push(cur);
    cur = [];
  };
  words.forEach((w, i) => {
    if (isCapitalised(w)) {
      // a sentence-initial capital ("The", "Supporters of …", "Whale expert …") starts an entity only
      // when the next word is capitalised too
      if (i === 0 && sentenceStart && (commonWords.has(w.toLowerCase()) || !isCapitalised(words[1] ?? ''))) return;
      if (commonWords.has(w.toLowerCase()) && cur.length === 0 && !isCapitalised(words[i + 1] ?? '')) return;
      cur.push(w);
    } else if (cur.length > 0 && CONNECTORS.has(w.toLowerCase())) cur.push(w);
    else flush();
  });
  flush();
  return spans
    .map((span) => {
      // leading titles / common words drop ("President Barack Obama" → "Barack Obama")
      let s = span;
      while (s.length > 1 && commonWords.has(s[0]!.toLowerCase())) s = s.slice(1);
      return s;
    })
    .filter((s) => !(s.length === 1 && (commonWords.has(s[0]!.toLowerCase()) || s[0]!.length < 2)))
    .map((s) => s.join(' '));
}

const SENTENCE = /(?<=[.!?。！？])\s+|\n+/u;

/** Named entities of a text (surface forms, deduplicated), by the given method. */
export function entitiesOf(text: string, method: EntityMethod = ENTITY_METHOD): string[] {
  if (method === 'compromise') {
    const doc = nlp(text);
    const out = [...doc.people().out('array'), ...doc.places().out('array'), ...doc.organizations().out('array')] as string[];
    return [
      ...new Set(
        out
          .map((e) =>
            e
              .replace(/[.,;:!?'’"“”()]+/gu, ' ')
              .replace(/['’]s\b/gu, '')
              .replace(/\s+/g, ' ')
              .trim(),
          )
          .filter((e) => e.length > 1),
      ),
    ];
  }
  // punctuation inside a sentence ends a span ("Paris, July" is two); a sentence start is kept as such
  return [
    ...new Set(
      text.split(SENTENCE).flatMap((sentence) => sentence.split(/[,;:()"“”«»–—/|]+/u).flatMap((part, i) => heuristicSpans(part, i === 0))),
    ),
  ];
}

/**
 * Matching keys of entities: the folded (lower-case, no diacritics) tokens of ≥ 3 letters that are
 * not common words, so "Obama", "Barack Obama" and "President Obama" share the key "obama".
 */
export function entityKeys(entities: readonly string[]): string[] {
  const out = new Set<string>();
  for (const e of entities)
    for (const t of fold(e).split(/[^\p{L}\p{N}]+/u)) if (t.length >= 3 && !commonWords.has(t) && !CONNECTORS.has(t)) out.add(t);
  return [...out];
}

/**
 * Share of a caption's entities the article names (an entity counts when one of its keys is among
 * the article's entity keys); undefined when the caption names none.
 */
export function entityOverlap(captionEntities: readonly string[], articleKeys: ReadonlySet<string>): number | undefined {
  const withKeys = captionEntities.map((e) => entityKeys([e])).filter((k) => k.length > 0);
  if (withKeys.length === 0) return undefined;
  return withKeys.filter((keys) => keys.some((k) => articleKeys.has(k))).length / withKeys.length;
}

// ---------------------------------------------------------------------------------------------------
// Numbers and dates

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH =
  /\b(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b\.?/giu;

/**
 * Numbers and dates of a text as comparable keys: digit runs with their grouping removed ("1,200" →
 * "1200", "3.5" → "3.5"), and month names ("November" → "month:nov"). A lone "May" at a sentence start
 * is still read as a month (rare in captions; the cost is one key).
 */
export function numbersOf(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\d[\d,.]*\d|\d/gu)) {
    const raw = m[0];
    const n = /^\d{1,3}(,\d{3})+(\.\d+)?$/u.test(raw) ? raw.replace(/,/g, '') : raw.replace(/,/g, '.');
    out.add(n.replace(/\.0+$/u, ''));
  }
  for (const m of text.matchAll(MONTH)) {
    const key = m[1]!.toLowerCase().slice(0, 3);
    if (MONTHS.includes(key) && !(key === 'may' && m[1] === 'may')) out.add(`month:${key}`);
  }
  return [...out];
}

/** Share of the caption's numbers/dates found in the article's; undefined when the caption has none. */
export function numberOverlap(captionNumbers: readonly string[], articleNumbers: ReadonlySet<string>): number | undefined {
  if (captionNumbers.length === 0) return undefined;
  return captionNumbers.filter((n) => articleNumbers.has(n)).length / captionNumbers.length;
}

// ---------------------------------------------------------------------------------------------------
// People

const COUNT_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  couple: 2,
  pair: 2,
};
const PERSON_NOUN =
  /^(?:man|men|woman|women|boy|boys|girl|girls|child|children|kid|kids|person|people|player|players|officer|officers|worker|workers|soldier|soldiers|protester|protesters|supporter|supporters|student|students|fan|fans|member|members|resident|residents)$/u;

/**
 * How many people a caption names: an explicit count before a person noun ("two men", "3 workers"),
 * else the people the `compromise` tagger finds ("Kauri Parata, watched by his father Hori Parata" → 2),
 * else 1 for a lone person noun; undefined when it names nobody. Crowds ("supporters cheer") read as
 * their count word or, without one, as at least 3.
 */
export function peopleCount(text: string): number | undefined {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  for (let i = 1; i < words.length; i++) {
    if (!PERSON_NOUN.test(words[i]!)) continue;
    const c = COUNT_WORDS[words[i - 1]!] ?? (/^\d+$/.test(words[i - 1]!) ? Number(words[i - 1]) : undefined);
    if (c !== undefined) return c;
  }
  const people = new Set(
    (nlp(text).people().out('array') as string[]).map((p) =>
      fold(p)
        .replace(/['’]s\b/u, '')
        .trim(),
    ),
  );
  if (people.size > 0) return people.size;
  const plural = words.find((w) => PERSON_NOUN.test(w) && /(?:men|people|ren|s)$/u.test(w));
  if (plural) return 3;
  return words.some((w) => PERSON_NOUN.test(w)) ? 1 : undefined;
}
