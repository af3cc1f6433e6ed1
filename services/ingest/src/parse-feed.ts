/**
 * `newsfuse parse-feed <file-or-url>`: prints a feed's articles as ArticleEvent JSONL, through exactly
 * the poller's code path (fetch → parse → candidates → [page enrichment] → ingest core), with an
 * in-memory store and stdout as the "topic". Nothing is published, nothing is written to Redis.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ArticleEvent, createLogger, encode, ssrfPolicyOf } from '@newsfuse/shared';
import { FeedScheduler } from '@newsfuse/stage-ingest/scheduler';
import { createFeedPoller, type FeedFetcher, type SkippedItem } from '@newsfuse/stage-ingest/poller';
import { createIngestor, createMemoryStore } from '@newsfuse/stage-ingest/ingestor';
import { createFeedFetcher } from './adapters/fetcher.ts';
import { createArticleEnricher } from './adapters/enricher.ts';
import { loadParseFeedConfig } from './config.ts';

const USAGE = `usage: newsfuse parse-feed <file-or-url> [--base URL] [--fetch-pages] [--max-items N] [--max-bytes N]
  Prints one ArticleEvent per line (JSONL) on stdout; on stderr, each item that yields no article
  and why (no link, no title) and a summary.
  --base URL      base for relative links when reading a file (default: the feed's own link)
  --fetch-pages   fetch each article page (full text, byline, og:image, language), as FETCH_ARTICLE_PAGES does
  Env: NEWSFUSE_FETCH_ALLOW_HOSTS / NEWSFUSE_FETCH_ALLOW_PRIVATE for feeds on loopback.`;

export async function parseFeedCommand(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      base: { type: 'string' },
      'fetch-pages': { type: 'boolean', default: false },
      'max-items': { type: 'string', default: '500' },
      'max-bytes': { type: 'string', default: String(5 * 1024 * 1024) },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const target = positionals[0];
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  if (!target) {
    err.write(`parse-feed: name a feed file or URL\n${USAGE}\n`);
    return 2;
  }
  const cfg = loadParseFeedConfig();
  const policy = ssrfPolicyOf(cfg);
  const userAgent = 'NewsFuse/0.1 (+news feed reader; parse-feed)';
  const maxBytes = Number(values['max-bytes']);
  const isUrl = /^https?:\/\//i.test(target);
  const feedUrl = isUrl ? target : pathToFileURL(target).toString();
  const fetcher: FeedFetcher = isUrl
    ? createFeedFetcher({ ...policy, timeoutMs: 20_000, maxBytes, userAgent })
    : async () => ({ status: 200, url: values.base ?? feedUrl, body: await readFile(target) });
  const logger = createLogger('newsfuse', cfg.LOG_LEVEL, 'stderr');
  let count = 0;
  let duplicates = 0;
  let read: { items: number; truncated: boolean; skipped: SkippedItem[] } | undefined;
  const ingestor = createIngestor({
    store: createMemoryStore(),
    publisher: {
      publish: async (e) => {
        count++;
        out.write(`${encode(ArticleEvent, e)}\n`);
      },
    },
  });
  let rejected = 0;
  const poller = createFeedPoller({
    scheduler: new FeedScheduler({
      minMs: 1,
      maxMs: 1,
      defaultMs: 1,
      backoffBaseMs: 1,
      backoffMaxMs: 1,
      concurrency: 1,
      perHostConcurrency: 1,
      perHostGapMs: 0,
    }),
    fetcher,
    ingest: async (c) => {
      const r = await ingestor.ingest(c);
      if (r.duplicate) duplicates++;
      return r;
    },
    onRead: (_url, r) => (read = r),
    reject: async (c, e) => {
      rejected++;
      err.write(`rejected ${c.url}: ${e.code} ${e.message}\n`);
    },
    ...(values['fetch-pages']
      ? { enrich: createArticleEnricher({ ...policy, timeoutMs: 15_000, maxBytes: 3 * 1024 * 1024, userAgent, logger }) }
      : {}),
    limits: { maxItems: Number(values['max-items']), maxBytes },
    logger,
  });
  const outcome = await poller.pollOnce(feedUrl);
  if (outcome.kind === 'error') {
    err.write(`parse-feed: ${outcome.message}\n`);
    return 1;
  }
  const skipped = read?.skipped ?? [];
  for (const item of skipped) {
    const name = item.title ? `"${item.title.slice(0, 80)}"` : item.guid ? `guid ${item.guid.slice(0, 80)}` : 'untitled';
    err.write(`skipped item ${item.index + 1} (${name}): ${item.reason}\n`);
  }
  const reasons = new Map<string, number>();
  for (const item of skipped) reasons.set(item.reason, (reasons.get(item.reason) ?? 0) + 1);
  const parts = [
    `${count} articles from ${read?.items ?? 0} items`,
    ...(skipped.length ? [`${skipped.length} skipped (${[...reasons].map(([r, n]) => `${n} ${r}`).join(', ')})`] : []),
    ...(duplicates ? [`${duplicates} duplicates of an earlier item`] : []),
    ...(rejected ? [`${rejected} rejected`] : []),
    ...(read?.truncated ? [`only the first ${values['max-items']} items read (--max-items)`] : []),
  ];
  err.write(`parse-feed: ${parts.join(', ')}\n`);
  return 0;
}

// `newsfuse parse-feed` runs this file as its own process (scripts/newsfuse.ts).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  parseFeedCommand(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`parse-feed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
