/**
 * Roles per machine: two `npm start -- --only …` groups on this machine against one broker and one
 * Redis, as two machines would run them — A: extract, fuse, score; B: extract, fuse. Both extract
 * processes take work (Kafka partitions of one consumer group, jobs of the shared BullMQ queues);
 * B is killed with SIGKILL mid-stream (supervisor and services: a machine lost), and every article is
 * still scored exactly once after dedup by (articleId, version).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import { ArticleEvent, ScoredEvent, createKafka, createLogger, decode, encode, ensureTopics, topicsFor } from '@newsfuse/shared';
import { collectTopic, getInfra, uniqueId, waitFor } from '@newsfuse/testkit/harness';
import { alive, metricSum, startMainJob, supervision, type MainJob } from './main-job.harness.ts';
import { makeArticle } from './fixtures/articles.ts';

const N = 120;

describe('npm start --only: two groups against one broker and Redis', () => {
  const runId = uniqueId('roles');
  const topics = topicsFor({ TOPIC_SUFFIX: runId });
  const groups: Partial<Record<'a' | 'b', MainJob>> = {};
  let redis: Redis;
  let producer: kafkajs.Producer;
  let scored: Awaited<ReturnType<typeof collectTopic<ScoredEvent>>>;
  let env: Record<string, string>;

  before(async () => {
    const infra = await getInfra();
    redis = new Redis(infra.redisUrl);
    const kafka = createKafka({ KAFKA_BROKERS: infra.brokers, KAFKA_CLIENT_ID: 'roles-test' }, createLogger('roles-test', 'warn'));
    await ensureTopics(kafka, Object.values(topics), 4);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    scored = await collectTopic(infra.brokers, topics.scored, (v) => decode(ScoredEvent, v));
    env = {
      KAFKA_BROKERS: infra.brokers,
      REDIS_URL: infra.redisUrl,
      TOPIC_SUFFIX: runId,
      NEWSFUSE_PREFIX: runId,
      KAFKA_PARTITIONS: '4',
      KAFKA_SESSION_TIMEOUT_MS: '10000',
      EXTRACT_JOB_LOCK_MS: '10000',
      FUSE_JOB_LOCK_MS: '10000',
      JOB_STALLED_INTERVAL_MS: '5000',
      IMAGE_CONCURRENCY: '1',
      LOG_LEVEL: 'info',
    };
    [groups.a, groups.b] = await Promise.all([
      startMainJob(`${runId}-a`, { ...env, NEWSFUSE_HOST: `${runId}-a` }, ['--only', 'extract,fuse,score']),
      startMainJob(`${runId}-b`, { ...env, NEWSFUSE_HOST: `${runId}-b` }, ['--only', 'fuse,extract']),
    ]);
  });

  after(async () => {
    for (const g of Object.values(groups)) {
      if (g.child.exitCode === null && g.child.signalCode === null) {
        g.signal('SIGINT');
        await Promise.race([g.exit, new Promise((r) => setTimeout(r, 60_000))]);
        g.signal('SIGKILL');
      }
    }
    await Promise.allSettled([scored?.stop(), producer?.disconnect()]);
    if (redis) {
      const keys = await redis.keys(`${runId}:*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      redis.disconnect();
    }
  });

  test('both extracts take work; SIGKILL of one group mid-stream loses nothing', async () => {
    const { a, b } = groups as Required<typeof groups>;
    await Promise.all([a.waitLine(/^score, fuse, extract ready in/, 300_000), b.waitLine(/^fuse, extract ready in/, 300_000)]);
    assert.ok(a.lines.some((l) => l.startsWith(`role: score, fuse, extract on ${runId}-a`)));
    assert.ok(!a.lines.some((l) => /^(kafka|redis|demo feed):/.test(l)), 'no broker, Redis or demo in a role');

    const articles = Array.from({ length: N }, (_, i) => makeArticle(i, [], runId));
    const send = (batch: ArticleEvent[]) =>
      producer.send({ topic: topics.articles, messages: batch.map((x) => ({ key: x.articleId, value: encode(ArticleEvent, x) })) });
    const extractWork = async (job: MainJob) => ({
      consumed: await metricSum(`http://127.0.0.1:${job.ports.extract}`, 'newsfuse_messages_total', { stage: 'extract', outcome: 'ok' }),
      jobs: await metricSum(`http://127.0.0.1:${job.ports.extract}`, 'newsfuse_messages_total', { stage: 'extract-text', outcome: 'ok' }),
    });

    // The first half, in small batches, until both extract processes have done some of it.
    let sent = 0;
    while (sent < N / 2) {
      await send(articles.slice(sent, sent + 10));
      sent += 10;
      await new Promise((r) => setTimeout(r, 300));
    }
    const work = await waitFor(
      async () => {
        const [wa, wb] = await Promise.all([extractWork(a), extractWork(b)]);
        return wa.consumed > 0 && wb.consumed > 0 && wa.jobs > 0 && wb.jobs > 0 ? { a: wa, b: wb } : undefined;
      },
      240_000,
      'both extract processes to take work',
      500,
    );
    process.stdout.write(
      `# before the kill: extract A consumed ${work.a.consumed} articles and ran ${work.a.jobs} text jobs, extract B ${work.b.consumed} and ${work.b.jobs}\n`,
    );

    // Group B is lost: the supervisor and its services, all with SIGKILL, while articles still arrive.
    const bServices = await supervision(redis, runId, `${runId}-b`);
    assert.deepEqual([...bServices.keys()].sort(), ['extract', 'fuse']);
    const bPids = [...bServices.values()].map((s) => s.pid!);
    b.signal('SIGKILL');
    for (const pid of bPids) process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    await send(articles.slice(sent));
    await b.exit;
    await waitFor(() => (bPids.every((p) => !alive(p)) ? true : undefined), 10_000, 'group B gone');

    const ids = new Set(articles.map((x) => x.articleId));
    await waitFor(() => (new Set(scored.items.map((s) => s.articleId)).size >= N ? true : undefined), 420_000, `${N} scored`, 500);
    const byKey = new Map<string, number>();
    for (const s of scored.items) byKey.set(`${s.articleId}@${s.version}`, (byKey.get(`${s.articleId}@${s.version}`) ?? 0) + 1);
    assert.equal(byKey.size, N, 'every article scored once after dedup');
    assert.ok(
      [...byKey.keys()].every((k) => ids.has(k.split('@')[0]!)),
      'nothing else',
    );
    const redelivered = [...byKey.values()].reduce((x, n) => x + n - 1, 0);
    process.stdout.write(
      `# group B killed; all ${N} articles scored ${((Date.now() - killedAt) / 1000).toFixed(0)} s later; ${redelivered} scored twice (redelivered), deduplicated by (articleId, version)\n`,
    );
    const aStatus = await supervision(redis, runId, `${runId}-a`);
    assert.deepEqual(
      [...aStatus.values()].map((s) => [s.service, s.state, s.restarts]),
      [
        ['extract', 'running', 0],
        ['fuse', 'running', 0],
        ['score', 'running', 0],
      ],
    );
    a.signal('SIGINT');
    await a.exit;
    assert.ok(a.lines.some((l) => /^stopped \(.*\); exit code 0$/.test(l)));
  });
});
