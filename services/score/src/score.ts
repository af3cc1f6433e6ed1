/**
 * Pure scoring: fused record → calibrated relevance with an explanation, fused sentiment with a label,
 * and topics. No Kafka, Redis or network in here.
 */
import { termsOf, type FusedEvent, type ScoredEvent } from '@newsfuse/shared';

export interface ScoreOptions {
  /** Relevance at or above this is `relevant`, below is `mismatch`. */
  threshold: number;
  /** Signals read for relevance, in order of preference per image. */
  relevanceSignals: string[];
  /** Weight of the image (faces) in fused sentiment when faces exist. */
  imageSentimentWeight: number;
  /** Beyond ±neutralBand a sentiment is positive/negative. */
  neutralBand: number;
  models: Record<string, string>;
}

export const DEFAULT_SCORE_OPTIONS: ScoreOptions = {
  threshold: 0.3,
  relevanceSignals: ['textview_overlap', 'caption_overlap'],
  imageSentimentWeight: 0.25,
  neutralBand: 0.05,
  models: {},
};

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Valence of a face's expression distribution in [-1, 1]. */
export function faceValence(expressions: Record<string, number>): number {
  const pos = (expressions.happy ?? 0) + 0.5 * (expressions.surprised ?? 0);
  const neg = (expressions.sad ?? 0) + (expressions.angry ?? 0) + (expressions.fearful ?? 0) + (expressions.disgusted ?? 0);
  return clamp(pos - neg, -1, 1);
}

export function sentimentLabel(x: number, band: number): 'negative' | 'neutral' | 'positive' {
  return x > band ? 'positive' : x < -band ? 'negative' : 'neutral';
}

function explain(fused: FusedEvent): ScoredEvent['relevance']['explanation'] {
  const vocabulary = new Set(fused.text?.terms ?? []);
  const matched: ScoredEvent['relevance']['explanation']['matched'] = [];
  const seen = new Set<string>();
  const add = (kind: 'object' | 'ocr' | 'caption' | 'face', text: string) => {
    for (const t of termsOf(text, 200)) {
      if (vocabulary.has(t.stem) && !seen.has(`${kind}:${t.stem}`)) {
        seen.add(`${kind}:${t.stem}`);
        matched.push({ kind, term: t.word });
      }
    }
  };
  const missed: string[] = [];
  for (const img of fused.images) {
    if (img.caption) add('caption', img.caption);
    if (img.status === 'ok') {
      for (const o of img.objects) add('object', o.label);
      for (const line of img.ocr) add('ocr', line.text);
      if (img.objects.length > 0) {
        const labels = img.objects.map((o) => o.label).filter((l) => !termsOf(l).some((t) => vocabulary.has(t.stem)));
        missed.push(...labels);
      }
    }
  }
  const parts: string[] = [];
  if (matched.length > 0) parts.push(`matched ${matched.map((m) => `${m.kind} "${m.term}"`).join(', ')}`);
  if (missed.length > 0) parts.push(`not in the text: ${[...new Set(missed)].map((l) => `object "${l}"`).join(', ')}`);
  if (fused.images.length === 0) parts.push('no image');
  else if (fused.images.every((i) => i.status === 'failed')) parts.push('no image could be analysed');
  if (parts.length === 0) parts.push('nothing in the image or its caption matched the text');
  return { matched: matched.slice(0, 30), text: parts.join('; ') };
}

export function topicsOf(fused: FusedEvent): ScoredEvent['topics'] {
  const slug = (s: string) =>
    s
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 64);
  const cats = fused.article.categories.map((c) => ({ id: `cat:${slug(c)}`, label: c.trim() })).filter((t) => t.id.length > 4);
  if (cats.length > 0) return dedupe(cats).slice(0, 5);
  const kw = (fused.text?.keywords ?? []).slice(0, 2).map((k) => ({ id: `kw:${slug(k.term)}`, label: k.term }));
  return kw.length > 0 ? dedupe(kw) : [{ id: 'misc', label: 'Uncategorised' }];
}

function dedupe(topics: ScoredEvent['topics']): ScoredEvent['topics'] {
  const seen = new Set<string>();
  return topics.filter((t) => (seen.has(t.id) ? false : (seen.add(t.id), true)));
}

export function score(fused: FusedEvent, opts: ScoreOptions, now: Date): ScoredEvent {
  const perImage = fused.images.map((img) => {
    const signals = fused.fusion.perImage.find((p) => p.index === img.index)?.signals ?? {};
    const name = opts.relevanceSignals.find((n) => signals[n] !== undefined);
    // A photo that could not be fetched or decoded was never seen: it gets no score.
    const value = name === undefined || img.status === 'failed' ? null : clamp(signals[name] ?? 0, 0, 1);
    return { index: img.index, url: img.url, status: img.status, score: value };
  });
  const scores = perImage.map((p) => p.score).filter((s): s is number => s !== null);
  const relevance = scores.length > 0 ? Math.max(...scores) : null;

  const textSentiment = fused.text ? fused.text.sentiment.combined : null;
  const faces = fused.images.flatMap((i) => (i.status === 'ok' ? i.faces : []));
  const imageSentiment = faces.length > 0 ? faces.reduce((s, f) => s + faceValence(f.expressions), 0) / faces.length : null;
  const fusedSentiment =
    textSentiment === null
      ? (imageSentiment ?? 0)
      : imageSentiment === null
        ? textSentiment
        : (1 - opts.imageSentimentWeight) * textSentiment + opts.imageSentimentWeight * imageSentiment;

  return {
    schemaVersion: 1,
    articleId: fused.articleId,
    version: fused.version,
    url: fused.article.url,
    title: fused.article.title,
    source: fused.article.source,
    publishedAt: fused.article.publishedAt,
    modality: fused.modalities.label,
    relevance: {
      score: relevance,
      label: relevance === null ? 'unknown' : relevance >= opts.threshold ? 'relevant' : 'mismatch',
      threshold: opts.threshold,
      strategy: fused.strategy,
      perImage,
      explanation: explain(fused),
    },
    sentiment: {
      text: textSentiment,
      image: imageSentiment,
      fused: clamp(fusedSentiment, -1, 1),
      label: sentimentLabel(fusedSentiment, opts.neutralBand),
    },
    topics: topicsOf(fused),
    models: { ...opts.models, ...(fused.text ? { text: fused.text.model } : {}) },
    timings: { ...fused.timings, fused_to_scored_ms: Math.max(0, now.getTime() - Date.parse(fused.fusedAt)) },
    ingestedAt: fused.ingestedAt,
    emittedAt: now.toISOString(),
  };
}
