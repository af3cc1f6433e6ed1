/**
 * The language of an article, decided in one place (extract's flow builder, the text worker and the
 * one-shot `newsfuse score` all call `resolveLanguage`, so they agree).
 *
 * 1. Script counts. Every letter is put in its Unicode script; alphabetic scripts count words (runs
 *    of letters), Han and kana count characters (a Han character carries about as much as a word),
 *    Thai (no spaces) a third of its characters. The script with the most units wins, so
 *    "Apple发布新款iPhone" (2 Latin words, 4 Han characters) is Han.
 *      Han (+ kana)  kana ≥ 10 % of the Han+kana characters → `ja`, else `zh` (Chinese text has no
 *                    kana; Japanese headlines have particles: 東京で地震 is 20 % kana)
 *      Hangul → `ko`; Arabic, Cyrillic, Greek, Hebrew, Devanagari, Thai → the declared language when
 *      it is written in that script, else the detector's answer within the script, else the script's
 *      main language (ar, ru, el, he, hi, th).
 * 2. Latin script: the declared language (feed / page / push) when it is a Latin-script one; else the
 *    existing detector (tinyld, loaded on first use) when it is confident (accuracy ≥ 0.5: it is on
 *    whole sentences in another language, and far below on short English headlines such as
 *    "Apple unveils new iPhone", which it calls French); else `en` (source `default`).
 * 3. Chinese: Traditional script is recognised by converting with OpenCC (opencc-js, Taiwan phrases →
 *    Simplified) and counting changed characters (≥ 5 % of the Han characters), or from a declared
 *    zh-TW / zh-HK / zh-Hant tag; `toSimplified` gives the text the analyzers read. The article keeps
 *    its original text; only the analysis sees the conversion.
 * A declared language that contradicts the script (an English feed carrying a Chinese headline) loses
 * to the script.
 */
import { createRequire } from 'node:module';
import { HAN } from './zh.ts';

const require = createRequire(import.meta.url);

export const SCRIPTS = ['Latin', 'Han', 'Kana', 'Hangul', 'Arabic', 'Cyrillic', 'Greek', 'Hebrew', 'Devanagari', 'Thai'] as const;
export type Script = (typeof SCRIPTS)[number];

/** Units per script: words for alphabetic scripts, characters for Han and kana, characters / 3 for Thai. */
export type ScriptCounts = Record<Script, number>;

const PATTERNS: [Script, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Han', HAN],
  ['Kana', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
];
const PER_CHARACTER: ReadonlySet<Script> = new Set(['Han', 'Kana']);
const LETTER = /[\p{L}\p{M}]/u;

function scriptOf(ch: string): Script | undefined {
  if (!LETTER.test(ch)) return undefined;
  for (const [s, re] of PATTERNS) if (re.test(ch)) return s;
  return undefined;
}

/** Script units of `text` (see ScriptCounts). */
export function scriptCounts(text: string): ScriptCounts {
  const out = Object.fromEntries(SCRIPTS.map((s) => [s, 0])) as ScriptCounts;
  let run: Script | undefined;
  let thai = 0;
  for (const ch of text) {
    const s = scriptOf(ch);
    if (s === undefined) {
      // Combining marks continue the run they belong to (Devanagari vowel signs, Arabic harakat).
      if (!/\p{M}/u.test(ch)) run = undefined;
      continue;
    }
    if (s === 'Thai') thai++;
    else if (PER_CHARACTER.has(s)) out[s]++;
    else if (s !== run) out[s]++;
    run = s;
  }
  out.Thai = thai / 3;
  return out;
}

/** Languages written in a script other than Latin (primary subtags); the first is the script's default. */
const SCRIPT_LANGUAGES: Partial<Record<Script, readonly string[]>> = {
  Han: ['zh', 'ja'],
  Hangul: ['ko'],
  Arabic: ['ar', 'fa', 'ur', 'ps', 'ku', 'sd', 'ug'],
  Cyrillic: ['ru', 'uk', 'bg', 'sr', 'be', 'mk', 'kk', 'ky', 'mn', 'tg'],
  Greek: ['el'],
  Hebrew: ['he', 'yi'],
  Devanagari: ['hi', 'mr', 'ne', 'sa'],
  Thai: ['th'],
};
const NON_LATIN = new Set(Object.values(SCRIPT_LANGUAGES).flat());

/** The primary subtag of a BCP 47 tag, lower case ("zh-Hant-TW" → "zh", "EN_us" → "en"), or undefined. */
export function normalizeLanguageTag(tag: string | null | undefined): string | undefined {
  const primary = tag?.trim().replace(/_/g, '-').split('-')[0]?.toLowerCase();
  if (!primary || !/^[a-z]{2,3}$/.test(primary)) return undefined;
  return { iw: 'he', in: 'id', ji: 'yi', zho: 'zh', chi: 'zh', eng: 'en', jpn: 'ja', kor: 'ko', ara: 'ar', rus: 'ru' }[primary] ?? primary;
}

/** A declared tag that names Traditional Chinese (zh-TW, zh-HK, zh-MO, zh-Hant…). */
const declaresTraditional = (tag: string | null | undefined): boolean => /^zh[-_](hant|tw|hk|mo)\b/i.test(tag?.trim() ?? '');

export type LanguageSource = 'script' | 'declared' | 'detected' | 'default';

export interface LanguageDecision {
  /** ISO 639-1 (or 639-3 when there is no 2-letter code); 'und' when the text has no letters and nothing was declared. */
  language: string;
  /** The dominant script ('none' without letters). */
  script: Script | 'none';
  /** How the language was decided. */
  source: LanguageSource;
  /** Chinese written in Traditional characters: the analyzers read `toSimplified(text)`. */
  traditional?: true;
}

export interface LanguageInput {
  /** The language the source declared (feed, page, push), any BCP 47 form. */
  declared?: string | null | undefined;
  title?: string | null | undefined;
  text?: string | null | undefined;
}

/** Characters of title + text looked at (default 2000). */
export const LANGUAGE_SAMPLE_CHARS = 2000;
/** tinyld accuracy from which its answer is taken for Latin-script text. */
export const DETECTOR_MIN_ACCURACY = 0.5;
/** Share of Han+kana characters that are kana from which CJK text is Japanese. */
export const KANA_SHARE_JA = 0.1;
/** Share of Han characters OpenCC changes from which Chinese text is Traditional. */
export const TRADITIONAL_SHARE = 0.05;

export function resolveLanguage(input: LanguageInput, sampleChars = LANGUAGE_SAMPLE_CHARS): LanguageDecision {
  const sample = [input.title, input.text]
    .filter((s): s is string => !!s && s.trim().length > 0)
    .join('\n')
    .slice(0, sampleChars);
  const declared = normalizeLanguageTag(input.declared);
  const c = scriptCounts(sample);
  const cjk = c.Han + c.Kana;
  const ranked: [Script, number][] = [
    ['Han', cjk],
    ...SCRIPTS.filter((s) => s !== 'Han' && s !== 'Kana').map((s): [Script, number] => [s, c[s]]),
  ];
  ranked.sort((a, b) => b[1] - a[1]);
  const [script, units] = ranked[0]!;
  if (units === 0) return { language: declared ?? 'und', script: 'none', source: declared ? 'declared' : 'default' };

  if (script === 'Han') {
    if (c.Kana > 0 && c.Kana >= KANA_SHARE_JA * cjk) return { language: 'ja', script: 'Kana', source: 'script' };
    if (declared === 'ja') return { language: 'ja', script, source: 'declared' };
    const traditional = declaresTraditional(input.declared) || isTraditional(sample);
    return { language: 'zh', script, source: declared === 'zh' ? 'declared' : 'script', ...(traditional ? { traditional } : {}) };
  }
  const own = SCRIPT_LANGUAGES[script];
  if (own) {
    if (declared && own.includes(declared)) return { language: declared, script, source: 'declared' };
    if (own.length === 1) return { language: own[0]!, script, source: 'script' };
    const detected = detectWithin(sample, own);
    return detected ? { language: detected, script, source: 'detected' } : { language: own[0]!, script, source: 'script' };
  }
  // Latin
  if (declared && !NON_LATIN.has(declared)) return { language: declared, script, source: 'declared' };
  const top = detectAll(sample)[0];
  if (top && top.accuracy >= DETECTOR_MIN_ACCURACY && !NON_LATIN.has(top.lang)) return { language: top.lang, script, source: 'detected' };
  return { language: 'en', script, source: 'default' };
}

// ---------------------------------------------------------------------------------------------
// The statistical detector (tinyld, ~50 MB of n-gram tables) loads on first use: only Latin text
// without a declared language, and ambiguous non-Latin scripts, need it.

let tinyld: typeof import('tinyld') | undefined;
const lib = () => (tinyld ??= require('tinyld') as typeof import('tinyld'));

function detectAll(sample: string): { lang: string; accuracy: number }[] {
  return sample.trim() ? lib().detectAll(sample) : [];
}

function detectWithin(sample: string, only: readonly string[]): string | undefined {
  const r = lib().detect(sample, { only: [...only] });
  return r && only.includes(r) ? r : undefined;
}

/** The detector's answer alone (ISO 639-1, 'und' when it has none): kept for reports that compare detectors. */
export function detectWithTinyld(text: string, sampleChars = LANGUAGE_SAMPLE_CHARS): string {
  const sample = text.slice(0, sampleChars);
  return (sample.trim() && lib().detect(sample)) || 'und';
}

// ---------------------------------------------------------------------------------------------
// Traditional → Simplified (opencc-js, Taiwan phrases: 軟體 → 软件, 網路 → 网络; ~20 MB, first use).

type Convert = (s: string) => string;
let t2s: Convert | undefined;
const converter = (): Convert =>
  (t2s ??= (require('opencc-js/t2cn') as { Converter: (o: { from: string; to: string }) => Convert }).Converter({ from: 'twp', to: 'cn' }));

/** True when OpenCC changes at least TRADITIONAL_SHARE of the Han characters of `text`. */
export function isTraditional(text: string): boolean {
  let han = 0;
  for (const ch of text) if (HAN.test(ch)) han++;
  if (han === 0) return false;
  // Character-level comparison: phrase conversion may change length, so compare with the character map.
  const chars = [...text].filter((ch) => HAN.test(ch));
  const conv = characterConverter()(chars.join(''));
  let changed = 0;
  [...conv].forEach((ch, i) => {
    if (ch !== chars[i]) changed++;
  });
  return changed > 0 && changed >= TRADITIONAL_SHARE * han;
}

let t2sChars: Convert | undefined;
const characterConverter = (): Convert =>
  (t2sChars ??= (require('opencc-js/t2cn') as { Converter: (o: { from: string; to: string }) => Convert }).Converter({
    from: 'tw',
    to: 'cn',
  }));

/** Traditional Chinese → Simplified (Taiwan phrases included); other text passes unchanged. */
export function toSimplified(text: string): string {
  return text ? converter()(text) : text;
}

/** The text the analyzers of `decision`'s language read: Simplified for Traditional Chinese, else as given. */
export function analysisText(decision: Pick<LanguageDecision, 'traditional'>, text: string): string {
  return decision.traditional ? toSimplified(text) : text;
}
