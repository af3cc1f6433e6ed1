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
  language?: string;
}

export interface ImageJobData {
  articleId: string;
  version: number;
  index: number;
  url: string;
  caption?: string;
}

export interface FuseJobData {
  article: Pick<ArticleEvent, 'articleId' | 'version' | 'source' | 'url' | 'title' | 'publishedAt' | 'categories' | 'language' | 'images'>;
  ingestedAt: string;
}
