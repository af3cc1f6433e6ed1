/**
 * FETCH_ARTICLE_PAGES: fetches each new article's page (SSRF-guarded) and enriches the candidate with
 * Readability's main text, byline, published time, language and the og:image. A page that cannot be
 * fetched or parsed leaves the candidate as it was.
 */
import { safeFetch, toNewsFuseError, type Logger, type SsrfPolicy } from '@newsfuse/shared';
import type { ArticleCandidate } from '@newsfuse/stage-ingest/article';
import { decodeFeedBytes } from '@newsfuse/stage-ingest/feed';
import { enrichCandidate, extractPage, type DomImpl } from '@newsfuse/stage-ingest/page';
import type { Enricher } from '@newsfuse/stage-ingest/poller';

export function createArticleEnricher(
  opts: SsrfPolicy & { timeoutMs: number; maxBytes: number; userAgent: string; dom?: DomImpl; logger: Pick<Logger, 'debug'> },
): Enricher {
  return async (c: ArticleCandidate) => {
    try {
      const res = await safeFetch(c.url, {
        timeoutMs: opts.timeoutMs,
        maxBytes: opts.maxBytes,
        accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5',
        userAgent: opts.userAgent,
        ...(opts.allowPrivate ? { allowPrivate: true } : {}),
        ...(opts.allowHosts ? { allowHosts: opts.allowHosts } : {}),
      });
      if (res.contentType && !/html/i.test(res.contentType)) return c;
      const html = decodeHtml(res.body, res.contentType);
      return enrichCandidate(c, await extractPage(html, res.url, opts.dom ?? 'linkedom'));
    } catch (err) {
      opts.logger.debug({ url: c.url, code: toNewsFuseError(err).code }, 'article page not used');
      return c;
    }
  };
}

/** HTML bytes → text: BOM, then the HTTP charset, then <meta charset>, then UTF-8. */
function decodeHtml(body: Buffer, contentType?: string): string {
  const head = body.subarray(0, 2048).toString('latin1');
  const metaCharset = /<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)/i.exec(head)?.[1];
  const ct = contentType && /charset=/i.test(contentType) ? contentType : metaCharset ? `text/html; charset=${metaCharset}` : contentType;
  return decodeFeedBytes(body, ct);
}
