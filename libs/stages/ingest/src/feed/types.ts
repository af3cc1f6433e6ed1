/** The normalised shapes every feed format maps onto, and the parser's limits. */
import type { FoundImage } from '../html.ts';

export interface FeedItem {
  guid?: string;
  url?: string;
  title?: string;
  /** Plain-text summary (description / summary / content_text). */
  summary?: string;
  /** Full content as HTML when the feed carries it (content:encoded, atom content, content_html). */
  contentHtml?: string;
  publishedAt?: string;
  updatedAt?: string;
  authors: string[];
  categories: string[];
  images: FoundImage[];
  enclosures: { url: string; type?: string; length?: number }[];
  language?: string;
}

export interface ParsedFeed {
  format: 'rss' | 'atom' | 'rdf' | 'json';
  title?: string;
  link?: string;
  description?: string;
  language?: string;
  updatedAt?: string;
  publishedAt?: string;
  authors: string[];
  categories: string[];
  image?: string;
  /** Publisher's refresh hint (RSS ttl, sy:updatePeriod), in seconds. */
  refreshHintSeconds?: number;
  items: FeedItem[];
  /** True when the item cap cut the list. */
  truncated: boolean;
}

export interface ParseLimits {
  maxBytes: number;
  maxItems: number;
}
export const DEFAULT_LIMITS: ParseLimits = { maxBytes: 5 * 1024 * 1024, maxItems: 500 };
