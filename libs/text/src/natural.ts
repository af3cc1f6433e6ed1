/**
 * The parts of `natural` the project uses, loaded one module at a time. `import natural from 'natural'`
 * loads the whole library — classifiers, WordNet, the Brill tagger's lexicon, every language's
 * stemmers — in every process that imports it; the before/after peak RSS is in docs/benchmarks.md.
 * The types are natural's own.
 */
import { createRequire } from 'node:module';
import type * as Natural from 'natural';

const require = createRequire(import.meta.url);
const lib = (path: string): unknown => require(`natural/lib/natural/${path}`);

export const PorterStemmer = lib('stemmers/porter_stemmer.js') as typeof Natural.PorterStemmer;
export const AggressiveTokenizer = lib('tokenizers/aggressive_tokenizer.js') as typeof Natural.AggressiveTokenizer;
export const RegexpTokenizer = (lib('tokenizers/regexp_tokenizer.js') as { RegexpTokenizer: typeof Natural.RegexpTokenizer })
  .RegexpTokenizer;
export const SentenceTokenizer = lib('tokenizers/sentence_tokenizer.js') as typeof Natural.SentenceTokenizer;
export const stopwords = (lib('util/stopwords.js') as { words: string[] }).words;
export type SentimentAnalyzer = Natural.SentimentAnalyzer;

/** Loaded on first use: its vocabularies are ~30 MB and only the text worker needs them. */
export function createSentimentAnalyzer(...args: ConstructorParameters<typeof Natural.SentimentAnalyzer>): Natural.SentimentAnalyzer {
  const Ctor = lib('sentiment/SentimentAnalyzer.js') as typeof Natural.SentimentAnalyzer;
  return new Ctor(...args);
}
