/**
 * Stem sequences: the same tokenise → lowercase → drop stop words → Porter-stem normalisation as
 * libs/shared's `termsOf` (the article's `terms`), but keeping order and repeats, so phrases
 * ("golden retriever" → "golden retriev") can be matched as n-grams.
 */
import { AggressiveTokenizer, PorterStemmer, stopwords } from '@newsfuse/shared/natural';

const tokenizer = new AggressiveTokenizer();
const STOP = new Set(stopwords);

export function stemSequence(text: string): string[] {
  const out: string[] = [];
  for (const raw of tokenizer.tokenize(text.normalize('NFKC').toLowerCase())) {
    if (raw.length < 2 || STOP.has(raw) || /^\d+$/.test(raw)) continue;
    out.push(PorterStemmer.stem(raw));
  }
  return out;
}
