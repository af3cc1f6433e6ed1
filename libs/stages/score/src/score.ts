/**
 * Pure scoring: fused record → calibrated relevance with an explanation, fused sentiment with a label,
 * and topics. No Kafka, Redis or network in here.
 */
import { CONFIDENT_OBJECT_SCORE, type FusedEvent, type ScoredEvent } from '@newsfuse/shared/events';
import { slug } from '@newsfuse/text/slug';
import { termLanguage, termsOf } from '@newsfuse/text/terms';
import { OBJECT_LEXICONS } from '@newsfuse/models/lexical/object-lexicons';
import { articleMentions, type CocoLabel } from '@newsfuse/models/lexical/coco';
import { calibrate, calibrationFor, type CalibrationFile, type Calibrator, type StrategyCalibration } from './calibration.ts';
import type { StoryTopic } from './stories.ts';
import { DEFAULT_RECYCLED_OPTIONS, explainRecycled, type RecycledImage } from './recycled.ts';

export interface ScoreOptions {
  /**
   * Calibrated relevance at or above this is `relevant`, below is `mismatch`. Undefined: the threshold
   * chosen on the development data for the event's strategy (calibration.json).
   */
  threshold?: number;
  /**
   * Signals read for relevance, in order of preference per image. `relevance` (every strategy emits
   * it) is calibrated with the strategy's calibrator; the others are read as they are (events from
   * before the calibrated strategies).
   */
  relevanceSignals: string[];
  /** Calibrator and threshold per strategy (English, and every language without its own). */
  calibration: Record<string, StrategyCalibration>;
  /** Per article language: its own calibrator and threshold per strategy (calibration.json `languages`). */
  calibrationByLanguage?: Record<string, Record<string, StrategyCalibration>>;
  /** Weight of the image (faces) in fused sentiment when faces exist. */
  imageSentimentWeight: number;
  /** Beyond ±neutralBand a sentiment is positive/negative. */
  neutralBand: number;
  models: Record<string, string>;
  /** A recycled photo's relevance is multiplied by (1 − this) (docs/recycled-photos.md). */
  recycledPenalty?: number;
}

/** The defaults, with the calibrators and thresholds fitted by scripts/train-fusion.ts (models/weights/calibration.json). */
export function defaultScoreOptions(calibration: CalibrationFile): ScoreOptions {
  return {
    relevanceSignals: ['relevance', 'textview_overlap', 'caption_overlap'],
    calibration: calibration.strategies,
    calibrationByLanguage: Object.fromEntries(Object.entries(calibration.languages ?? {}).map(([lang, c]) => [lang, c.strategies])),
    imageSentimentWeight: 0.25,
    neutralBand: 0.05,
    models: {},
  };
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

type CalibrationOptions = Pick<ScoreOptions, 'calibration' | 'calibrationByLanguage'>;

/** The decision threshold for an event of `strategy` on an article in `language` (its own calibration, else English's). */
export function thresholdFor(strategy: string, opts: Pick<ScoreOptions, 'threshold'> & CalibrationOptions, language?: string): number {
  return opts.threshold ?? calibrationFor(opts.calibration, opts.calibrationByLanguage, strategy, language)?.threshold ?? 0.5;
}

/**
 * A per-image relevance signal → probability in [0, 1]: the calibrator of the article's language (its
 * own, else the default), of the image's regime (`caption` for the with-caption regime).
 */
export function calibratedRelevance(
  strategy: string,
  signal: string,
  raw: number,
  opts: CalibrationOptions,
  regime?: 'caption',
  language?: string,
): number {
  const c =
    signal === 'relevance'
      ? regimeCalibrator(calibrationFor(opts.calibration, opts.calibrationByLanguage, strategy, language), regime)
      : undefined;
  return clamp(c ? calibrate(c, raw) : raw, 0, 1);
}

/** The calibrator of an image's regime: the with-caption one when the file has it, else the strategy's. */
export function regimeCalibrator(c: StrategyCalibration | undefined, regime: 'caption' | undefined): Calibrator | undefined {
  return (regime === 'caption' ? c?.caption?.calibrator : undefined) ?? c?.calibrator;
}

/** The regime fusion put an image in (strategies.ts: `caption_regime` = 1 with a caption model). */
export const regimeOf = (signals: Record<string, number>): 'caption' | undefined => (signals.caption_regime === 1 ? 'caption' : undefined);

/** Valence of a face's expression distribution in [-1, 1]. */
export function faceValence(expressions: Record<string, number>): number {
  const pos = (expressions.happy ?? 0) + 0.5 * (expressions.surprised ?? 0);
  const neg = (expressions.sad ?? 0) + (expressions.angry ?? 0) + (expressions.fearful ?? 0) + (expressions.disgusted ?? 0);
  return clamp(pos - neg, -1, 1);
}

export function sentimentLabel(x: number, band: number): 'negative' | 'neutral' | 'positive' {
  return x > band ? 'positive' : x < -band ? 'negative' : 'neutral';
}

const stemKey = (text: string) =>
  termsOf(text)
    .map((t) => t.stem)
    .join(' ');

/**
 * Objects scored below this are not stated as seen: a named one is "possibly" there (with its score,
 * `tentative` in `matched`), an unnamed one is left out. Extract reports detections down to
 * IMAGE_OBJECT_MIN_SCORE (0.05), which fusion weighs by score; explanations must not turn them into facts.
 */
export const EXPLAIN_MIN_OBJECT_SCORE = CONFIDENT_OBJECT_SCORE;

type Matched = ScoredEvent['relevance']['explanation']['matched'][number];
const r2 = (x: number) => Math.round(x * 100) / 100;

function explain(fused: FusedEvent): ScoredEvent['relevance']['explanation'] {
  const vocabulary = new Set(fused.text?.terms ?? []);
  // the article language's terms and object table (English for a language without them)
  const lang = termLanguage(fused.text?.language) ?? 'en';
  const lexicon = OBJECT_LEXICONS[lang];
  // COCO labels the article names, directly or through a synonym/hyponym ("puppy" → dog; 金毛犬 → dog).
  const mentions: ReturnType<typeof articleMentions> = fused.text ? lexicon.article(fused.article.title, fused.text.terms) : new Map();
  const matched: Matched[] = [];
  const seen = new Set<string>();
  const via: string[] = [];
  const add = (kind: 'object' | 'ocr' | 'caption' | 'face', text: string) => {
    for (const t of termsOf(text, { limit: 200, lang })) {
      if (vocabulary.has(t.stem) && !seen.has(`${kind}:${t.stem}`)) {
        seen.add(`${kind}:${t.stem}`);
        matched.push({ kind, term: t.word });
      }
    }
  };
  // The best detector score of each object label the article names, over every image.
  const named = new Map<string, number>();
  for (const img of fused.images)
    if (img.status === 'ok')
      for (const o of img.objects) if (mentions.has(o.label as CocoLabel)) named.set(o.label, Math.max(named.get(o.label) ?? 0, o.score));
  const missed: string[] = [];
  for (const img of fused.images) {
    if (img.caption) add('caption', img.caption);
    if (img.status === 'ok') {
      for (const o of img.objects) {
        const forms = mentions.get(o.label as CocoLabel);
        if (forms && !seen.has(`object:${o.label}`)) {
          seen.add(`object:${o.label}`);
          const best = named.get(o.label)!;
          const tentative = best < EXPLAIN_MIN_OBJECT_SCORE;
          matched.push({ kind: 'object', term: o.label, score: best, ...(tentative ? { tentative } : {}) });
          const words = [...new Set(forms.map((m) => m.form))].filter((f) => stemKey(f) !== stemKey(o.label)).slice(0, 3);
          if (words.length > 0) via.push(`object "${o.label}" ← ${words.map((w) => `"${w}"`).join(', ')}`);
        } else if (!forms && o.score >= EXPLAIN_MIN_OBJECT_SCORE) add('object', lexicon.name(o.label));
      }
      for (const line of img.ocr) add('ocr', line.text);
      // Objects the article does not name are listed only when the detector was confident about them.
      const labels = img.objects
        .filter((o) => o.score >= EXPLAIN_MIN_OBJECT_SCORE)
        .map((o) => o.label)
        .filter((l) => !mentions.has(l as CocoLabel) && !termsOf(l).some((t) => vocabulary.has(t.stem)));
      missed.push(...labels);
    }
  }
  const sure = matched.filter((m) => !m.tentative);
  const possible = matched.filter((m) => m.tentative);
  const parts: string[] = [];
  if (sure.length > 0) parts.push(`matched ${sure.map((m) => `${m.kind} "${m.term}"`).join(', ')}`);
  if (possible.length > 0)
    parts.push(`possibly ${possible.map((m) => `object "${m.term}" (detector score ${r2(m.score ?? 0).toFixed(2)})`).join(', ')}`);
  if (via.length > 0) parts.push(`named in the text as ${via.join('; ')}`);
  if (missed.length > 0) parts.push(`not in the text: ${[...new Set(missed)].map((l) => `object "${l}"`).join(', ')}`);
  if (fused.images.length === 0) parts.push('no image');
  else if (fused.images.every((i) => i.status === 'failed')) parts.push('no image could be analysed');
  if (parts.length === 0) parts.push('nothing in the image or its caption matched the text');
  return { matched: matched.slice(0, 30), text: parts.join('; ') };
}

/**
 * Topics: the article's story (stories.ts) first when it has one, then its categories (at most 5) or,
 * without categories, its top 2 keywords.
 */
export function topicsOf(fused: FusedEvent, story?: StoryTopic | null): ScoredEvent['topics'] {
  const own = categoryTopicsOf(fused);
  return story ? [story, ...own] : own;
}

function categoryTopicsOf(fused: FusedEvent): ScoredEvent['topics'] {
  const cats = fused.article.categories
    .map((c) => ({ id: `cat:${slug(c)}`, label: c.trim(), kind: 'category' as const }))
    .filter((t) => t.id.length > 4);
  if (cats.length > 0) return dedupe(cats).slice(0, 5);
  const kw = (fused.text?.keywords ?? []).slice(0, 2).map((k) => ({ id: `kw:${slug(k.term)}`, label: k.term, kind: 'keyword' as const }));
  return kw.length > 0 ? dedupe(kw) : [{ id: 'misc', label: 'Uncategorised', kind: 'misc' }];
}

function dedupe(topics: ScoredEvent['topics']): ScoredEvent['topics'] {
  const seen = new Set<string>();
  return topics.filter((t) => (seen.has(t.id) ? false : (seen.add(t.id), true)));
}

/** The article's language: the text worker's decision, else the one the flow was built with. */
export const languageOf = (fused: FusedEvent): string | undefined => fused.text?.language ?? fused.article.language;

export type LanguageOutcome = 'analysed' | 'unsupported' | 'text-failed';

/**
 * The metric labels of a scored article: its language as a bounded label (a 2-letter ISO 639-1 code,
 * `und`, else `other`) and what happened to its text.
 */
export function languageOutcomeOf(fused: FusedEvent): { language: string; outcome: LanguageOutcome } {
  const lang = languageOf(fused);
  return {
    language: lang && (/^[a-z]{2}$/.test(lang) || lang === 'und') ? lang : lang ? 'other' : 'und',
    outcome: !fused.text ? 'text-failed' : fused.text.unsupported ? 'unsupported' : 'analysed',
  };
}

/**
 * `story`: the article's story from the clusterer (stories.ts), when it has one. `recycled`: the
 * recycled-photo index's decision per photo (recycled.ts), when the index is on; a `recycled` photo's
 * relevance is multiplied by (1 − recycledPenalty) and every photo seen before is explained.
 */
export function score(
  fused: FusedEvent,
  opts: ScoreOptions,
  now: Date,
  story?: StoryTopic | null,
  recycled?: RecycledImage[],
): ScoredEvent {
  // each article language's scores are calibrated on its own scale (calibration.json `languages`)
  const language = languageOf(fused);
  const threshold = thresholdFor(fused.strategy, opts, language);
  const penalty = opts.recycledPenalty ?? DEFAULT_RECYCLED_OPTIONS.penalty;
  // No model reads the article's language: relevance compares the photo with the text, so it has no
  // score; the image-only signals (faces) still give the image sentiment.
  const unsupported = fused.text?.unsupported;
  const perImage = fused.images.map((img) => {
    const signals = fused.fusion.perImage.find((p) => p.index === img.index)?.signals ?? {};
    const name = opts.relevanceSignals.find((n) => signals[n] !== undefined);
    // A photo that could not be fetched or decoded was never seen: it gets no score.
    let value =
      unsupported || name === undefined || img.status === 'failed'
        ? null
        : calibratedRelevance(fused.strategy, name, signals[name] ?? 0, opts, regimeOf(signals), language);
    if (value !== null && recycled?.some((r) => r.index === img.index && r.status === 'recycled')) value *= 1 - penalty;
    return { index: img.index, url: img.url, status: img.status, score: value };
  });
  const explanation = unsupported
    ? { matched: [], text: `no relevance: ${unsupported.message}${fused.images.length === 0 ? '; no image' : ''}` }
    : explain(fused);
  const reuse = recycled ? explainRecycled(recycled) : [];
  if (reuse.length > 0) explanation.text = [...reuse, explanation.text].join('; ');
  const scores = perImage.map((p) => p.score).filter((s): s is number => s !== null);
  const relevance = scores.length > 0 ? Math.max(...scores) : null;

  const textSentiment = fused.text?.sentiment ? fused.text.sentiment.combined : null;
  const faces = fused.images.flatMap((i) => (i.status === 'ok' ? i.faces : []));
  const imageSentiment = faces.length > 0 ? faces.reduce((s, f) => s + faceValence(f.expressions), 0) / faces.length : null;
  // Unread text and no face: no sentiment at all (null, label unknown), never a made-up 0.
  const fusedSentiment =
    textSentiment === null
      ? (imageSentiment ?? (unsupported ? null : 0))
      : imageSentiment === null
        ? textSentiment
        : (1 - opts.imageSentimentWeight) * textSentiment + opts.imageSentimentWeight * imageSentiment;
  const reason = unsupported ? { reason: { code: unsupported.code, message: unsupported.message } } : {};

  return {
    schemaVersion: 1,
    articleId: fused.articleId,
    version: fused.version,
    url: fused.article.url,
    title: fused.article.title,
    source: fused.article.source,
    publishedAt: fused.article.publishedAt,
    ...(languageOf(fused) ? { language: languageOf(fused)! } : {}),
    modality: fused.modalities.label,
    relevance: {
      score: relevance,
      label: relevance === null ? 'unknown' : relevance >= threshold ? 'relevant' : 'mismatch',
      threshold,
      strategy: fused.strategy,
      perImage,
      ...reason,
      explanation,
      ...(recycled && recycled.length > 0 ? { recycled } : {}),
    },
    sentiment: {
      text: textSentiment,
      image: imageSentiment,
      fused: fusedSentiment === null ? null : clamp(fusedSentiment, -1, 1),
      label: fusedSentiment === null ? 'unknown' : sentimentLabel(fusedSentiment, opts.neutralBand),
      ...reason,
    },
    topics: topicsOf(fused, story),
    models: { ...opts.models, ...(fused.text ? { text: fused.text.model } : {}) },
    timings: { ...fused.timings, fused_to_scored_ms: Math.max(0, now.getTime() - Date.parse(fused.fusedAt)) },
    ingestedAt: fused.ingestedAt,
    emittedAt: now.toISOString(),
  };
}
