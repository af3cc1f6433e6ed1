/**
 * The payloads of the BullMQ jobs that carry one article through extract and fuse.
 */
import type { ArticleEvent } from './events.ts';

export interface TextJobData {
  articleId: string;
  version: number;
  title: string;
  summary?: string;
  body?: string;
  /** The article's language (resolved when the flow is built); the text worker resolves it again from the text with this as a hint. */
  language?: string;
  /** The images' captions (or alt texts), embedded in the article's space by the text job. */
  captions?: { index: number; text: string; source: 'caption' | 'alt' }[];
}

export interface ImageJobData {
  articleId: string;
  version: number;
  index: number;
  url: string;
  caption?: string;
  /** The article's language (resolved once, when the flow is built): picks the text-view embedder. */
  language?: string;
  captionSource?: 'caption' | 'alt';
}

export interface FuseJobData {
  article: Pick<ArticleEvent, 'articleId' | 'version' | 'source' | 'url' | 'title' | 'publishedAt' | 'categories' | 'language' | 'images'>;
  ingestedAt: string;
}

/** The BullMQ queues of an article's flow. */
export const QUEUES = { fuse: 'fuse', text: 'extract-text', image: 'extract-image' } as const;
