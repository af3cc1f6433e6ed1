/**
 * Replay lines (pure): one JSON object per line, either a full ArticleEvent (its articleId and event
 * time are kept) or an article in the push shape. Throws DecodeError naming the field.
 */
import { DecodeError } from '@newsfuse/shared/errors';
import { ArticleEvent, decode } from '@newsfuse/shared/events';
import { ArticleInput, candidateFromInput, type ArticleCandidate } from './article.ts';

export function candidateFromLine(line: string, kind: ArticleEvent['source']['kind'] = 'replay'): ArticleCandidate {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new DecodeError('EVENT_INVALID_JSON', `invalid JSON: ${(err as Error).message}`, undefined, err);
  }
  if (value !== null && typeof value === 'object' && 'articleId' in value && 'schemaVersion' in value) {
    const ev = decode(ArticleEvent, value);
    return {
      articleId: ev.articleId,
      url: ev.url,
      title: ev.title,
      ...(ev.summary ? { summary: ev.summary } : {}),
      ...(ev.body ? { body: ev.body } : {}),
      ...(ev.language ? { language: ev.language } : {}),
      publishedAt: ev.publishedAt,
      images: ev.images,
      categories: ev.categories,
      authors: ev.authors,
      source: { ...ev.source, kind },
      ...(ev.relatedTo ? { relatedTo: ev.relatedTo } : {}),
    };
  }
  const input = decode(ArticleInput, value);
  const c = candidateFromInput(input, kind);
  // Replay keeps the line's own source (outlet, feed) but marks how it came in.
  return { ...c, source: { ...c.source, kind } };
}

/** Paces a stream at `rate` items per second (0 = unpaced): how long to wait before item `index`. */
export function paceDelayMs(rate: number, startedAt: number, index: number, now: number): number {
  if (!(rate > 0)) return 0;
  return Math.max(0, startedAt + (index * 1000) / rate - now);
}
