/**
 * The extract stage's logic: text job → TextFeatures, image job → ImageFeatures (ok, or failed with a
 * reason once retries are exhausted). Collaborators (fetcher, analyzers, embedder) are passed in, so
 * the services, the one-shot `newsfuse score` command and the tests share this code.
 */
import { NewsFuseError, toNewsFuseError } from '@newsfuse/shared/errors';
import { CONFIDENT_OBJECT_SCORE, ImageFeatures, TextFeatures, decode, type ImageFeaturesOk } from '@newsfuse/shared/events';
import { type ImageJobData, type TextJobData } from '@newsfuse/shared/jobs';
import { stemsOf, termLanguage } from '@newsfuse/text/terms';
import { captionComparands, embedCaptions, storyAndCopies, type CaptionChoice } from './captions.ts';

export interface TextAnalysis {
  /** ISO 639-1 code of the text (the language router's decision). */
  language: string;
  /** How the language was decided (script counts, the declared tag, the detector, or the default). */
  languageSource?: 'script' | 'declared' | 'detected' | 'default';
  /** Dominant script ('Han', 'Latin', 'Arabic', …). */
  script?: string;
  /** Traditional Chinese, analysed after conversion to Simplified (the article keeps the original). */
  traditional?: boolean;
  /** The analyzer that read it, when a router chose one (else the port's `model`). */
  model?: string;
  tokens: number;
  sentences: number;
  keywords: { term: string; weight: number }[];
  embedding?: number[];
  /** Null when no model reads the language (`unsupported` says why). */
  sentiment: { vader: number; afinn: number; senticon?: number; pattern?: number; combined: number } | null;
  /** Present when no model reads the language (the language router's fallback). */
  unsupported?: { code: 'LANGUAGE_UNSUPPORTED'; message: string };
  /** Unique terms for lexical matching, when the language's analyzer makes its own (else English stems of the text). */
  terms?: string[];
}

export interface TextAnalyzerPort {
  /** `observe: false` on a retry, so the document-frequency table counts each article once. */
  analyze(input: { title: string; body: string; lead?: string; language?: string }, opts?: { observe?: boolean }): Promise<TextAnalysis>;
  /**
   * Embeds texts in the same space as the article's `embedding` (the embedder of the article's
   * language); absent when embeddings are off. The captions go through it.
   */
  embedTexts?(texts: string[], language: string): Promise<ArrayLike<number>[]>;
  readonly model: string;
}

/** What an image analyzer reports for one decoded image (the caller adds identity and timing). */
export type ImageAnalysis = Pick<
  ImageFeaturesOk,
  'width' | 'height' | 'format' | 'bytes' | 'colour' | 'phash' | 'nearDup' | 'objects' | 'ocr' | 'faces' | 'textView'
>;

export interface ImageAnalyzerPort {
  analyze(bytes: Buffer, opts: { caption?: string }): Promise<ImageAnalysis>;
  readonly model: string;
}

export interface EmbedderPort {
  embedOne(text: string): Promise<Float32Array>;
}

/** Renders an image's text view from what the analyzer saw (objects at or above CONFIDENT_OBJECT_SCORE). */
export type TextViewRenderer = (input: {
  objects: readonly { label: string; score: number }[];
  ocr: readonly { text: string }[];
  caption?: string | undefined;
}) => string;

export interface Fetcher {
  (url: string): Promise<Buffer>;
}

/** A CLIP-style joint embedder (libs/models/src/joint), present only when configured. */
export interface JointEmbedderPort {
  readonly model: string;
  imageBytes(bytes: Uint8Array): Promise<number[]>;
  article(a: { title: string; summary?: string | undefined }): Promise<number[]>;
}

export interface ExtractorDeps {
  text: TextAnalyzerPort;
  image: ImageAnalyzerPort;
  fetchImage: Fetcher;
  /** Embeds an image's text view; omitted when embeddings are off. */
  embedder?: EmbedderPort;
  /** The embedder of an article language's sentence space (the language router); `embedder` when absent. */
  embedderFor?: (language: string | undefined) => EmbedderPort | undefined;
  /**
   * The image text view written in an article language (the language router): a Chinese article's
   * photo is named in Chinese, so its embedding is compared with the article's in one language.
   * Undefined for a language, or absent: the image analyzer's (English) view.
   */
  textViewFor?: (language: string | undefined) => TextViewRenderer | undefined;
  joint?: JointEmbedderPort;
  /** Story sentences each caption is compared with and which (captions.ts `CAPTION_SENTENCES`, `overlap` when absent). */
  captionSentences?: number;
  captionChoice?: CaptionChoice;
  now?: () => number;
}

export interface Attempt {
  /** 1-based attempt number and the total allowed. */
  number: number;
  of: number;
}

export function createExtractor(deps: ExtractorDeps) {
  const now = deps.now ?? (() => performance.now());

  async function text(job: TextJobData, attempt: Attempt = { number: 1, of: 1 }): Promise<TextFeatures> {
    const t0 = now();
    const body = [job.summary, job.body].filter(Boolean).join('\n\n');
    const joint = deps.joint
      ? { jointEmbedding: await deps.joint.article({ title: job.title, summary: job.summary }), jointModel: deps.joint.model }
      : {};
    const a = await deps.text.analyze(
      { title: job.title, body, ...(job.summary ? { lead: job.summary } : {}), ...(job.language ? { language: job.language } : {}) },
      { observe: attempt.number === 1 },
    );
    const language = a.language;
    const embedTexts = deps.text.embedTexts?.bind(deps.text);
    // a caption is compared with the article without the captions' copies in it (captions.ts storyText):
    // the body is split once, for the best-sentence search and for the words, entities and numbers
    const parts = storyAndCopies(body, job.captions ?? []);
    // the article's terms for lexical matching: the analyzer's own (a language with its term pipeline), else English stems
    const termLang = a.terms ? (termLanguage(language) ?? 'en') : 'en';
    const captions =
      embedTexts && job.captions && job.captions.length > 0
        ? await embedCaptions((texts) => embedTexts(texts, language), parts.story, job.captions.slice(0, 32), {
            ...(deps.captionSentences ? { max: deps.captionSentences } : {}),
            ...(deps.captionChoice ? { choice: deps.captionChoice } : {}),
            stems: (t) => stemsOf(t, { lang: termLang }),
          })
        : [];
    const terms = a.terms ?? stemsOf(`${job.title}\n${body}`);
    const { entities, numbers, captionOnlyTerms } = captionComparands({ title: job.title, terms, ...parts }, (t) =>
      stemsOf(t, { lang: termLang }),
    );
    return decode(TextFeatures, {
      schemaVersion: 1,
      articleId: job.articleId,
      version: job.version,
      status: 'ok',
      language: a.language,
      ...(a.languageSource ? { languageSource: a.languageSource } : {}),
      ...(a.script ? { script: a.script } : {}),
      ...(a.traditional ? { traditional: true } : {}),
      tokens: a.tokens,
      sentences: a.sentences,
      terms,
      ...(captionOnlyTerms.length > 0 ? { captionOnlyTerms } : {}),
      keywords: a.keywords.map(({ term, weight }) => ({ term, weight })),
      entities,
      numbers,
      ...(captions.length > 0 ? { captions } : {}),
      ...(a.embedding && a.embedding.some((x) => x !== 0) ? { embedding: a.embedding } : {}),
      sentiment: a.sentiment,
      ...(a.unsupported ? { unsupported: a.unsupported } : {}),
      ...joint,
      model: a.model ?? deps.text.model,
      ms: now() - t0,
    });
  }

  /**
   * Analyses one image. A retriable failure (timeout, 5xx) is thrown while attempts remain so BullMQ
   * retries it; the last attempt, or a permanent failure, returns a `failed` record with its reason.
   */
  async function image(job: ImageJobData, attempt: Attempt): Promise<ImageFeatures> {
    const t0 = now();
    const base = {
      schemaVersion: 1 as const,
      articleId: job.articleId,
      version: job.version,
      index: job.index,
      url: job.url,
      ...(job.caption ? { caption: job.caption, captionSource: job.captionSource ?? 'caption' } : {}),
    };
    try {
      const bytes = await deps.fetchImage(job.url);
      const analysis = await deps.image.analyze(bytes, job.caption ? { caption: job.caption } : {});
      const render = job.language ? deps.textViewFor?.(job.language) : undefined;
      // the same objects the analyzer's view names (≥ CONFIDENT_OBJECT_SCORE), in the article's language
      const textView = render
        ? render({ objects: analysis.objects.filter((o) => o.score >= CONFIDENT_OBJECT_SCORE), ocr: analysis.ocr, caption: job.caption })
        : analysis.textView;
      const embedder = deps.embedderFor ? deps.embedderFor(job.language) : deps.embedder;
      const embedding = embedder && textView.trim() ? Array.from(await embedder.embedOne(textView)) : undefined;
      const joint = deps.joint ? { jointEmbedding: await deps.joint.imageBytes(bytes), jointModel: deps.joint.model } : {};
      return decode(ImageFeatures, {
        ...base,
        status: 'ok',
        ...analysis,
        textView,
        ...(render ? { textViewLanguage: job.language } : {}),
        ...(embedding ? { embedding } : {}),
        ...joint,
        model: deps.image.model,
        ms: now() - t0,
      });
    } catch (error) {
      const err = toNewsFuseError(error);
      if (err.retriable && attempt.number < attempt.of) throw err;
      return { ...base, status: 'failed', code: err.code, reason: err.message };
    }
  }

  return { text, image };
}
export type Extractor = ReturnType<typeof createExtractor>;

export { NewsFuseError };
