/**
 * The lexical features of the Chinese sentiment head's n-gram part (an NB-SVM: Wang & Manning 2012),
 * shared by the training script and inference so both see the same features: distinct
 *   w:<word>          jieba words (lower-cased)
 *   b:<word> <word>   adjacent word pairs
 *   c2:<2 chars>      character bigrams and
 *   c3:<3 chars>      character trigrams of the text without spaces (robust to segmentation errors)
 */
import { segment } from '@newsfuse/text/zh';

export function zhNgramFeatures(text: string): string[] {
  const lower = text.toLowerCase();
  const out = new Set<string>();
  const words = segment(lower);
  for (let i = 0; i < words.length; i++) {
    out.add(`w:${words[i]!}`);
    if (i + 1 < words.length) out.add(`b:${words[i]!} ${words[i + 1]!}`);
  }
  const cs = [...lower.replace(/\s+/g, '')];
  for (let i = 0; i + 1 < cs.length; i++) {
    out.add(`c2:${cs[i]!}${cs[i + 1]!}`);
    if (i + 2 < cs.length) out.add(`c3:${cs[i]!}${cs[i + 1]!}${cs[i + 2]!}`);
  }
  return [...out];
}
