/**
 * Pure text analysis of one article: language, counts, TF-IDF keywords, MiniLM embedding and
 * lexicon sentiment. Collaborators (embedder, document-frequency table) are passed in, so the
 * service wires Redis + the shared ONNX embedder and tests wire in-memory fakes.
 *
 * Pipeline
 *   normalise   NFKC, HTML tags dropped and the common entities decoded, typographic quotes →
 *               ASCII, zero-width/control characters removed, whitespace collapsed. Case and
 *               punctuation are kept (VADER uses both).
 *   sentences   natural's SentenceTokenizer (its placeholders put back in one pass: @newsfuse/text/sentences) with a curated abbreviation list. The headline is one
 *               sentence of its own.
 *   terms       @newsfuse/text/terms (natural.AggressiveTokenizer on the lower-cased text,
 *               stopwords + a few newswire verbs dropped, tokens of < 2 characters or all digits
 *               dropped, natural.PorterStemmer). Keywords are keyed by stem and reported with their
 *               most frequent surface form.
 *   keywords    TF-IDF over stems: tf = 1 + ln(count), headline occurrences counted twice;
 *               idf = ln((1 + N) / (1 + df)) + 1 (smoothed), N and df from the DocFreq table after
 *               observing this document; the vector is L2-normalised and the top `topK` (10) kept.
 *   embedding   MiniLM of `title + lead`; lead = `input.lead` or the first `leadSentences` (3)
 *               body sentences; long texts are chunked by the embedder (≤ 256 tokens) and averaged.
 *   sentiment   per sentence, each in [-1, 1]:
 *                 vader     VADER compound score (already normalised by VADER).
 *                 afinn     natural SentimentAnalyzer('English', no stemmer, 'afinn'),
 *                 senticon  … 'senticon', pattern … 'pattern', on the sentence's words with
 *                           stop words (except negations) dropped and "n't" expanded to "not".
 *                           natural returns the mean word polarity (negation flips the rest of
 *                           the sentence); we take the sum (mean × words) rescaled to AFINN units
 *                           (afinn ±5, senticon and pattern ±1 → ×5) and squash it with VADER's
 *                           normaliser s / sqrt(s² + 15), so all four are on the same footing.
 *                 combined  0.4·vader + 0.2·afinn + 0.2·senticon + 0.2·pattern (VADER gets more
 *                           weight: it handles negation scope, boosters, "but", caps and "!").
 *               Document score per method = headlineWeight (0.3) × headline + 0.7 × mean of the
 *               body sentences (all of it to whichever part exists when the other is empty).
 *               `afinnFinancial` (natural's AFINN-165 financial-market-news vocabulary) is also
 *               reported, for comparison; it is not part of `combined`.
 *               With the learned sentiment model (sentiment-model.ts; the default when its weights
 *               file is present and the embedder is the MiniLM `Embedder`), `combined` is instead
 *               the model's score: per sentence, the headline and the first `modelSentences` (8)
 *               body sentences are embedded with MiniLM and scored by the fused model (a regressor
 *               on the embedding + the four lexicon scores, fitted to the VADER human ratings), the
 *               remaining sentences by its lexicon-only stage; the document's `combined` is the same
 *               headline-weighted aggregate of those per-sentence scores, and `sentenceSentiments`
 *               are the per-sentence model scores. `sentimentModel` names the weights used. The
 *               other fields (vader, afinn, senticon, pattern, afinnFinancial) are unchanged.
 *               Stand-in embedders (only `embedOne`, e.g. test fakes or the zero-vector stub used
 *               when embeddings are off) keep the lexicon `combined`; pass `sentimentModel` to choose
 *               explicitly (null = lexicon `combined`).
 *   language    @newsfuse/text/language (script counts, then tinyld; ISO 639-1, 'und' without
 *               letters). This analyzer is the English one: the language router
 *               (@newsfuse/pipeline/languages) sends it English text and reports the language itself.
 */
import { createRequire } from 'node:module';
import { afinn165FinancialMarketNews } from 'afinn-165-financialmarketnews';
import { RegexpTokenizer, createSentimentAnalyzer, stopwords, type SentimentAnalyzer } from '@newsfuse/text/natural';
import { LinearSentenceTokenizer, SENTENCE_ABBREVIATIONS } from '@newsfuse/text/sentences';
import { wordsAndStems, type Term } from '@newsfuse/text/terms';
import { resolveLanguage } from '@newsfuse/text/language';
import { withCode } from '@newsfuse/shared/errors';
import type { DocFreq } from './docfreq.ts';
import type { Embedder } from './embedder.ts';
import { EMBEDDING_DIM } from './embedder.ts';
import { defaultSentimentModel, embedAll, scoreEmbeddedSentences, usableVectors, type SentimentModel } from './sentiment-model.ts';
import { installFastVader } from './vader-fast.ts';

// VADER (~12 MB) loads on first use (and tinyld in @newsfuse/text/language), so a process or worker
// thread that only imports this module (extract's image threads, fuse, score) does not pay for them.
// Its tokeniser is swapped for vader-fast.ts's, which gives the same tokens for a fraction of the CPU.
const require = createRequire(import.meta.url);
let vaderLib: typeof import('vader-sentiment') | undefined;
const vader = () => (vaderLib ??= installFastVader(require('vader-sentiment') as typeof import('vader-sentiment')));

export interface ArticleText {
  title?: string | null;
  body?: string | null;
  /** Optional explicit lead / standfirst; otherwise the first body sentences are used. */
  lead?: string | null;
  /**
   * The article's language when the caller has decided it (the pipeline's language router does, and
   * the flow before it): taken as it is. Otherwise detected from title + body ({@link detectLanguage};
   * for Latin text that loads tinyld's n-gram tables into the thread — ~25 MB of extract's text thread's
   * heap — and runs them, 1–2 CPU ms per article warm: bench/language-detect.ts).
   */
  language?: string | null;
}

export interface Keyword {
  /** Most frequent surface form (lower-case) of the stem. */
  term: string;
  /** L2-normalised TF-IDF weight in (0, 1]. */
  weight: number;
  /** Porter stem (the key used in the document-frequency table and by @newsfuse/text/terms). */
  stem: string;
}

export interface SentimentScores {
  vader: number;
  afinn: number;
  senticon: number;
  pattern: number;
  combined: number;
  /** Extra, not part of `combined`: AFINN-165 financial-market-news vocabulary. */
  afinnFinancial: number;
}

export interface TextFeatures {
  language: string;
  tokens: number;
  sentences: number;
  keywords: { term: string; weight: number; stem: string }[];
  embedding: number[];
  sentiment: SentimentScores;
  /** Combined score per sentence, headline first (when present). */
  sentenceSentiments?: number[];
  /** Id of the learned sentiment model behind `combined`; absent when `combined` is the lexicon blend. */
  sentimentModel?: string;
  /** The article's unique content-word stems of title + body for lexical matching, when the analyzer makes them (the Chinese one, asked to). */
  terms?: string[];
}

export interface TextAnalyzerOptions {
  /** Share of the document sentiment given to the headline (default 0.3). */
  headlineWeight?: number;
  /** Number of keywords returned (default 10). */
  topK?: number;
  /** Body sentences used as lead when `lead` is not given (default 3). */
  leadSentences?: number;
  /** Include `sentenceSentiments` (default true). */
  sentenceSentiments?: boolean;
  /** Characters fed to the language detector (default 2000). */
  languageSampleChars?: number;
  /** Body sentences embedded for the learned sentiment model, after the headline (default 8). */
  modelSentences?: number;
}

export interface AnalyzeOptions {
  /** Add this document to the DocFreq table before computing IDF (default true). Pass false
   *  when re-processing a document that was already observed. */
  observe?: boolean;
}

export interface TextAnalyzer {
  analyze(input: ArticleText, options?: AnalyzeOptions): Promise<TextFeatures>;
}

export const SENTIMENT_WEIGHTS = { vader: 0.4, afinn: 0.2, senticon: 0.2, pattern: 0.2 } as const;
export const DEFAULT_HEADLINE_WEIGHT = 0.3;

// ---------------------------------------------------------------------------------------------
// Normalisation, sentences, terms

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  rsquo: "'",
  lsquo: "'",
  rdquo: '"',
  ldquo: '"',
};

export function normalizeText(text: string): string {
  return text
    .replace(/<\/?[a-zA-Z][^<>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u201A\u201B\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033]/g, '"')
    .replace(/[\u200B-\u200D\u2060\uFEFF\u00AD]/g, '')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

// natural's SentenceTokenizer, its placeholders put back in one pass per sentence (the same sentences: @newsfuse/text/sentences)
const sentenceTokenizer = new LinearSentenceTokenizer(SENTENCE_ABBREVIATIONS);

export function splitSentences(text: string): string[] {
  if (!text.trim()) return [];
  return sentenceTokenizer.tokenize(text).filter((s) => /[\p{L}\p{N}]/u.test(s));
}

/** Lower-cased word tokens and their content-word stems, newswire fillers dropped (@newsfuse/text/terms). */
export const articleWordsAndStems = (text: string): { words: string[]; terms: Term[] } => wordsAndStems(text, { stop: 'news' });

// ---------------------------------------------------------------------------------------------
// Sentiment

type Vocabulary = 'afinn' | 'senticon' | 'pattern' | 'afinnFinancialMarketNews';
const VOCAB_SCALE: Record<Vocabulary, number> = { afinn: 1, afinnFinancialMarketNews: 1, senticon: 5, pattern: 5 };
const VADER_ALPHA = 15;

let analyzers: Record<Vocabulary, SentimentAnalyzer> | null = null;
function getAnalyzers(): Record<Vocabulary, SentimentAnalyzer> {
  // No stemmer: stemming the vocabularies creates false hits (likely→like +2 in AFINN,
  // coming→come +0.875 in senticon); AFINN-165 already lists the inflected forms it scores.
  if (analyzers) return analyzers;
  analyzers = {
    afinn: createSentimentAnalyzer('English', undefined, 'afinn'),
    senticon: createSentimentAnalyzer('English', undefined, 'senticon'),
    pattern: createSentimentAnalyzer('English', undefined, 'pattern'),
    afinnFinancialMarketNews: createSentimentAnalyzer('English', undefined, 'afinnFinancialMarketNews'),
  };
  // natural 8.1.1 reads `.afinnFinancialMarketNews` from afinn-165-financialmarketnews, which
  // exports `afinn165FinancialMarketNews`, so its financial vocabulary is empty: fill it in — once,
  // here (checking it on every call walked the whole vocabulary per sentence; the fix took the text
  // analyzer from 183 to 169 CPU ms per article, docs/benchmarks.md).
  const fin = analyzers.afinnFinancialMarketNews as unknown as { vocabulary: Record<string, number> };
  if (Object.keys(fin.vocabulary).length === 0)
    fin.vocabulary = Object.assign(Object.create(null) as Record<string, number>, afinn165FinancialMarketNews);
  return analyzers;
}

/** VADER's normaliser: maps an unbounded sum to (-1, 1). */
export function squash(sum: number, alpha = VADER_ALPHA): number {
  return sum === 0 ? 0 : sum / Math.sqrt(sum * sum + alpha);
}

// natural's negation list has "not", "no", "never", "neither" only: "n't" contractions and
// "cannot" are expanded to "… not". Stop words are dropped (but not the negations): senticon gives
// polarity to function words ("in" +0.33) and AFINN to "like" (+2, mostly a preposition in news).
const NEGATIONS = new Set(['not', 'no', 'never', 'neither']);
const SENTIMENT_STOP = new Set(stopwords.filter((w) => !NEGATIONS.has(w)));
const sentimentTokenizer = new RegexpTokenizer({ pattern: /[^\p{L}\p{N}']+/u });
export function sentimentWords(sentence: string): string[] {
  const out: string[] = [];
  const push = (w: string) => {
    if (w && !SENTIMENT_STOP.has(w)) out.push(w);
  };
  for (const raw of sentimentTokenizer.tokenize(sentence.toLowerCase())) {
    const t = raw.replace(/^'+|'+$/g, '');
    if (t.endsWith("n't") || t === 'cannot') {
      push(t === "won't" ? 'will' : t === "can't" || t === 'cannot' ? 'can' : t.slice(0, -3));
      push('not');
    } else push(t);
  }
  return out;
}

export type SentenceSentiment = SentimentScores;

export function sentenceSentiment(sentence: string): SentenceSentiment {
  const a = getAnalyzers();
  const words = sentimentWords(sentence);
  const lex = (v: Vocabulary): number => {
    if (words.length === 0) return 0;
    const mean = a[v].getSentiment(words);
    return Number.isFinite(mean) ? squash(mean * words.length * VOCAB_SCALE[v]) : 0;
  };
  const s = {
    vader: sentence.trim() ? vader().SentimentIntensityAnalyzer.polarity_scores(sentence).compound : 0,
    afinn: lex('afinn'),
    senticon: lex('senticon'),
    pattern: lex('pattern'),
    afinnFinancial: lex('afinnFinancialMarketNews'),
  };
  return { ...s, combined: combine(s) };
}

function combine(s: Pick<SentimentScores, 'vader' | 'afinn' | 'senticon' | 'pattern'>): number {
  const w = SENTIMENT_WEIGHTS;
  return clamp(w.vader * s.vader + w.afinn * s.afinn + w.senticon * s.senticon + w.pattern * s.pattern);
}

const clamp = (x: number): number => Math.max(-1, Math.min(1, x));
const KEYS = ['vader', 'afinn', 'senticon', 'pattern', 'afinnFinancial'] as const;

/** Headline-weighted aggregate of per-sentence scores. */
export function aggregateSentiment(
  headline: SentenceSentiment | null,
  body: SentenceSentiment[],
  headlineWeight = DEFAULT_HEADLINE_WEIGHT,
): SentimentScores {
  const out = { vader: 0, afinn: 0, senticon: 0, pattern: 0, afinnFinancial: 0 };
  const hw = headline ? (body.length ? headlineWeight : 1) : 0;
  for (const k of KEYS) {
    const bodyMean = body.length ? body.reduce((s, x) => s + x[k], 0) / body.length : 0;
    out[k] = clamp(hw * (headline?.[k] ?? 0) + (1 - hw) * bodyMean);
  }
  return { ...out, combined: combine(out) };
}

// ---------------------------------------------------------------------------------------------
// Keywords

export async function tfidfKeywords(
  titleTerms: Term[],
  bodyTerms: Term[],
  docFreq: DocFreq,
  { topK = 10, observe = true }: { topK?: number; observe?: boolean } = {},
): Promise<Keyword[]> {
  const counts = new Map<string, number>();
  const surface = new Map<string, Map<string, number>>();
  const add = (t: Term, n: number) => {
    counts.set(t.stem, (counts.get(t.stem) ?? 0) + n);
    const forms = surface.get(t.stem) ?? new Map<string, number>();
    forms.set(t.word, (forms.get(t.word) ?? 0) + 1);
    surface.set(t.stem, forms);
  };
  for (const t of titleTerms) add(t, 2);
  for (const t of bodyTerms) add(t, 1);
  const stems = [...counts.keys()];
  if (stems.length === 0) return [];
  if (observe) await docFreq.observe(stems);
  const [df, total] = await Promise.all([docFreq.get(stems), docFreq.total()]);
  const raw = stems.map((stem, i) => {
    const idf = Math.log((1 + total) / (1 + (df[i] ?? 0))) + 1;
    return { stem, w: (1 + Math.log(counts.get(stem)!)) * idf };
  });
  const norm = Math.sqrt(raw.reduce((s, x) => s + x.w * x.w, 0)) || 1;
  return raw
    .map(({ stem, w }) => ({ stem, weight: w / norm, term: bestForm(surface.get(stem)!) }))
    .sort((a, b) => b.weight - a.weight || (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0))
    .slice(0, topK)
    .map(({ term, weight, stem }) => ({ term, weight, stem }));
}

function bestForm(forms: Map<string, number>): string {
  let best = '';
  let n = -1;
  for (const [f, c] of forms) {
    if (c > n || (c === n && f < best)) {
      best = f;
      n = c;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Analyzer

/** The article language of `text` (@newsfuse/text/language, the same decision the pipeline makes). */
export function detectLanguage(text: string, sampleChars = 2000): string {
  return resolveLanguage({ text }, sampleChars).language;
}

/** The analyzer options every language's analyzer reads, with their defaults, checked. */
export function resolveAnalyzerOptions(o: TextAnalyzerOptions): {
  headlineWeight: number;
  topK: number;
  leadSentences: number;
  modelSentences: number;
} {
  const headlineWeight = o.headlineWeight ?? DEFAULT_HEADLINE_WEIGHT;
  if (!(headlineWeight >= 0 && headlineWeight <= 1)) throw new RangeError('headlineWeight must be in [0, 1]');
  return { headlineWeight, topK: o.topK ?? 10, leadSentences: o.leadSentences ?? 3, modelSentences: o.modelSentences ?? 8 };
}

export function createTextAnalyzer(deps: {
  embedder: Pick<Embedder, 'embedOne'> & Partial<Pick<Embedder, 'embed' | 'dim'>>;
  docFreq: DocFreq;
  options?: TextAnalyzerOptions;
  /** Learned sentiment model for `combined`; null: lexicon blend; default: the committed model
   *  when its weights are present and `embedder` is a full MiniLM Embedder (has `embed`, dim 384). */
  sentimentModel?: SentimentModel | null;
}): TextAnalyzer {
  const { embedder, docFreq } = deps;
  const sentimentModel =
    deps.sentimentModel !== undefined
      ? deps.sentimentModel
      : typeof embedder.embed === 'function' && embedder.dim === EMBEDDING_DIM
        ? defaultSentimentModel()
        : null;
  const o = deps.options ?? {};
  const { headlineWeight, topK, leadSentences, modelSentences } = resolveAnalyzerOptions(o);

  return {
    async analyze(input, { observe = true } = {}) {
      const title = normalizeText(input.title ?? '');
      const body = normalizeText(input.body ?? '');
      const bodySentences = splitSentences(body);
      const lead = input.lead ? normalizeText(input.lead) : bodySentences.slice(0, leadSentences).join(' ');
      const embedText = [title, lead].filter(Boolean).join('\n');

      const t = articleWordsAndStems(title);
      const b = articleWordsAndStems(body);

      // The article's text and the sentences the sentiment model reads, in one embedder call: one
      // model-host request for the job's encoder runs (docs/model-host.md), each sentence still run on
      // its own, so the vectors are those of separate calls.
      const sentences = [...(title ? [title] : []), ...bodySentences];
      const modelLead = sentimentModel ? sentences.slice(0, (title ? 1 : 0) + modelSentences) : [];
      const [vectors, keywords] = await Promise.all([
        embedAll(embedder, [...(embedText ? [embedText] : []), ...modelLead]),
        tfidfKeywords(t.terms, b.terms, docFreq, { topK, observe }),
      ]);
      const embedding = embedText ? vectors[0]! : new Float32Array(EMBEDDING_DIM);
      const leadVectors = usableVectors(vectors.slice(embedText ? 1 : 0));

      // A failure here is SENTIMENT_FAILED (an embedder failure keeps its own code).
      const { headline, perBody, sentiment } = await withCode('SENTIMENT_FAILED', 'sentiment analysis', async () => {
        const headline = title ? sentenceSentiment(title) : null;
        const perBody = bodySentences.map(sentenceSentiment);
        const sentiment = aggregateSentiment(headline, perBody, headlineWeight);
        if (sentimentModel) {
          const scores = scoreEmbeddedSentences(sentimentModel, leadVectors, [...(headline ? [headline] : []), ...perBody]);
          const h = headline ? (headline.combined = scores[0]!) : null;
          perBody.forEach((s, i) => (s.combined = scores[i + (headline ? 1 : 0)]!));
          const hw = headline ? (perBody.length ? headlineWeight : 1) : 0;
          const bodyMean = perBody.length ? perBody.reduce((a, s) => a + s.combined, 0) / perBody.length : 0;
          sentiment.combined = clamp(hw * (h ?? 0) + (1 - hw) * bodyMean);
        }
        return { headline, perBody, sentiment };
      });

      const out: TextFeatures = {
        language: input.language || detectLanguage([title, body].filter(Boolean).join('. '), o.languageSampleChars),
        tokens: t.words.length + b.words.length,
        sentences: bodySentences.length + (title ? 1 : 0),
        keywords,
        embedding: Array.from(embedding),
        sentiment,
      };
      if (o.sentenceSentiments ?? true) out.sentenceSentiments = [...(headline ? [headline] : []), ...perBody].map((s) => s.combined);
      if (sentimentModel) out.sentimentModel = sentimentModel.id;
      return out;
    },
  };
}
