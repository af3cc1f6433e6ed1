/**
 * The COCO object vocabulary of each language with a term pipeline (@newsfuse/text/terms): which
 * detector labels a text names, and the image's text view written in that language. Fusion and the
 * extract stage pick the entry by the article's language (`objectLexiconFor`), so nothing else
 * branches on a language.
 *
 *   en  the WordNet table (coco.ts) over Porter stems; the text view is the image analyzer's own
 *       (English: "Photo showing 2 people, dog. Text in photo: … Caption: …"), so `textView` is absent.
 *   zh  the table written for the project (coco-zh.ts) over jieba words; the text view is rendered
 *       in Chinese ("照片中有：2个人、狗。图中文字：…。图片说明：…"), so a Chinese article's bge-zh
 *       embedding is compared with a Chinese view of the photo.
 */
import { tokenize, stemsOf, type Lang } from '@newsfuse/text/terms';
import type { CocoLabel } from '../coco-labels.ts';
import { articleMentions, mentionsByLabel, type CocoMention } from './coco.ts';
import { COCO_ZH, zhCocoMentions } from './coco-zh.ts';
import { composeTextView, describeGroups, type TextViewWords } from '../image/text-view.ts';

export interface TextViewInput {
  /** Objects named in the view (the caller applies the confidence floor), any order. */
  objects: readonly { label: string; score: number }[];
  ocr: readonly { text: string }[];
  caption?: string | undefined;
}

export interface ObjectLexicon {
  lang: Lang;
  /** COCO labels an article names, from its title and its `terms` (TextFeatures.terms of this language). */
  article(title: string | undefined, terms: readonly string[] | undefined): Map<CocoLabel, CocoMention[]>;
  /** COCO labels a short text in this language names (a caption). */
  labelsIn(text: string): CocoLabel[];
  /** The name of a label in this language. */
  name(label: string): string;
  /** The image's text view in this language; absent: the image analyzer's (English) view is this language's. */
  textView?(input: TextViewInput): string;
}

const english: ObjectLexicon = {
  lang: 'en',
  article: articleMentions,
  labelsIn: (text) => [...articleMentions(undefined, stemsOf(text)).keys()],
  name: (label) => label,
};

const zhName = (label: string): string => COCO_ZH[label as CocoLabel]?.name ?? label;

/** The Chinese words of the text view. */
const CHINESE_VIEW: TextViewWords = {
  group: (label, n) => (n === 1 ? zhName(label) : `${n}个${zhName(label)}`),
  groupSeparator: '、',
  objects: (list) => `照片中有：${list}。`,
  ocr: (text) => `图中文字：${text}。`,
  caption: (text) => `图片说明：${text}`,
  partSeparator: '',
};

/** "2个人、狗" — labels by best score, counts before the name. */
export function describeObjectsZh(objects: TextViewInput['objects']): string {
  return describeGroups(objects, CHINESE_VIEW);
}

/** The Chinese text view: the counterpart of buildTextView (libs/models/src/image/features.ts). */
export function buildTextViewZh({ objects, ocr, caption }: TextViewInput): string {
  return composeTextView(CHINESE_VIEW, objects, ocr, caption);
}

const chinese: ObjectLexicon = {
  lang: 'zh',
  article: (title, terms) => mentionsByLabel(toMentions(zhCocoMentions([title ? tokenize(title, 'zh') : [], terms ?? []]))),
  labelsIn: (text) => [...new Set(zhCocoMentions([tokenize(text, 'zh')]).map((m) => m.label))],
  name: zhName,
  textView: buildTextViewZh,
};

const toMentions = (ms: readonly { label: CocoLabel; key: string }[]): CocoMention[] => ms.map((m) => ({ ...m, form: m.key }));

export const OBJECT_LEXICONS: Readonly<Record<Lang, ObjectLexicon>> = { en: english, zh: chinese };

/** The entry of an article language; undefined for a language without a term pipeline. */
export const objectLexiconFor = (language: string | undefined): ObjectLexicon | undefined =>
  language && Object.hasOwn(OBJECT_LEXICONS, language) ? OBJECT_LEXICONS[language as Lang] : undefined;
