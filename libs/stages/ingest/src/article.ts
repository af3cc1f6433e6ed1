/**
 * From a feed item, a pushed article or a replayed line to an `ArticleEvent` candidate (pure).
 */
import { z } from 'zod';
import { ArticleEvent, ImageRef } from '@newsfuse/shared/events';
import { sha256hex } from '@newsfuse/shared/hash';
import { ellipsis } from '@newsfuse/shared/strings';
import type { FeedItem } from './feed/index.ts';
import { htmlToText, oneLine } from './html.ts';
import { canonicalUrl } from './urls.ts';
import { parseDate } from './dates.ts';

/** An article before the ingestor gives it an id, a version and fetchedAt. */
export interface ArticleCandidate {
  url: string;
  guid?: string;
  /** Keep an id given by the input (replay of the project's own events). */
  articleId?: string;
  title: string;
  summary?: string;
  body?: string;
  language?: string;
  publishedAt?: string;
  images: ImageRef[];
  categories: string[];
  authors: string[];
  source: ArticleEvent['source'];
  relatedTo?: string[];
}

/** Maps a normalised feed item to a candidate; returns undefined when it has neither URL nor title. */
export function candidateFromFeedItem(item: FeedItem, source: ArticleEvent['source'], feedLanguage?: string): ArticleCandidate | undefined {
  const r = feedItemCandidate(item, source, feedLanguage);
  return 'candidate' in r ? r.candidate : undefined;
}

/** Why a feed item yields no article, in words (`newsfuse parse-feed` reports them). */
export type FeedItemSkip = 'no link (none, or not an http(s) URL)' | 'no title, summary or content';

/** A feed item's candidate, or the reason it has none. */
export function feedItemCandidate(
  item: FeedItem,
  source: ArticleEvent['source'],
  feedLanguage?: string,
): { candidate: ArticleCandidate } | { skip: FeedItemSkip } {
  const url = item.url;
  if (!url) return { skip: 'no link (none, or not an http(s) URL)' };
  const body = item.contentHtml ? htmlToText(item.contentHtml) : undefined;
  const summary = item.summary ?? (body ? ellipsis(body, 600) : undefined);
  const title = item.title ?? (summary ? ellipsis(oneLine(summary), 160) : undefined);
  if (!title) return { skip: 'no title, summary or content' };
  const language = item.language ?? feedLanguage;
  const candidate: ArticleCandidate = {
    url,
    ...(item.guid ? { guid: item.guid } : {}),
    title: ellipsis(title, 2000),
    ...(summary ? { summary: ellipsis(summary, 20_000) } : {}),
    ...(body && body.length > (summary?.length ?? 0) ? { body: ellipsis(body, 500_000) } : {}),
    ...(language ? { language: language.slice(0, 16) } : {}),
    ...((item.publishedAt ?? item.updatedAt) ? { publishedAt: (item.publishedAt ?? item.updatedAt)! } : {}),
    images: item.images.slice(0, 32).map((i) => ({ ...i })),
    categories: item.categories.map((c) => c.slice(0, 200)).slice(0, 64),
    authors: item.authors.map((a) => a.slice(0, 200)).slice(0, 32),
    source,
  };
  return { candidate };
}

/**
 * The push / replay input: an article without articleId, version and fetchedAt. `publishedAt` defaults
 * to the time of ingestion; `source` defaults to the channel it came through.
 */
export const ArticleInput = z.object({
  url: z.url({ protocol: /^https?$/ }),
  guid: z.string().min(1).max(2048).optional(),
  title: z.string().trim().min(1).max(2000),
  summary: z.string().max(20_000).optional(),
  body: z.string().max(500_000).optional(),
  language: z.string().max(16).optional(),
  publishedAt: z
    .string()
    .refine((s) => parseDate(s) !== undefined, 'not a recognisable date')
    .optional(),
  images: z.array(ImageRef).max(32).default([]),
  categories: z.array(z.string().max(200)).max(64).default([]),
  authors: z.array(z.string().max(200)).max(32).default([]),
  source: z
    .object({
      kind: ArticleEvent.shape.source.shape.kind.optional(),
      feedUrl: z.string().max(2048).optional(),
      outlet: z.string().max(256).optional(),
    })
    .optional(),
  relatedTo: z.array(z.string()).max(32).optional(),
});
export type ArticleInput = z.infer<typeof ArticleInput>;

export function candidateFromInput(input: ArticleInput, kind: ArticleEvent['source']['kind'], articleId?: string): ArticleCandidate {
  const url = canonicalUrl(input.url) ?? input.url;
  const publishedAt = input.publishedAt ? parseDate(input.publishedAt) : undefined;
  return {
    url,
    ...(input.guid ? { guid: input.guid } : {}),
    ...(articleId ? { articleId } : {}),
    title: oneLine(input.title),
    ...(input.summary ? { summary: input.summary } : {}),
    ...(input.body ? { body: input.body } : {}),
    ...(input.language ? { language: input.language } : {}),
    ...(publishedAt ? { publishedAt } : {}),
    images: input.images,
    categories: input.categories,
    authors: input.authors,
    source: {
      kind: input.source?.kind ?? kind,
      ...(input.source?.feedUrl ? { feedUrl: input.source.feedUrl } : {}),
      ...(input.source?.outlet ? { outlet: input.source.outlet } : {}),
    },
    ...(input.relatedTo?.length ? { relatedTo: input.relatedTo } : {}),
  };
}

function norm(s: string | undefined): string {
  return (s ?? '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}]+/gu, ' ')
    .trim();
}

/**
 * What "changed materially" means: the title, the text (body, else summary) and the set of image URLs,
 * compared after case, whitespace and punctuation are folded. Dates, categories and authors changing
 * alone do not make a new version.
 */
export function contentFingerprint(c: Pick<ArticleCandidate, 'title' | 'summary' | 'body' | 'images'>): string {
  const images = c.images.map((i) => canonicalUrl(i.url) ?? i.url).sort();
  return sha256hex(JSON.stringify([norm(c.title), norm(c.body ?? c.summary), images])).slice(0, 32);
}

/**
 * The fingerprint of the story itself, for cross-outlet duplicates (same wire copy under different
 * URLs): the title and the first 400 characters of text, folded. Undefined when there is too little
 * text to tell stories apart.
 */
export function storyFingerprint(c: Pick<ArticleCandidate, 'title' | 'summary' | 'body'>): string | undefined {
  const title = norm(c.title);
  const text = norm(c.body ?? c.summary).slice(0, 400);
  if (title.split(' ').length < 4 || text.length < 80) return undefined;
  return sha256hex(`${title}\n${text}`).slice(0, 32);
}
