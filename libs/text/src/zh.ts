/**
 * Chinese segmentation, stop words and sentences: the `zh` entry of the term pipeline (terms.ts) and
 * what the Chinese text analyzer (libs/models/src/text/zh) builds on.
 *
 * - Segmentation: `@node-rs/jieba` (jieba-rs, the binary ships in the npm package) with its default
 *   dictionary (349k words) loaded explicitly (`Jieba.withDict(dict)`), HMM on for words not in the
 *   dictionary (names). Loaded on first use: a process that never sees Chinese never reads the
 *   dictionary (≈ 5 MB of text, tens of MB once built).
 * - Tokens: jieba's words that contain a letter or a digit (punctuation and spaces dropped),
 *   lower-cased (Latin inside Chinese text: "iPhone" → "iphone").
 * - Stop words: `stopwords-zh` (MIT; the stopwords-iso Chinese list, 794 entries: function words,
 *   pronouns, conjunctions, full-width punctuation) plus, for news, reporting verbs and date fillers
 *   (`ZH_NEWS_STOP`, curated here) that would otherwise top every article's keywords.
 * - Sentences: split after 。！？； (and their half-width forms after NFKC, plus …… and line breaks), a
 *   closing quote or bracket staying with its sentence.
 *
 * Traditional characters are not converted here: the language router hands over Simplified text.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface JiebaLike {
  cut(sentence: string, hmm?: boolean): string[];
}

let jieba: JiebaLike | undefined;
/** The process's jieba with the default dictionary (built on first call; ~0.5 s). */
export function getJieba(): JiebaLike {
  if (!jieba) {
    const { Jieba } = require('@node-rs/jieba') as typeof import('@node-rs/jieba');
    const { dict } = require('@node-rs/jieba/dict.js') as typeof import('@node-rs/jieba/dict.js');
    jieba = Jieba.withDict(dict);
  }
  return jieba;
}

const WORDLIKE = /[\p{L}\p{N}]/u;

/** jieba words of `text` (HMM on) that contain a letter or digit, in order; case kept. */
export function segment(text: string): string[] {
  if (!text.trim()) return [];
  return getJieba()
    .cut(text, true)
    .map((w) => w.trim())
    .filter((w) => WORDLIKE.test(w));
}

/** stopwords-zh (stopwords-iso's Chinese list). */
export const ZH_STOP: ReadonlySet<string> = new Set(require('stopwords-zh') as string[]);

/**
 * News fillers: reporting verbs, time words and agency boilerplate that appear in most articles and
 * name no topic (the Chinese counterpart of "said", "told", "would").
 */
export const ZH_NEWS_FILLERS = [
  '表示',
  '报道',
  '记者',
  '新华社',
  '中新社',
  '中新网',
  '日电',
  '消息',
  '据悉',
  '指出',
  '认为',
  '称',
  '说',
  '今天',
  '今日',
  '昨天',
  '昨日',
  '明天',
  '目前',
  '近日',
  '日前',
  '已经',
  '进行',
  '相关',
  '方面',
  '情况',
  '问题',
  '工作',
  '其中',
  '一名',
  '一位',
  '一次',
  '这一',
  '没有',
  '可能',
  '需要',
  '表明',
  '显示',
  '上午',
  '下午',
  '晚上',
  '当天',
  '周一',
  '周二',
  '周三',
  '周四',
  '周五',
  '周六',
  '周日',
] as const;
export const ZH_NEWS_STOP: ReadonlySet<string> = new Set([...ZH_STOP, ...ZH_NEWS_FILLERS]);

// Sentence ends: 。！？； and their half-width forms (NFKC turns ！？； into !?;), the ellipsis …… and
// line breaks. Closing quotes/brackets right after an end belong to the sentence.
const SENTENCE = /[^。！？；!?;\n…]*(?:[。！？；!?;]+|…+|\n+|$)[”’"'」』）)】》]*/gu;

/** Sentences of Chinese text split on 。！？； (a sentence must contain a letter or digit). */
export function splitZhSentences(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(SENTENCE)) {
    const s = m[0].trim();
    if (s && WORDLIKE.test(s)) out.push(s);
  }
  return out;
}

/** A Han (Chinese) character: the one definition the text library and its users test scripts with. */
export const HAN = /\p{Script=Han}/u;
const HAN_ALL = new RegExp(HAN.source, 'gu');

/** Han characters in `text` (a quick script test; the language router owns detection). */
export const hanCount = (text: string): number => (text.match(HAN_ALL) ?? []).length;
