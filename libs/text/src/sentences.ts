/**
 * natural's SentenceTokenizer with its placeholders put back in one pass per sentence.
 *
 * natural (8.x, tokenizers/sentence_tokenizer.js) hides abbreviations, URIs, numbers and sentence
 * delimiters behind `{{KIND_n}}` placeholders, splits on the delimiters' placeholders, and then puts
 * every placeholder back into every sentence by building one RegExp per placeholder of the whole text
 * and running it over the sentence (`revertReplacements`, `revertDelimiters`): a text of n sentences
 * with m placeholders compiles n·m regular expressions. On a news article (a few hundred sentences and
 * numbers) that was the text job's largest piece of JavaScript after the sentiment models
 * (`npx tsx bench/sentences.ts` has the figures).
 *
 * Here each sentence's placeholders are looked up in the same maps by one global RegExp, so the output is
 * the same sentences: a placeholder is only ever replaced by the text it stood for, and neither pass
 * re-reads what it inserted (natural's pass over later placeholders could only find one inside an
 * inserted text if the article itself contained `{{`). natural's own passes run instead when the text
 * holds `{{`, or when a hidden piece holds `$` (natural passes the piece as a replacement string, in
 * which `$&` and its kin are patterns) — so the result is natural's for every input, which
 * sentences.test.ts checks on the shared corpora and on the cases above.
 */
import { SentenceTokenizer } from './natural.ts';

/** The placeholders natural makes for abbreviations, URIs and numbers, and for sentence delimiters. */
const REPLACEMENT = /\{\{(?:ABBREV|URI|NUMBER)_\d+\}\}/g;
const DELIMITER = /\{\{DELIM_\d+\}\}/g;

/** What the subclass reads of natural's tokenizer (its fields are not in natural's typings). */
interface NaturalInternals {
  replacementMap: Map<string, string>;
  delimiterMap: Map<string, string>;
  revertReplacements(text: string): string;
  revertDelimiters(text: string): string;
}

// Matched case-insensitively *without* word boundaries by natural, so only abbreviations that
// rarely end an ordinary word are listed ("St.", "No.", "Sen." would break "first.", "piano.", "chosen.").
export const SENTENCE_ABBREVIATIONS = [
  'Mr.',
  'Mrs.',
  'Ms.',
  'Dr.',
  'Prof.',
  'Jr.',
  'Sr.',
  'Gov.',
  'Lt.',
  'Col.',
  'Capt.',
  'Sgt.',
  'U.S.',
  'U.K.',
  'U.N.',
  'E.U.',
  'Inc.',
  'Corp.',
  'Ltd.',
  'Co.',
  'e.g.',
  'i.e.',
  'vs.',
  'etc.',
  'approx.',
];

const Base = SentenceTokenizer as unknown as new (abbreviations: string[]) => InstanceType<typeof SentenceTokenizer> & NaturalInternals;

export class LinearSentenceTokenizer extends Base {
  /** Whether this text's placeholders can be put back in one pass: false for a text holding `{{`, else decided at its first sentence. */
  #onePass: boolean | undefined;

  override tokenize(text: string): string[] {
    this.#onePass = text.includes('{{') ? false : undefined;
    return super.tokenize(text);
  }

  #canOnePass(): boolean {
    this.#onePass ??= ![...this.replacementMap.values()].some((v) => v.includes('$'));
    return this.#onePass;
  }

  override revertReplacements(text: string): string {
    if (!this.#canOnePass()) return super.revertReplacements(text);
    return text.replace(REPLACEMENT, (p) => this.replacementMap.get(p) ?? p);
  }

  override revertDelimiters(text: string): string {
    if (!this.#canOnePass()) return super.revertDelimiters(text);
    return text.replace(DELIMITER, (p) => this.delimiterMap.get(p) ?? p);
  }
}
