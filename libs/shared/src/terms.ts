/**
 * Lexical terms: the one tokenise → lowercase → drop stop words → Porter-stem path, shared by the text
 * worker (article terms), the image side (caption / text-view terms) and the scorers, so both sides of
 * a comparison are normalised identically.
 */
import { AggressiveTokenizer, PorterStemmer, stopwords } from './natural.ts';

const tokenizer = new AggressiveTokenizer();
const STOP = new Set(stopwords);

export interface Term {
  /** Porter stem, the matching key. */
  stem: string;
  /** The first surface form seen, for explanations. */
  word: string;
}

/** Content words of `text` with their stems, in order of first appearance, without repeats. */
export function termsOf(text: string, limit = 5000): Term[] {
  const out: Term[] = [];
  const seen = new Set<string>();
  for (const raw of tokenizer.tokenize(text.normalize('NFKC').toLowerCase())) {
    if (raw.length < 2 || STOP.has(raw) || /^\d+$/.test(raw)) continue;
    const stem = PorterStemmer.stem(raw);
    if (seen.has(stem)) continue;
    seen.add(stem);
    out.push({ stem, word: raw });
    if (out.length >= limit) break;
  }
  return out;
}

export const stemsOf = (text: string, limit?: number): string[] => termsOf(text, limit).map((t) => t.stem);
