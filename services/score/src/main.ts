/**
 * score: consumes news.fused.v1, scores relevance and sentiment, assigns topics, publishes
 * news.scored.v1 (key = articleId). Redeliveries of an already scored (articleId, version) are dropped.
 */
import {
  FusedEvent,
  ScoredEvent,
  bootStage,
  createRedis,
  decode,
  encode,
  key,
  runConsumer,
  runMain,
  startOpsServer,
  warmUp,
} from '@newsfuse/shared';
import { loadScoreConfig, recycledOptionsOf } from './config.ts';
import { storyOptionsOf } from '@newsfuse/stage-score/config';
import { defaultScoreOptions, languageOutcomeOf, score } from '@newsfuse/stage-score/score';
import { loadCalibration } from './adapters/weights.ts';
import { scoreWarmUp } from '@newsfuse/stage-score/warm';
import { storyInputOf } from '@newsfuse/stage-score/stories';
import { createRedisStories } from './adapters/stories-redis.ts';
import { contextOf, hashedImages } from '@newsfuse/stage-score/recycled';
import { createRedisRecycled } from './adapters/recycled-redis.ts';

async function main(): Promise<void> {
  const cfg = loadScoreConfig();
  const { logger, metrics, lifecycle, topics, producer, deadLetters, consumer: consumerFor } = await bootStage('score', cfg);
  // what the first articles would otherwise wait for, built before the consumer takes any
  logger.info({ ms: warmUp(scoreWarmUp()) }, 'warmed up: object lexicon, segmenter');

  const redis = createRedis(cfg);
  const groupId = `${cfg.NEWSFUSE_PREFIX}-score`;
  const consumer = consumerFor(groupId);
  const stories = cfg.STORIES
    ? createRedisStories(redis, {
        ...storyOptionsOf(cfg),
        prefix: key(cfg, 'stories'),
        assignTtlSeconds: cfg.SCORE_DEDUP_TTL_SECONDS,
        // newsfuse_messages_total{stage="stories", outcome="founded|joined|recorded|conflict"}
        onOutcome: (outcome) => metrics.messages.inc({ stage: 'stories', outcome }),
      })
    : null;
  const recycledOptions = recycledOptionsOf(cfg);
  const recycledIndex = cfg.RECYCLED ? createRedisRecycled(redis, { ...recycledOptions, prefix: key(cfg, 'recycled') }) : null;
  const options = {
    ...defaultScoreOptions(loadCalibration()),
    recycledPenalty: recycledOptions.penalty,
    ...(cfg.RELEVANCE_THRESHOLD !== undefined ? { threshold: cfg.RELEVANCE_THRESHOLD } : {}),
  };

  await runConsumer({
    consumer,
    topic: topics.fused,
    stage: 'score',
    groupId,
    logger,
    metrics,
    deadLetters,
    async handle(message) {
      const fused = decode(FusedEvent, message.value);
      const mark = key(cfg, 'scored', fused.articleId, fused.version);
      if (await redis.exists(mark)) {
        metrics.messages.inc({ stage: 'score', outcome: 'duplicate' });
        return;
      }
      const now = new Date();
      // The story is assigned before publishing and recorded per (articleId, version): a redelivery
      // after a crash between the two gets the same story.
      const input = stories ? storyInputOf(fused, now) : null;
      const story = input ? await stories!.assign(input) : null;
      // Photos are looked up once the story is known (a photo from the same story is not recycled);
      // the index counts each article once per photo, so this is safe under redelivery too.
      const recycled = recycledIndex
        ? await recycledIndex.observe(contextOf(fused, story), hashedImages(fused.images), now.getTime())
        : undefined;
      // newsfuse_messages_total{stage="recycled", outcome="original|recycled|same-story|reused"}
      for (const r of recycled ?? []) metrics.messages.inc({ stage: 'recycled', outcome: r.status });
      const scored = score(fused, options, now, story, recycled);
      await producer.send({ topic: topics.scored, messages: [{ key: scored.articleId, value: encode(ScoredEvent, scored) }] });
      await redis.set(mark, '1', 'EX', cfg.SCORE_DEDUP_TTL_SECONDS);
      // newsfuse_articles_scored_total{language, outcome}
      metrics.articles.inc(languageOutcomeOf(fused));
      logger.debug(
        { articleId: scored.articleId, language: scored.language, relevance: scored.relevance.score, sentiment: scored.sentiment.fused },
        'scored',
      );
    },
  });

  const ops = await startOpsServer({
    host: cfg.HTTP_HOST,
    port: cfg.HTTP_PORT,
    logger,
    metrics,
    checks: { redis: async () => (await redis.ping()) === 'PONG' },
  });
  logger.info(
    {
      url: ops.url,
      threshold: cfg.RELEVANCE_THRESHOLD ?? 'calibrated per strategy',
      stories: cfg.STORIES
        ? {
            similarity: cfg.STORY_SIMILARITY,
            similarityZh: cfg.STORY_SIMILARITY_ZH,
            windowHours: cfg.STORY_WINDOW_HOURS,
            maxActive: cfg.STORY_MAX_ACTIVE,
          }
        : 'off',
      recycled: cfg.RECYCLED ? recycledOptions : 'off',
    },
    'score ready',
  );

  lifecycle.onClose('consumer', () => consumer.disconnect());
  lifecycle.onClose('producer', () => producer.disconnect());
  lifecycle.onClose('http', () => ops.app.close());
  lifecycle.onClose('redis', () => redis.quit());
}

runMain('score', main);
