/**
 * The image's "text view", language-neutral: detected objects grouped by label (count, best score,
 * best first) and the labelled parts (objects, OCR text, caption) put together. Each language
 * supplies only its words: the English view is buildTextView (features.ts), the Chinese one
 * buildTextViewZh (lexical/object-lexicons.ts).
 */

export interface ObjectGroup {
  label: string;
  /** How many detections carry the label. */
  count: number;
  /** The label's highest score. */
  best: number;
}

/** Detections grouped by label, highest best score first (ties keep first-seen order). */
export function groupObjects(objects: readonly { label: string; score: number }[]): ObjectGroup[] {
  const byLabel = new Map<string, ObjectGroup>();
  for (const o of objects) {
    const g = byLabel.get(o.label) ?? { label: o.label, count: 0, best: 0 };
    g.count++;
    g.best = Math.max(g.best, o.score);
    byLabel.set(o.label, g);
  }
  return [...byLabel.values()].sort((a, b) => b.best - a.best);
}

/** A language's words for the text view. */
export interface TextViewWords {
  /** One group: "2 people" / "2个人". */
  group(label: string, count: number): string;
  /** Between groups: ", " / "、". */
  groupSeparator: string;
  /** The objects sentence around the group list. */
  objects(list: string): string;
  /** The OCR sentence around the lines joined by " / ". */
  ocr(text: string): string;
  /** The caption part around the whitespace-folded caption. */
  caption(text: string): string;
  /** Between the parts. */
  partSeparator: string;
}

/** The group list in a language: "2 people, dog" / "2个人、狗"; '' for no objects. */
export function describeGroups(
  objects: readonly { label: string; score: number }[],
  words: Pick<TextViewWords, 'group' | 'groupSeparator'>,
): string {
  return groupObjects(objects)
    .map((g) => words.group(g.label, g.count))
    .join(words.groupSeparator);
}

/** Objects + OCR text + caption as short labelled sentences in a language; absent parts are left out. */
export function composeTextView(
  words: TextViewWords,
  objects: readonly { label: string; score: number }[],
  ocr: readonly { text: string }[],
  caption?: string,
): string {
  const parts: string[] = [];
  const objs = describeGroups(objects, words);
  if (objs) parts.push(words.objects(objs));
  const text = ocr
    .map((l) => l.text.trim())
    .filter(Boolean)
    .join(' / ');
  if (text) parts.push(words.ocr(text));
  const cap = caption?.replace(/\s+/g, ' ').trim();
  if (cap) parts.push(words.caption(cap));
  return parts.join(words.partSeparator);
}
