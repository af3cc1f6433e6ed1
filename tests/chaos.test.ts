/**
 * Chaos: faults while articles stream through ingest → extract → fuse → score → dashboard, each service
 * its own process, on a Kafka broker and a Redis (AOF) that this file starts for itself, so that
 * restarting them never touches the shared CI broker.
 *
 * Articles enter either straight on news.articles.v1 or, for the ingest trials, through ingest: a
 * loopback RSS feed that grows while the trial streams, which ingest polls (conditional GET, every 1–2 s).
 *
 * Trials, in turn, each with a fresh stream of articles (CHAOS_FULL=1: 11 trials of 500 articles; else
 * 4 trials of 33 — the three stages killed together, broker and Redis restarted together, the three
 * stages stopped together, ingest killed between a version claim and its publish together with a kill -9
 * of the dashboard):
 *   kill -9 extract / fuse / score / dashboard mid-stream, then restart it;
 *   kill -9 ingest mid-stream (from outside, and from inside right after a version claim, before its
 *   publish: INGEST_CRASH_AFTER_CLAIMS), then restart it;
 *   restart the broker (kafka.sh stop + start on the same data dir); restart Redis (same AOF dir);
 *   SIGTERM extract / fuse / score mid-stream (graceful: in-flight work drained, offsets committed), restart.
 * After each: every article is on news.scored.v1 (nothing lost, nothing dead-lettered), raw duplicates
 * per (articleId, version) are counted, and the dashboard — a consumer that deduplicates by
 * (articleId, version) — counts each article exactly once. Graceful trials must add no duplicate at all.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import { ArticleEvent, DeadLetter, FusedEvent, ScoredEvent, decode, encode, topicsFor } from '@newsfuse/shared';
import { articleIdFor } from '@newsfuse/stage-ingest/urls';
import { OUTPUT, groupCaughtUp, startService, uniqueId, waitFor, type ServiceHandle } from '@newsfuse/testkit/harness';
import {
  FULL,
  committedOffsets,
  countDeliveries,
  createOwnBroker,
  createOwnRedis,
  createSummary,
  exited,
  followTopic,
  kafkaClient,
  offsetConsistency,
  readTopic,
  streamMessages,
  type OwnBroker,
  type OwnRedis,
  progressLog,
  startFeedServer,
  type FeedItem,
  type FeedServer,
  type TopicMessage,
} from './chaos.harness.ts';
import { startImageServer, type ImageServer } from './fixtures/images.ts';
import { makeArticle } from './fixtures/articles.ts';

const PER_TRIAL = Number(process.env.CHAOS_ARTICLES ?? (FULL ? 500 : 33));
const TRIAL_DEADLINE_MS = FULL ? 420_000 : 240_000;
const SERVICES = ['ingest', 'extract', 'fuse', 'score', 'dashboard'] as const;
type Name = (typeof SERVICES)[number];

describe('chaos: faults while articles stream through the pipeline', { timeout: FULL ? 3_600_000 : 1_200_000 }, () => {
  const runId = uniqueId('chaos');
  const summary = createSummary('chaos');
  const log = progressLog(runId);
  const topics = topicsFor({ TOPIC_SUFFIX: runId });
  const dashboardToken = `dash-${uniqueId('')}-${Math.random().toString(36).slice(2)}`;
  const env: Record<string, string> = {
    TOPIC_SUFFIX: runId,
    NEWSFUSE_PREFIX: runId,
    KAFKA_PARTITIONS: '3',
    // A consumer killed without leaving is evicted from its group after this long.
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    LOG_LEVEL: 'info',
    NEWSFUSE_FETCH_ALLOW_HOSTS: '127.0.0.1',
    JOB_BACKOFF_MS: '200',
    IMAGE_TIMEOUT_MS: '5000',
    // Delivery, not models, is under test: the light analyzers keep two loaded cores free for the faults.
    TEXT_EMBEDDINGS: 'false',
    IMAGE_ANALYSIS: 'basic',
    TEXT_CONCURRENCY: '2',
    // A killed worker's jobs are taken over once their lock expires: short locks keep trials short.
    EXTRACT_JOB_LOCK_MS: '8000',
    FUSE_JOB_LOCK_MS: '8000',
    JOB_STALLED_INTERVAL_MS: '2000',
    SHUTDOWN_TIMEOUT_MS: '25000',
    DASHBOARD_TOKEN: dashboardToken,
    DASHBOARD_BULLBOARD: 'false',
    // ingest polls the trial's feed every 1–2 s (FEEDS is set once the feed server is up).
    POLL_MIN_SECONDS: '1',
    POLL_DEFAULT_SECONDS: '1',
    POLL_MAX_SECONDS: '2',
    POLL_PER_HOST_GAP_MS: '0',
    POLL_BACKOFF_BASE_SECONDS: '1',
    POLL_BACKOFF_MAX_SECONDS: '4',
  };
  let broker: OwnBroker | undefined;
  let redisServer: OwnRedis | undefined;
  let redis: Redis;
  let images: ImageServer;
  let feed: FeedServer;
  let producer: kafkajs.Producer;
  let scoredFollower: Awaited<ReturnType<typeof followTopic<ScoredEvent>>> | undefined;
  const services = new Map<Name, ServiceHandle>();
  /** Processes the test stops or kills on purpose; any other exit is a crash. */
  const expectedExit = new Set<number>();
  /** Every article published so far, across trials (articleId → version). */
  const published = new Map<string, number>();
  let dashboardBaseline = 0;
  let trialIndex = 0;

  async function start(name: Name, extraEnv: Record<string, string> = {}): Promise<ServiceHandle> {
    log(`starting ${name}${Object.keys(extraEnv).length ? ` with ${JSON.stringify(extraEnv)}` : ''}`);
    // Generous: on 2 loaded cores a service's start (tsx, models, connections) has taken over 2 minutes.
    const h = await startService(name, { ...env, ...extraEnv }, `${runId}-${name}`, 300_000);
    h.child.once('exit', (code, signal) => {
      if (h.child.pid !== undefined && expectedExit.has(h.child.pid)) return;
      summary.crash();
      process.stderr.write(`chaos: ${name} (pid ${h.child.pid}) exited on its own: ${code ?? signal}\n`);
    });
    services.set(name, h);
    log(`${name} ready (pid ${h.child.pid})`);
    return h;
  }
  async function stop(name: Name, signal: NodeJS.Signals): Promise<number | null> {
    const h = services.get(name)!;
    if (h.child.pid !== undefined) expectedExit.add(h.child.pid);
    log(`${signal} ${name} (pid ${h.child.pid})`);
    const code = await h.stop(signal);
    log(`${name} exited: ${code}`);
    return code;
  }

  const dashboardCount = async (): Promise<number> => {
    const url = services.get('dashboard')!.url;
    const res = await fetch(`${url}/api/overview?window=24h`, { headers: { authorization: `Bearer ${dashboardToken}` } });
    assert.equal(res.status, 200);
    return ((await res.json()) as { count: number }).count;
  };

  before(async () => {
    [broker, redisServer] = await Promise.all([createOwnBroker('chaos'), createOwnRedis('chaos')]);
    await Promise.all([broker.start(), redisServer.start()]);
    Object.assign(env, { KAFKA_BROKERS: broker.brokers, REDIS_URL: redisServer.url });
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined); // reconnects by itself across the Redis restart
    images = await startImageServer();
    feed = await startFeedServer();
    env.FEEDS = feed.url;
    const kafka = kafkaClient(broker.brokers, 'chaos-producer');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
    });
    await admin.disconnect();
    // At-least-once, like the services' producers (see libs/shared createProducer): a retried send may
    // duplicate an article on the topic, which extract absorbs (job ids); it never drops one.
    producer = kafka.producer({ maxInFlightRequests: 1 });
    await producer.connect();
    scoredFollower = await followTopic(broker.brokers, topics.scored, (v) => decode(ScoredEvent, v));
    // ingest last: five processes starting at once on two cores starve each other.
    await Promise.all(SERVICES.filter((name) => name !== 'ingest').map((name) => start(name)));
    await start('ingest');
    log(`pipeline up: broker ${broker.brokers}, redis ${redisServer.url}`);
  });

  after(async () => {
    await Promise.allSettled(SERVICES.filter((n) => services.has(n)).map((n) => stop(n, 'SIGTERM')));
    await Promise.allSettled([scoredFollower?.stop(), producer?.disconnect(), images?.close(), feed?.close()]);
    redis?.disconnect();
    await Promise.allSettled([broker?.dispose(), redisServer?.dispose()]);
    // Secrets never reach the logs.
    for (const name of SERVICES) {
      const log = readFileSync(join(OUTPUT, `${runId}-${name}.log`), 'utf8');
      if (log.includes(dashboardToken)) summary.crash();
      assert.ok(!log.includes(dashboardToken), `${name}'s log contains the dashboard token`);
    }
    summary.write();
  });

  function buildArticles(index: number, via: 'kafka' | 'feed') {
    const list: ArticleEvent[] = [];
    const items: FeedItem[] = [];
    const labels = new Map<string, ScoredEvent['modality']>();
    for (let j = 0; j < PER_TRIAL; j++) {
      const i = index * 10_000 + j;
      let imgs: ArticleEvent['images'] = [];
      if (j % 4 === 1) imgs = [{ url: `${images.url}/img/${i}.png`, caption: 'a photo' }];
      else if (j % 4 === 3) imgs = [0, 1].map((n) => ({ url: `${images.url}/img/${i * 10 + n}.png`, caption: `picture ${n}` }));
      const a = makeArticle(i, imgs, runId);
      if (via === 'feed') {
        // Through ingest, the id is ingest's: a hash of the canonical URL; the first version is 1.
        const publishedAt = new Date(Date.parse('2026-01-01T00:00:00Z') + i * 1000).toISOString();
        items.push({ guid: `${runId}-${i}`, url: a.url, title: a.title, summary: a.summary ?? a.title, publishedAt, images: imgs });
        list.push({ ...a, articleId: articleIdFor({ url: a.url }), version: 1, publishedAt });
      } else list.push(a);
      labels.set(list[list.length - 1]!.articleId, imgs.length > 0 ? 'complete' : 'text-only');
    }
    return { list, items, labels };
  }

  /** Where each lost article stopped: its message, its flow's jobs in Redis, its fused event. */
  async function diagnose(ids: string[], scored: ScoredEvent[]) {
    const articles = await readTopic(broker!.brokers, topics.articles);
    const fused = (await readTopic(broker!.brokers, topics.fused)).map((m) => ({ m, f: decode(FusedEvent, m.value) }));
    const extractOffsets = await committedOffsets(broker!.brokers, `${runId}-extract`, topics.articles);
    const scoreOffsets = await committedOffsets(broker!.brokers, `${runId}-score`, topics.fused);
    for (const id of ids) {
      const msg = articles.find((m) => m.key === id);
      const lines = [`LOST ${id}`];
      lines.push(
        msg
          ? `  article p${msg.partition}@${msg.offset} (extract committed ${extractOffsets.get(msg.partition)})`
          : '  article: not on the topic',
      );
      for (const [queue, jobId] of [
        ['fuse', `${id}-v1`],
        ['extract-text', `${id}-v1-text`],
        ['extract-image', `${id}-v1-img0`],
        ['extract-image', `${id}-v1-img1`],
      ] as const) {
        const base = `${runId}:bull:${queue}`;
        const h = await redis.hgetall(`${base}:${jobId}`);
        if (Object.keys(h).length === 0) continue;
        const where: string[] = [];
        for (const z of ['completed', 'failed', 'waiting-children', 'delayed', 'prioritized'])
          if ((await redis.zscore(`${base}:${z}`, jobId)) !== null) where.push(z);
        for (const l of ['wait', 'active', 'paused']) if ((await redis.lpos(`${base}:${l}`, jobId)) !== null) where.push(l);
        const deps = await redis.smembers(`${base}:${jobId}:dependencies`);
        lines.push(
          `  ${queue}/${jobId}: in [${where.join(',')}] attempts=${h.attemptsMade ?? h.atm ?? '?'} stalled=${h.stc ?? 0} processedOn=${h.processedOn ?? '-'} finishedOn=${h.finishedOn ?? '-'} failed=${(h.failedReason ?? '').slice(0, 200)} deps=${deps.length}`,
        );
      }
      const f = fused.filter((x) => x.f.articleId === id);
      lines.push(
        `  fused: ${f.length === 0 ? 'none' : f.map((x) => `p${x.m.partition}@${x.m.offset} (score committed ${scoreOffsets.get(x.m.partition)})`).join(', ')}`,
      );
      lines.push(`  scored: ${scored.filter((x) => x.articleId === id).length}`);
      log(lines.join('\n'));
    }
  }

  interface Trial {
    name: string;
    graceful?: boolean;
    /** How articles enter: published on news.articles.v1 (default), or through ingest polling the feed. */
    via?: 'kafka' | 'feed';
    /** Runs before the stream starts. */
    prepare?(): Promise<void>;
    /** Injects the fault; resolves once the pipeline is whole again. Returns a note for the table. */
    fault(): Promise<string | void>;
  }

  async function runTrial(trial: Trial) {
    const index = ++trialIndex;
    const t0 = Date.now();
    const via = trial.via ?? 'kafka';
    const { list, items, labels } = buildArticles(index, via);
    const expected = new Map(list.map((a) => [a.articleId, a.version]));
    for (const [id, v] of expected) published.set(id, v);
    const follower = scoredFollower!;
    const scoredIds = () => {
      const ids = new Set<string>();
      for (const s of follower.items) if (expected.has(s.articleId)) ids.add(s.articleId);
      return ids.size;
    };
    await trial.prepare?.();
    // A stream at a steady pace: 10 articles a second (full), 5 (reduced).
    const pace = { chunk: FULL ? 10 : 5, everyMs: 1000 };
    const stream =
      via === 'feed'
        ? feed.stream(items, pace)
        : streamMessages(
            producer,
            topics.articles,
            list.map((a) => ({ key: a.articleId, value: encode(ArticleEvent, a) })),
            pace,
          );
    let note: string | void = undefined;
    let row = { lost: PER_TRIAL, rawDuplicates: 0, dedupDuplicates: 0, deadLetters: 0 };
    try {
      // Mid-stream: part of the stream is out and the pipeline is visibly moving.
      await waitFor(
        () => (stream.sent() >= PER_TRIAL * 0.3 && scoredIds() >= 1 ? true : undefined),
        120_000,
        `${trial.name}: the stream to be under way`,
      );
      log(`${trial.name}: fault at sent=${stream.sent()} scored=${scoredIds()}`);
      note = await trial.fault();
      log(`${trial.name}: fault over at sent=${stream.sent()} scored=${scoredIds()}`);
      await stream.done;
      await waitFor(
        () => (scoredIds() >= PER_TRIAL ? true : undefined),
        TRIAL_DEADLINE_MS,
        `${trial.name}: all ${PER_TRIAL} articles scored`,
        500,
      ).catch(
        () => undefined, // counted exactly below
      );

      log(`${trial.name}: scored=${scoredIds()}/${PER_TRIAL}`);
      // The dashboard deduplicates by (articleId, version): once its group has consumed every scored
      // event (duplicates included), it must count each article exactly once.
      const dashboardCaughtUp = async () => {
        const admin = kafkaClient(broker!.brokers, 'chaos-admin').admin();
        await admin.connect();
        try {
          await waitFor(
            async () => ((await groupCaughtUp(admin, `${runId}-dashboard`, topics.scored)) ? true : undefined),
            60_000,
            `${trial.name}: the dashboard to catch up`,
            300,
          );
        } finally {
          await admin.disconnect();
        }
        return dashboardCount();
      };
      const [scoredMsgs, deadMsgs, dash] = await Promise.all([
        readTopic(broker!.brokers, topics.scored),
        readTopic(broker!.brokers, topics.deadletter),
        dashboardCaughtUp().catch(() => dashboardCount()),
      ]);
      const scored = scoredMsgs.map((m) => decode(ScoredEvent, m.value));
      const counts = countDeliveries(expected, scored);
      const dead = deadMsgs
        .map((m) => decode(DeadLetter, m.value))
        .filter((d) => (d.articleId && expected.has(d.articleId)) || [...expected.keys()].some((id) => d.payload.includes(id)));
      const want = dashboardBaseline + counts.delivered;
      dashboardBaseline = dash;
      log(
        `${trial.name}: counted lost=${counts.lost} raw duplicates=${counts.rawDuplicates} dashboard=${dash}/${want} dead=${dead.length}`,
      );
      row = { lost: counts.lost, rawDuplicates: counts.rawDuplicates, dedupDuplicates: dash - want, deadLetters: dead.length };

      if (counts.lost > 0) await diagnose(counts.lostIds, scored);
      assert.deepEqual(counts.lostIds, [], `${trial.name}: lost articles`);
      assert.equal(counts.unexpected, 0, `${trial.name}: versions never published`);
      assert.deepEqual(
        dead.map((d) => `${d.stage} ${d.code}: ${d.reason}`),
        [],
        `${trial.name}: dead letters for valid articles`,
      );
      assert.equal(dash, want, `${trial.name}: the deduplicated view (dashboard) counts each article once`);
      const wrong = scored.filter((s) => labels.has(s.articleId) && labels.get(s.articleId) !== s.modality);
      assert.deepEqual(
        wrong.map((s) => `${s.articleId}: ${s.modality}`),
        [],
        `${trial.name}: modalities survive the fault`,
      );
      if (trial.graceful) assert.equal(counts.rawDuplicates, 0, `${trial.name}: a graceful stop adds no duplicate`);
    } finally {
      await stream.done.catch(() => undefined);
      summary.trial({
        trial: trial.name,
        articles: PER_TRIAL,
        ...row,
        seconds: Math.round((Date.now() - t0) / 100) / 10,
        ...(note ? { note } : {}),
      });
    }
  }

  type Stage = 'extract' | 'fuse' | 'score';
  const names = (stages: Name[]) => stages.join(' + ');

  const kill9 = (...stages: Name[]): Trial => ({
    name: `kill -9 ${names(stages)}${stages.includes('ingest') ? ' (articles through ingest)' : ''}`,
    ...(stages.includes('ingest') ? { via: 'feed' as const } : {}),
    async fault() {
      await Promise.all(stages.map((n) => stop(n, 'SIGKILL')));
      await Promise.all(stages.map((n) => start(n)));
    },
  });

  /** ingest's republished pending claims (its metrics), so a trial can tell the claim crash was recovered. */
  const ingestRepublished = async (): Promise<number> => {
    const text = await (await fetch(`${services.get('ingest')!.url}/metrics`)).text();
    const m = /^newsfuse_messages_total\{[^}]*outcome="republished"[^}]*\} (\d+)/m.exec(text);
    return m ? Number(m[1]) : 0;
  };

  /**
   * ingest kills itself (SIGKILL, INGEST_CRASH_AFTER_CLAIMS) right after a version claim, before its
   * publish, about a third into the stream; restarted, it must publish that article (the pending claim,
   * same version) and everything after it. With `alsoKill`, those services are killed -9 at that moment too.
   */
  const ingestClaimCrash = (...alsoKill: Name[]): Trial => {
    const claims = Math.max(2, Math.ceil(PER_TRIAL * 0.3));
    return {
      name: `kill -9 ingest between a version claim and its publish${alsoKill.length ? ` + kill -9 ${names(alsoKill)}` : ''}`,
      via: 'feed',
      async prepare() {
        await stop('ingest', 'SIGTERM');
        const h = await start('ingest', { INGEST_CRASH_AFTER_CLAIMS: String(claims) });
        expectedExit.add(h.child.pid!);
      },
      async fault() {
        // ingest kills itself at its claim (it may have already): wait for that exit, send nothing.
        const h = services.get('ingest')!;
        await exited(h.child, 120_000);
        log(`ingest exited (${h.child.signalCode ?? h.child.exitCode}) after claim ${claims}`);
        assert.equal(h.child.signalCode, 'SIGKILL', 'ingest killed itself after its claim');
        await Promise.all(alsoKill.map((n) => stop(n, 'SIGKILL')));
        await Promise.all([start('ingest'), ...alsoKill.map((n) => start(n))]);
        await waitFor(
          async () => ((await ingestRepublished()) >= 1 ? true : undefined),
          120_000,
          'ingest to re-publish the pending claim',
          500,
        );
        return `ingest killed itself after claim ${claims}; the pending claim was re-published under its version after the restart`;
      },
    };
  };

  /** Checks, right after a graceful stop, that in-flight work was drained and offsets committed. */
  async function checkDrained(name: Stage): Promise<string> {
    if (name === 'extract') {
      // In-flight extract jobs finished: nothing is left active for a restart to find stalled.
      const active = (await redis.llen(`${runId}:bull:extract-text:active`)) + (await redis.llen(`${runId}:bull:extract-image:active`));
      assert.equal(active, 0, 'extract jobs left active after SIGTERM');
      // Offsets: every article consumed (its flow exists) is committed, and every committed one has its flow.
      const [msgs, committed] = await Promise.all([
        readTopic(broker!.brokers, topics.articles),
        committedOffsets(broker!.brokers, `${runId}-extract`, topics.articles),
      ]);
      const exists = await Promise.all(msgs.map((m) => redis.exists(`${runId}:bull:fuse:${m.key!}-v${published.get(m.key!) ?? 1}`)));
      const flows = new Set(msgs.filter((_, i) => exists[i] === 1).map((m) => m.key!));
      const c = offsetConsistency(msgs, committed, (m: TopicMessage) => flows.has(m.key!));
      assert.equal(c.committedNotHandled.length, 0, 'articles committed without a flow (lost)');
      assert.equal(c.handledNotCommitted.length, 0, 'articles with a flow but not committed (redelivered)');
      return `extract: ${flows.size} flows = committed`;
    }
    if (name === 'fuse') {
      assert.equal(await redis.llen(`${runId}:bull:fuse:active`), 0, 'fuse jobs left active after SIGTERM');
      return 'fuse: 0 active';
    }
    const [msgs, scoredMsgs, committed] = await Promise.all([
      readTopic(broker!.brokers, topics.fused),
      readTopic(broker!.brokers, topics.scored),
      committedOffsets(broker!.brokers, `${runId}-score`, topics.fused),
    ]);
    const scored = new Set(scoredMsgs.map((m) => decode(ScoredEvent, m.value)).map((e) => `${e.articleId}@${e.version}`));
    const keyOf = (m: TopicMessage) => {
      const f = decode(FusedEvent, m.value);
      return `${f.articleId}@${f.version}`;
    };
    // A fused event may be there twice (a fuse job re-run after a kill): judge each key by its first copy.
    const firstCopy = new Map<string, TopicMessage>();
    for (const m of msgs) if (!firstCopy.has(keyOf(m))) firstCopy.set(keyOf(m), m);
    const c = offsetConsistency([...firstCopy.values()], committed, (m) => scored.has(keyOf(m)));
    assert.equal(c.committedNotHandled.length, 0, 'fused events committed without a scored event (lost)');
    assert.equal(c.handledNotCommitted.length, 0, 'fused events scored but not committed (redelivered)');
    return `score: ${scored.size} scored = committed`;
  }

  const sigterm = (...stages: Stage[]): Trial => ({
    name: `SIGTERM ${names(stages)}`,
    graceful: true,
    async fault() {
      const t = Date.now();
      const codes = await Promise.all(stages.map((n) => stop(n, 'SIGTERM')));
      const stopSeconds = (Date.now() - t) / 1000;
      assert.deepEqual(
        codes,
        stages.map(() => 0),
        'exit code 0 after SIGTERM',
      );
      const notes = [`stopped in ${stopSeconds.toFixed(1)} s`, ...(await Promise.all(stages.map((n) => checkDrained(n))))];
      await Promise.all(stages.map((n) => start(n)));
      return notes.join('; ');
    },
  });

  const restartBroker: Trial = {
    name: 'restart Kafka broker',
    async fault() {
      const t = Date.now();
      await broker!.stop();
      log('broker stopped');
      await broker!.start();
      log('broker started');
      return `broker down ${((Date.now() - t) / 1000).toFixed(1)} s`;
    },
  };
  const restartRedis: Trial = {
    name: 'restart Redis (AOF)',
    async fault() {
      const t = Date.now();
      await redisServer!.stop();
      log('redis stopped');
      await redisServer!.start();
      log('redis started');
      return `redis down ${((Date.now() - t) / 1000).toFixed(1)} s`;
    },
  };

  const restartBoth: Trial = {
    name: 'restart Kafka broker + Redis (AOF)',
    async fault() {
      const t = Date.now();
      await Promise.all([broker!.stop(), redisServer!.stop()]);
      log('broker and redis stopped');
      await Promise.all([broker!.start(), redisServer!.start()]);
      log('broker and redis started');
      return `down ${((Date.now() - t) / 1000).toFixed(1)} s`;
    },
  };

  // Full: every fault on its own. Reduced (npm test): the three stages killed together, the broker and
  // Redis restarted together, the three stages stopped together, ingest's claim crash with a kill -9 of
  // the dashboard.
  const trials: Trial[] = FULL
    ? [
        kill9('extract'),
        kill9('fuse'),
        kill9('score'),
        kill9('dashboard'),
        kill9('ingest'),
        ingestClaimCrash(),
        restartBroker,
        restartRedis,
        sigterm('extract'),
        sigterm('fuse'),
        sigterm('score'),
      ]
    : [kill9('extract', 'fuse', 'score'), restartBoth, sigterm('extract', 'fuse', 'score'), ingestClaimCrash('dashboard')];

  // CHAOS_TRIALS=kill,redis runs only the trials whose names contain one of the words (development).
  const only = (process.env.CHAOS_TRIALS ?? '')
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  for (const trial of trials) if (only.length === 0 || only.some((w) => trial.name.includes(w))) test(trial.name, () => runTrial(trial));
});
