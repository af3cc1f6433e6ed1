/**
 * dashboard: consumes news.scored.v1 (group `${prefix}-dashboard`) into time-bucketed aggregates per
 * topic and source in Redis, and news.deadletter.v1 (group `${prefix}-dashboard-deadletter`) into
 * dead-letter counts; samples pipeline health (queue depth, topic offsets, consumer lag); serves the
 * live page, the JSON API, SSE and Bull Board next to /healthz and /metrics.
 */
import { Queue } from 'bullmq';
import {
  NewsFuseError,
  QUEUES,
  ScoredEvent,
  bootStage,
  bullConnection,
  createRedis,
  decode,
  runConsumer,
  runMain,
  startOpsServer,
  type Consumer,
} from '@newsfuse/shared';
import { loadDashboardConfig } from './config.ts';
import { createAggregator, type AggregateOptions, type Outcome, type WindowName } from '@newsfuse/stage-dashboard/aggregate';
import { createAuth } from '@newsfuse/stage-dashboard/auth';
import { deadLetterPlan } from '@newsfuse/stage-dashboard/deadletters';
import { createHealthModel, defaultStages, QUEUE_STATES, type TopicKey } from '@newsfuse/stage-dashboard/health';
import { createLiveHub } from '@newsfuse/stage-dashboard/live';
import { createDashboardMetrics } from './metrics.ts';
import { createViews } from '@newsfuse/stage-dashboard/views';
import { createRedisStore } from './adapters/redis-store.ts';
import { createPipelineSampler } from './adapters/pipeline.ts';
import { registerDashboardRoutes } from './adapters/http.ts';

const PRUNE_EVERY_MS = 10 * 60_000;

async function main(): Promise<void> {
  const cfg = loadDashboardConfig();
  const { logger, metrics, lifecycle, topics, kafka, producer, deadLetters, consumer: consumerFor } = await bootStage('dashboard', cfg);
  const dm = createDashboardMetrics(metrics);

  const options: AggregateOptions = {
    minuteRetentionSeconds: cfg.DASHBOARD_MINUTE_RETENTION_SECONDS,
    hourRetentionSeconds: cfg.DASHBOARD_HOUR_RETENTION_SECONDS,
    mismatchKeep: cfg.DASHBOARD_MISMATCH_KEEP,
    mismatchTtlSeconds: cfg.DASHBOARD_MISMATCH_TTL_SECONDS,
    dedupTtlSeconds: cfg.DASHBOARD_DEDUP_TTL_SECONDS,
    maxIndex: cfg.DASHBOARD_MAX_INDEX,
  };

  const admin = kafka.admin();
  await admin.connect();
  const redis = createRedis(cfg);
  const store = createRedisStore(redis, cfg);
  const aggregator = createAggregator({ store, options });
  const views = createViews(store, { minuteRetentionSeconds: options.minuteRetentionSeconds, maxIndex: Math.min(options.maxIndex, 500) });

  const bull = bullConnection(cfg);
  const queues = [QUEUES.text, QUEUES.image, QUEUES.fuse].map(
    (name) => new Queue(name, { connection: bull.connection, prefix: bull.prefix }),
  );

  // --- consumers ---------------------------------------------------------------------------------
  const groupId = `${cfg.NEWSFUSE_PREFIX}-dashboard`;
  const dlGroupId = `${cfg.NEWSFUSE_PREFIX}-dashboard-deadletter`;
  const consumer = consumerFor(groupId);
  const dlConsumer = consumerFor(dlGroupId);
  const up = { scored: false, deadletter: false };
  const track = (c: Consumer, name: keyof typeof up) => {
    c.on(c.events.GROUP_JOIN, () => {
      up[name] = true;
    });
    for (const e of [c.events.CRASH, c.events.STOP, c.events.DISCONNECT]) {
      c.on(e, () => {
        up[name] = false;
      });
    }
  };
  track(consumer, 'scored');
  track(dlConsumer, 'deadletter');

  const outcomes: Record<Outcome, number> = { applied: 0, duplicate: 0, superseded: 0, stale: 0 };

  await runConsumer({
    consumer,
    topic: topics.scored,
    stage: 'dashboard',
    groupId,
    logger,
    metrics,
    deadLetters,
    async handle(message) {
      const event = decode(ScoredEvent, message.value);
      let outcome: Outcome;
      try {
        outcome = await aggregator.ingest(event);
      } catch (err) {
        throw new NewsFuseError('INFRA_UNAVAILABLE', `could not write aggregates: ${(err as Error).message}`, {
          retriable: true,
          cause: err,
        });
      }
      outcomes[outcome]++;
      dm.events.inc({ outcome });
      if (outcome === 'applied') {
        if (event.relevance.label === 'mismatch') dm.mismatches.inc();
        const e2e = (Date.parse(event.emittedAt) - Date.parse(event.ingestedAt)) / 1000;
        if (Number.isFinite(e2e) && e2e >= 0) dm.endToEnd.observe(e2e);
      }
      logger.debug({ articleId: event.articleId, version: event.version, outcome }, 'scored event');
    },
  });

  await runConsumer({
    consumer: dlConsumer,
    topic: topics.deadletter,
    stage: 'dashboard-deadletter',
    groupId: dlGroupId,
    logger,
    metrics,
    deadLetters,
    partitionsConsumedConcurrently: 1,
    async handle(message, { partition }) {
      // Never throws on a bad record (that would dead-letter a dead letter): it is counted as unreadable.
      const p = deadLetterPlan(message.value, { partition, offset: message.offset }, Date.now());
      let counted: boolean;
      try {
        counted = await store.recordDeadLetter(p);
      } catch (err) {
        throw new NewsFuseError('INFRA_UNAVAILABLE', `could not count dead letter: ${(err as Error).message}`, {
          retriable: true,
          cause: err,
        });
      }
      if (counted) dm.deadLettersSeen.inc({ stage: p.entry.stage, code: p.entry.code });
    },
  });

  // --- pipeline health ---------------------------------------------------------------------------
  const stages = defaultStages(cfg.NEWSFUSE_PREFIX, QUEUES);
  const health = createHealthModel(stages);
  const topicMap: Record<TopicKey, string> = {
    articles: topics.articles,
    fused: topics.fused,
    scored: topics.scored,
    deadletter: topics.deadletter,
  };
  const sampler = createPipelineSampler({
    admin,
    queues,
    topics: topicMap,
    groups: stages.flatMap((s) => (s.input ? [{ group: s.input.group, topicKey: s.input.topic }] : [])),
    dashboardEvents: () => outcomes.applied + outcomes.stale,
    logger,
  });
  let lastSampleAt = 0;
  let sampling: Promise<void> | undefined;
  const sampleOnce = () =>
    (sampling ??= (async () => {
      const end = dm.healthSampleSeconds.startTimer();
      try {
        const s = await sampler.sample();
        health.record(s);
        for (const l of health.lag()) {
          if (l.error) continue;
          dm.groupLagMessages.set({ group: l.group, topic: l.topic }, l.messages);
          if (l.seconds !== null) dm.groupLagSeconds.set({ group: l.group, topic: l.topic }, l.seconds);
        }
        for (const q of health.queues()) for (const state of QUEUE_STATES) metrics.queueJobs.set({ queue: q.name, state }, q.counts[state]);
        lastSampleAt = s.at;
      } catch (err) {
        logger.warn({ err }, 'pipeline health sample failed');
      } finally {
        end();
        sampling = undefined;
      }
    })());
  await sampleOnce();
  const sampleTimer = setInterval(() => void sampleOnce(), cfg.DASHBOARD_HEALTH_INTERVAL_MS);
  sampleTimer.unref();
  const pruneTimer = setInterval(() => {
    store.prune(Date.now(), options).then(
      ({ removed }) => removed > 0 && logger.info({ removed }, 'pruned dashboard index'),
      (err: unknown) => logger.warn({ err }, 'prune failed'),
    );
  }, PRUNE_EVERY_MS);
  pruneTimer.unref();

  const dashboardState = () => ({ consumers: { ...up }, outcomes: { ...outcomes }, groups: { scored: groupId, deadletter: dlGroupId } });
  const pipelineHealth = async () => {
    const [deadLetters, services] = await Promise.all([
      store.deadLetters(Date.now()),
      store.supervision().catch((err: unknown) => (logger.warn({ err }, 'could not read supervisor status'), [])),
    ]);
    return { ...health.view(deadLetters), services, dashboard: dashboardState() };
  };
  const liveHealth = async () => {
    const { history: _history, ...rest } = await pipelineHealth();
    return rest;
  };

  // --- live updates --------------------------------------------------------------------------------
  const hub = createLiveHub({
    intervalMs: cfg.DASHBOARD_PUSH_INTERVAL_MS,
    heartbeatMs: cfg.DASHBOARD_HEARTBEAT_MS,
    maxClients: cfg.DASHBOARD_MAX_SSE_CLIENTS,
    dataToken: async () => String(await store.revision()),
    healthToken: () => String(lastSampleAt),
    health: liveHealth,
    async snapshot(window) {
      const end = dm.snapshotSeconds.startTimer();
      try {
        const w = window as WindowName;
        const [overview, topicRows, sourceRows, languageRows, mismatches, recycled, pipeline] = await Promise.all([
          views.overview(w),
          views.table('topic', { window: w, sort: 'volume', order: 'desc', limit: 100 }),
          views.table('source', { window: w, sort: 'volume', order: 'desc', limit: 25 }),
          views.table('language', { window: w, sort: 'volume', order: 'desc', limit: 25 }),
          views.mismatches(24),
          views.recycled(12),
          liveHealth(),
        ]);
        return {
          at: new Date().toISOString(),
          window: w,
          overview,
          topics: topicRows,
          sources: sourceRows,
          languages: languageRows,
          mismatches,
          recycled,
          pipeline,
        };
      } finally {
        end();
      }
    },
    onError: (err) => logger.warn({ err }, 'live update failed'),
    onClientsChanged: (n) => dm.sseClients.set(n),
  });
  hub.start();

  // --- HTTP ----------------------------------------------------------------------------------------
  const auth = createAuth(cfg.DASHBOARD_TOKEN);
  const ops = await startOpsServer({
    host: cfg.HTTP_HOST,
    port: cfg.HTTP_PORT,
    logger,
    metrics,
    checks: {
      redis: async () => (await redis.ping()) === 'PONG',
      kafkaScored: () => up.scored,
      kafkaDeadletter: () => up.deadletter,
    },
    routes: (app) =>
      registerDashboardRoutes(app, {
        auth,
        views,
        hub,
        maxSseClients: cfg.DASHBOARD_MAX_SSE_CLIENTS,
        pipelineHealth,
        ...(cfg.DASHBOARD_BULLBOARD ? { bullBoard: { queues, readOnly: cfg.DASHBOARD_BULLBOARD_READONLY } } : {}),
        logger,
      }),
  });
  logger.info(
    { url: ops.url, auth: auth.enabled, bullBoard: cfg.DASHBOARD_BULLBOARD, readOnly: cfg.DASHBOARD_BULLBOARD_READONLY },
    'dashboard ready',
  );

  lifecycle.onClose('consumer', () => consumer.disconnect());
  lifecycle.onClose('deadletter consumer', () => dlConsumer.disconnect());
  lifecycle.onClose('timers', () => {
    clearInterval(sampleTimer);
    clearInterval(pruneTimer);
  });
  lifecycle.onClose('live', () => hub.close());
  lifecycle.onClose('http', () => ops.app.close());
  lifecycle.onClose('admin', () => admin.disconnect());
  lifecycle.onClose('producer', () => producer.disconnect());
  lifecycle.onClose('queues', () => Promise.all(queues.map((q) => q.close())));
  lifecycle.onClose('bull connection', () => bull.connection.quit());
  lifecycle.onClose('redis', () => redis.quit());
}

runMain('dashboard', main);
