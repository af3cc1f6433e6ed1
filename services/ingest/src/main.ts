/**
 * ingest: wires config, connections, the feed poller and the push endpoint. No logic lives here.
 */
import { readFile } from 'node:fs/promises';
import { bootService, runMain, startOpsServer, ssrfPolicyOf } from '@newsfuse/shared';
import { feedList, loadIngestConfig } from './config.ts';
import { connectIngestInfra } from './adapters/infra.ts';
import { createFeedFetcher } from './adapters/fetcher.ts';
import { createRedisFeedStateStore } from './adapters/redis-store.ts';
import { pushRoutes } from './adapters/http.ts';
import { createArticleEnricher } from './adapters/enricher.ts';
import { createPushHandler } from '@newsfuse/stage-ingest/push';
import { FeedScheduler } from '@newsfuse/stage-ingest/scheduler';
import { createFeedPoller } from '@newsfuse/stage-ingest/poller';

async function main(): Promise<void> {
  const cfg = loadIngestConfig();
  const { logger, metrics, lifecycle } = bootService('ingest', cfg);

  const policy = ssrfPolicyOf(cfg);
  const infra = await connectIngestInfra(cfg, logger, metrics);

  const feeds = new Set(feedList(cfg.FEEDS));
  if (cfg.FEEDS_FILE) for (const f of feedList(await readFile(cfg.FEEDS_FILE, 'utf8'))) feeds.add(f);

  const scheduler = new FeedScheduler({
    minMs: cfg.POLL_MIN_SECONDS * 1000,
    maxMs: cfg.POLL_MAX_SECONDS * 1000,
    defaultMs: Math.min(Math.max(cfg.POLL_DEFAULT_SECONDS, cfg.POLL_MIN_SECONDS), cfg.POLL_MAX_SECONDS) * 1000,
    backoffBaseMs: cfg.POLL_BACKOFF_BASE_SECONDS * 1000,
    backoffMaxMs: cfg.POLL_BACKOFF_MAX_SECONDS * 1000,
    concurrency: cfg.POLL_CONCURRENCY,
    perHostConcurrency: cfg.POLL_PER_HOST_CONCURRENCY,
    perHostGapMs: cfg.POLL_PER_HOST_GAP_MS,
  });
  const fetchOpts = {
    userAgent: cfg.USER_AGENT,
    allowPrivate: policy.allowPrivate,
    allowHosts: policy.allowHosts,
  };
  const poller = createFeedPoller({
    scheduler,
    fetcher: createFeedFetcher({ ...fetchOpts, timeoutMs: cfg.FEED_TIMEOUT_MS, maxBytes: cfg.FEED_MAX_BYTES }),
    ingest: (c) => infra.ingestor.ingest(c),
    reject: (c, err, feedUrl) => infra.deadLetters.publish({ error: err, payload: JSON.stringify(c), origin: { url: feedUrl } }),
    failed: (feedUrl, err) => infra.deadLetters.publish({ error: err, payload: feedUrl, origin: { url: feedUrl } }),
    ...(cfg.FETCH_ARTICLE_PAGES
      ? { enrich: createArticleEnricher({ ...fetchOpts, timeoutMs: cfg.ARTICLE_TIMEOUT_MS, maxBytes: cfg.ARTICLE_MAX_BYTES, logger }) }
      : {}),
    store: createRedisFeedStateStore({
      redis: infra.redis,
      prefix: cfg.NEWSFUSE_PREFIX,
      ttlSeconds: Math.max(cfg.INGEST_DEDUP_TTL_SECONDS, 7 * 86_400),
    }),
    limits: { maxBytes: cfg.FEED_MAX_BYTES, maxItems: cfg.FEED_MAX_ITEMS },
    logger,
    onPoll: (_feed, outcome, seconds) => {
      metrics.stageSeconds.observe({ stage: 'feed-poll' }, seconds);
      metrics.messages.inc({
        stage: 'feed-poll',
        outcome: outcome.kind === 'ok' ? (outcome.notModified ? 'not-modified' : 'ok') : 'error',
      });
    },
  });
  for (const url of feeds) await poller.add(url);

  const push = createPushHandler({ token: cfg.PUSH_TOKEN, ingestor: infra.ingestor });
  const { app, url } = await startOpsServer({
    host: cfg.HTTP_HOST,
    port: cfg.HTTP_PORT,
    logger,
    metrics,
    bodyLimit: cfg.PUSH_MAX_BYTES,
    checks: { kafka: () => infra.kafkaUp(), redis: () => infra.redisUp() },
    routes: pushRoutes(push, cfg.PUSH_TOKEN),
  });

  const stopPolling = new AbortController();
  const polling = cfg.POLL_ENABLED && feeds.size > 0 ? poller.run(stopPolling.signal) : Promise.resolve();
  polling.catch((err: unknown) => {
    logger.fatal({ err }, 'poller crashed');
    void lifecycle.close('poller crashed').then(() => process.exit(1));
  });

  // Shutdown order: stop intake (HTTP, polling), drain in-flight polls, then connections.
  lifecycle.onClose('http', () => app.close());
  lifecycle.onClose('poller', async () => {
    stopPolling.abort();
    await polling;
  });
  lifecycle.onClose('kafka', () => infra.closeProducer());
  lifecycle.onClose('redis', () => infra.closeRedis());

  logger.info(
    { url, feeds: feeds.size, topic: infra.topics.articles, fetchArticlePages: cfg.FETCH_ARTICLE_PAGES, push: Boolean(cfg.PUSH_TOKEN) },
    'ingest started',
  );
}

runMain('ingest', main);
