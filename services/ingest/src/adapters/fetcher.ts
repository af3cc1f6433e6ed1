/**
 * HTTP fetching for ingest, always through the shared SSRF-guarded `safeFetch`.
 */
import { safeFetch, type SsrfPolicy } from '@newsfuse/shared';
import type { FeedFetcher } from '@newsfuse/stage-ingest/poller';

export const FEED_ACCEPT =
  'application/rss+xml, application/atom+xml, application/rdf+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5';

export interface FetcherOptions extends SsrfPolicy {
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
}

/** Conditional GET of a feed: If-None-Match / If-Modified-Since from the last answer's validators. */
export function createFeedFetcher(opts: FetcherOptions): FeedFetcher {
  return async (url, conditional) => {
    const headers: Record<string, string> = {};
    if (conditional.etag) headers['if-none-match'] = conditional.etag;
    if (conditional.lastModified) headers['if-modified-since'] = conditional.lastModified;
    const res = await safeFetch(url, {
      timeoutMs: opts.timeoutMs,
      maxBytes: opts.maxBytes,
      accept: FEED_ACCEPT,
      headers,
      userAgent: opts.userAgent,
      ...(opts.allowPrivate ? { allowPrivate: true } : {}),
      ...(opts.allowHosts ? { allowHosts: opts.allowHosts } : {}),
    });
    return {
      status: res.status,
      url: res.url,
      body: res.body,
      ...(res.contentType ? { contentType: res.contentType } : {}),
      // A 304 may omit validators: keep the ones we sent.
      ...((res.headers.etag ?? conditional.etag) ? { etag: res.headers.etag ?? conditional.etag } : {}),
      ...((res.headers['last-modified'] ?? conditional.lastModified)
        ? { lastModified: res.headers['last-modified'] ?? conditional.lastModified }
        : {}),
    };
  };
}
