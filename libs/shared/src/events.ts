/**
 * Versioned event schemas: the one definition of every message that crosses a process boundary.
 * Producers call `encode`, consumers call `decode`; both are pure. `decode` throws a DecodeError
 * naming the first offending field.
 */
import { z } from 'zod';
import { DecodeError } from './errors.ts';

export const TOPICS = {
  articles: 'news.articles.v1',
  fused: 'news.fused.v1',
  scored: 'news.scored.v1',
  deadletter: 'news.deadletter.v1',
} as const;

const isoDate = z.iso.datetime({ offset: true });
const unit = z.number().min(-1).max(1);
const prob = z.number().min(0).max(1);

export const ImageRef = z.object({
  url: z.url(),
  caption: z.string().max(4000).optional(),
  alt: z.string().max(4000).optional(),
  credit: z.string().max(1000).optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
});
export type ImageRef = z.infer<typeof ImageRef>;

export const ArticleEvent = z.object({
  schemaVersion: z.literal(1),
  articleId: z.string().min(8).max(128),
  version: z.number().int().min(1),
  source: z.object({
    kind: z.enum(['feed', 'push', 'replay', 'demo']),
    feedUrl: z.string().max(2048).optional(),
    outlet: z.string().max(256).optional(),
  }),
  url: z.url(),
  title: z.string().min(1).max(2000),
  summary: z.string().max(20_000).optional(),
  body: z.string().max(500_000).optional(),
  language: z.string().max(16).optional(),
  publishedAt: isoDate,
  fetchedAt: isoDate,
  images: z.array(ImageRef).max(32).default([]),
  categories: z.array(z.string().max(200)).max(64).default([]),
  authors: z.array(z.string().max(200)).max(32).default([]),
  relatedTo: z.array(z.string()).max(32).optional(),
});
export type ArticleEvent = z.infer<typeof ArticleEvent>;

export const Sentiment = z.object({
  vader: unit,
  afinn: unit,
  senticon: unit.optional(),
  pattern: unit.optional(),
  combined: unit,
});

/** Why a score is null: a coded reason from the error catalogue (e.g. LANGUAGE_UNSUPPORTED). */
export const NullReason = z.object({ code: z.string().max(64), message: z.string().max(1000) });
export type NullReason = z.infer<typeof NullReason>;

export const TextFeatures = z.object({
  schemaVersion: z.literal(1),
  articleId: z.string(),
  version: z.number().int().min(1),
  status: z.literal('ok'),
  /** ISO 639-1 code decided by the language router (@newsfuse/text/language). */
  language: z.string().optional(),
  languageSource: z.enum(['script', 'declared', 'detected', 'default']).optional(),
  /** Dominant script of the text ('Han', 'Latin', 'Arabic', …). */
  script: z.string().max(32).optional(),
  /** Traditional Chinese: analysed after conversion to Simplified; the article keeps its original text. */
  traditional: z.boolean().optional(),
  tokens: z.number().int().min(0),
  sentences: z.number().int().min(0),
  /** Unique stems of the title and text, for lexical matching (bounded). */
  terms: z.array(z.string()).max(5000),
  keywords: z.array(z.object({ term: z.string(), weight: z.number() })).max(50),
  embedding: z.array(z.number()).optional(),
  /** The article in a CLIP-style joint image–text space, when JOINT_EMBEDDER_DIR is configured. */
  jointEmbedding: z.array(z.number()).max(4096).optional(),
  jointModel: z.string().optional(),
  /**
   * Terms that occur in the article only inside its images' captions' copies in the body (extract's
   * storyText): the caption signals leave them out, so a caption does not match its own copy. Absent
   * when there are none (and in events from before).
   */
  captionOnlyTerms: z.array(z.string()).max(5000).optional(),
  /**
   * Entity keys of the title and text (folded tokens of its named entities: libs/text/src/captions.ts),
   * and its numbers and dates, for the caption signals (bounded); the text without its images'
   * captions' copies (extract's storyText), so a caption does not match its own copy.
   */
  entities: z.array(z.string()).max(5000).optional(),
  numbers: z.array(z.string()).max(2000).optional(),
  /**
   * The article's images' captions (or alt texts) in the article's own embedding space: per image,
   * the caption embedded by the embedder of the article's language and its best cosine with one of
   * the article's sentences. Present only when embeddings are on and an image has a caption.
   */
  captions: z
    .array(
      z.object({
        index: z.number().int().min(0),
        source: z.enum(['caption', 'alt']),
        embedding: z.array(z.number()).max(4096),
        sentenceCos: unit.optional(),
        sentence: z.number().int().min(0).optional(),
      }),
    )
    .max(32)
    .optional(),
  /** Null when no model reads the language (`unsupported` says so); never a made-up number. */
  sentiment: Sentiment.nullable(),
  /** Present when no model reads the article's language: sentiment is null, embedding, terms and keywords are empty. */
  unsupported: NullReason.optional(),
  model: z.string(),
  ms: z.number().min(0),
});
export type TextFeatures = z.infer<typeof TextFeatures>;

/**
 * Detector score from which an object counts as seen: the image's text view names only these, and
 * explanations and the dashboard show lower-scored objects as "possibly" at most. Lower-scored
 * detections still travel in ImageFeatures.objects, where the fusion signals weigh them by score.
 */
export const CONFIDENT_OBJECT_SCORE = 0.3;
/** Upper bound of ImageFeatures.objects (the extract stage's IMAGE_MAX_OBJECTS is at most this). */
export const MAX_OBJECTS = 100;

/** 64 bits as 16 lower-case hex digits. */
const Hash64 = z.string().regex(/^[0-9a-f]{16}$/);
/**
 * Near-duplicate hashes of a photo (libs/models/src/image/neardup.ts): the whole frame and nine 90 %
 * crops, for the recycled-photo index (docs/recycled-photos.md).
 */
export const NearDupHashes = z.object({ v: z.literal(1), full: Hash64, views: z.array(Hash64).max(16) });

const ImageBase = z.object({
  schemaVersion: z.literal(1),
  articleId: z.string(),
  version: z.number().int().min(1),
  index: z.number().int().min(0),
  url: z.string(),
  caption: z.string().optional(),
  /** Whether `caption` is the image's caption or, when it has none, its alt text. */
  captionSource: z.enum(['caption', 'alt']).optional(),
});

export const ImageFeaturesOk = ImageBase.extend({
  status: z.literal('ok'),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  format: z.string(),
  bytes: z.number().int().min(0),
  colour: z.object({
    mean: z.array(z.number()).length(3),
    std: z.array(z.number()).length(3),
    brightness: z.number(),
    saturation: z.number(),
  }),
  phash: z.string().optional(),
  /** Absent in events from before the recycled-photo index. */
  nearDup: NearDupHashes.optional(),
  /**
   * Every detection down to the extract stage's IMAGE_OBJECT_MIN_SCORE (default 0.05), best first,
   * each with its detector score. Only those scored ≥ CONFIDENT_OBJECT_SCORE are named in the text
   * view; a reader that shows objects as facts must apply the same floor.
   */
  objects: z
    .array(z.object({ label: z.string(), score: prob, box: z.array(z.number()).length(4) }))
    .max(MAX_OBJECTS)
    .default([]),
  ocr: z.array(z.object({ text: z.string(), confidence: prob })).default([]),
  faces: z.array(z.object({ score: prob, box: z.array(z.number()).length(4), expressions: z.record(z.string(), prob) })).default([]),
  /** Object labels + OCR text + caption: the image seen as text. */
  textView: z.string(),
  /**
   * The language the text view is written in, when it was rendered in the article's language (a
   * Chinese article's photo: object names in Chinese); absent: the image analyzer's English view.
   */
  textViewLanguage: z.string().optional(),
  embedding: z.array(z.number()).optional(),
  /** The photo in the joint image–text space, when JOINT_EMBEDDER_DIR is configured. */
  jointEmbedding: z.array(z.number()).max(4096).optional(),
  jointModel: z.string().optional(),
  model: z.string(),
  ms: z.number().min(0),
});
export const ImageFeaturesFailed = ImageBase.extend({
  status: z.literal('failed'),
  code: z.string(),
  reason: z.string(),
});
export const ImageFeatures = z.discriminatedUnion('status', [ImageFeaturesOk, ImageFeaturesFailed]);
export type ImageFeatures = z.infer<typeof ImageFeatures>;
export type ImageFeaturesOk = z.infer<typeof ImageFeaturesOk>;

export const MODALITY_LABELS = ['complete', 'partial', 'text-only', 'image-failed', 'text-failed'] as const;
export const ModalityLabel = z.enum(MODALITY_LABELS);
export type ModalityLabel = z.infer<typeof ModalityLabel>;

export const ArticleSummary = ArticleEvent.pick({
  articleId: true,
  version: true,
  source: true,
  url: true,
  title: true,
  publishedAt: true,
  categories: true,
  language: true,
});

export const FusedEvent = z.object({
  schemaVersion: z.literal(1),
  articleId: z.string(),
  version: z.number().int().min(1),
  strategy: z.string(),
  article: ArticleSummary,
  modalities: z.object({
    label: ModalityLabel,
    text: z.enum(['ok', 'failed']),
    images: z.object({ total: z.number().int(), ok: z.number().int(), failed: z.number().int() }),
  }),
  text: TextFeatures.optional(),
  images: z.array(ImageFeatures),
  /** Strategy outputs: named similarities/scores, per image where it applies. */
  fusion: z.object({
    perImage: z.array(
      z.object({
        index: z.number().int(),
        signals: z.record(z.string(), z.number()),
        /**
         * Signals left out for a reason, name → why: LANGUAGE_MISMATCH (a caption in another language than
         * the article's), or `caption` → CAPTION_NOT_DESCRIPTIVE (a credit, file name or boilerplate: the image
         * is scored as one without a caption).
         */
        missing: z.record(z.string(), z.string()).optional(),
      }),
    ),
    signals: z.record(z.string(), z.number()),
  }),
  timings: z.record(z.string(), z.number()),
  ingestedAt: isoDate,
  fusedAt: isoDate,
});
export type FusedEvent = z.infer<typeof FusedEvent>;

/** `unknown`: no sentiment could be read (the language is unsupported and no face was seen). */
export const SentimentLabel = z.enum(['negative', 'neutral', 'positive', 'unknown']);

/** Where the recycled-photo index first saw a photo, and what that means here (docs/recycled-photos.md). */
export const RecycledPhoto = z.object({
  index: z.number().int().min(0),
  status: z.enum(['original', 'recycled', 'same-story', 'reused']),
  firstSeen: z.object({
    articleId: z.string(),
    version: z.number().int().min(1),
    title: z.string(),
    source: z.string(),
    publishedAt: isoDate,
    story: z.object({ id: z.string(), label: z.string() }).optional(),
  }),
  /** Articles the photo was seen in, this one included. */
  count: z.number().int().min(1),
  /** Bits between this photo's hashes and the stored ones (0–64). */
  distance: z.number().int().min(0).max(64),
});
export type RecycledPhoto = z.infer<typeof RecycledPhoto>;
export const TopicKind = z.enum(['story', 'category', 'keyword', 'misc']);

export const ScoredEvent = z.object({
  schemaVersion: z.literal(1),
  articleId: z.string(),
  version: z.number().int().min(1),
  url: z.string(),
  title: z.string(),
  source: ArticleEvent.shape.source,
  publishedAt: isoDate,
  /** The article's language (ISO 639-1), as the language router decided it; absent in events from before languages were routed. */
  language: z.string().max(16).optional(),
  modality: ModalityLabel,
  relevance: z.object({
    score: prob.nullable(),
    label: z.enum(['relevant', 'mismatch', 'unknown']),
    threshold: prob,
    strategy: z.string(),
    perImage: z.array(z.object({ index: z.number().int(), url: z.string(), status: z.enum(['ok', 'failed']), score: prob.nullable() })),
    /** Why `score` is null when the reason is not the images' (e.g. LANGUAGE_UNSUPPORTED). */
    reason: NullReason.optional(),
    explanation: z.object({
      matched: z.array(
        z.object({
          kind: z.enum(['object', 'ocr', 'caption', 'face']),
          term: z.string(),
          /** For objects: the detector score. */
          score: prob.optional(),
          /** For objects scored below CONFIDENT_OBJECT_SCORE: possibly there, not seen for sure. */
          tentative: z.boolean().optional(),
        }),
      ),
      text: z.string(),
    }),
    /** Per photo with near-duplicate hashes, when the score service's recycled-photo index is on. */
    recycled: z.array(RecycledPhoto).max(32).optional(),
  }),
  sentiment: z.object({
    /** Null when no model reads the article's language (`reason` says so). */
    text: unit.nullable(),
    image: unit.nullable(),
    /** The text and image scores combined; the image's alone when the text has none; null when neither exists. */
    fused: unit.nullable(),
    label: SentimentLabel,
    /** Why `text` is null (e.g. LANGUAGE_UNSUPPORTED). */
    reason: NullReason.optional(),
  }),
  /**
   * Story (online clustering of title+lead embeddings; id `story:…`, label its top terms), categories
   * (`cat:…`), keywords (`kw:…`) or `misc`. `kind` is absent in events from before stories.
   */
  topics: z.array(z.object({ id: z.string(), label: z.string(), kind: TopicKind.optional() })),
  models: z.record(z.string(), z.string()),
  timings: z.record(z.string(), z.number()),
  ingestedAt: isoDate,
  emittedAt: isoDate,
});
export type ScoredEvent = z.infer<typeof ScoredEvent>;

export const DeadLetter = z.object({
  schemaVersion: z.literal(1),
  stage: z.string(),
  code: z.string(),
  reason: z.string(),
  retriable: z.boolean(),
  articleId: z.string().optional(),
  origin: z.object({
    topic: z.string().optional(),
    partition: z.number().int().optional(),
    offset: z.string().optional(),
    queue: z.string().optional(),
    jobId: z.string().optional(),
    url: z.string().optional(),
  }),
  /** The offending input, truncated to 64 KiB, so nothing is lost. */
  payload: z.string(),
  at: isoDate,
});
export type DeadLetter = z.infer<typeof DeadLetter>;

export const SCHEMAS = { ArticleEvent, TextFeatures, ImageFeatures, FusedEvent, ScoredEvent, DeadLetter } as const;
export const SUPPORTED_SCHEMA_VERSION = 1;

/** Pure decode: bytes/string/object → typed event, or a DecodeError naming the field. */
export function decode<S extends z.ZodType>(schema: S, raw: Buffer | string | unknown): z.infer<S> {
  let value: unknown = raw;
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) {
    const text = typeof raw === 'string' ? raw : raw.toString('utf8');
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new DecodeError('EVENT_INVALID_JSON', `invalid JSON: ${(err as Error).message}`, undefined, err);
    }
  }
  if (value !== null && typeof value === 'object' && 'schemaVersion' in value) {
    const v = (value as { schemaVersion: unknown }).schemaVersion;
    if (v !== SUPPORTED_SCHEMA_VERSION) {
      throw new DecodeError(
        'EVENT_VERSION',
        `unsupported schemaVersion ${JSON.stringify(v)} (expected ${SUPPORTED_SCHEMA_VERSION})`,
        'schemaVersion',
      );
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new DecodeError('EVENT_SCHEMA', `${field}: ${issue?.message ?? 'invalid'}`, field, result.error);
  }
  return result.data;
}

/** Validates before serialising, so a producer can never publish what consumers would reject. */
export function encode<S extends z.ZodType>(schema: S, event: z.input<S>): string {
  return JSON.stringify(decode(schema, event));
}

export const MAX_DEADLETTER_PAYLOAD = 64 * 1024;
export function truncatePayload(raw: Buffer | string | null | undefined): string {
  if (raw == null) return '';
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  return text.length > MAX_DEADLETTER_PAYLOAD
    ? `${text.slice(0, MAX_DEADLETTER_PAYLOAD)}…[truncated ${text.length - MAX_DEADLETTER_PAYLOAD} chars]`
    : text;
}
