/**
 * The main job supervises its services: `npm start` (the whole pipeline, the demo feed, against the
 * test's broker and Redis), kill -9 of score mid-stream → score is restarted and comes back, every
 * article is still scored (nothing lost), the other four services keep their process and count no
 * restart, the dashboard's pipeline health shows the restart, and Ctrl-C (SIGINT to the process
 * group) then stops everything and exits 0.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import { ArticleEvent, ScoredEvent, createKafka, createLogger, decode, encode, ensureTopics, topicsFor } from '@newsfuse/shared';
import { collectTopic, getInfra, uniqueId, waitFor } from '@newsfuse/testkit/harness';
import { alive, startMainJob, supervision, type MainJob } from './main-job.harness.ts';
import { makeArticle } from './fixtures/articles.ts';

const N = 60;
const SERVICES = ['dashboard', 'score', 'fuse', 'extract', 'ingest'];

describe('npm start: supervised services', () => {
  const runId = uniqueId('run');
  const host = `${runId}-host`;
  const topics = topicsFor({ TOPIC_SUFFIX: runId });
  let job: MainJob | undefined;
  let redis: Redis;
  let producer: kafkajs.Producer;
  let scored: Awaited<ReturnType<typeof collectTopic<ScoredEvent>>>;

  before(async () => {
    const infra = await getInfra();
    redis = new Redis(infra.redisUrl);
    const kafka = createKafka({ KAFKA_BROKERS: infra.brokers, KAFKA_CLIENT_ID: 'run-test' }, createLogger('run-test', 'warn'));
    await ensureTopics(kafka, Object.values(topics), 2);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    scored = await collectTopic(infra.brokers, topics.scored, (v) => decode(ScoredEvent, v));
    job = await startMainJob(runId, {
      KAFKA_BROKERS: infra.brokers,
      REDIS_URL: infra.redisUrl,
      TOPIC_SUFFIX: runId,
      NEWSFUSE_PREFIX: runId,
      NEWSFUSE_HOST: host,
      KAFKA_PARTITIONS: '2',
      IMAGE_CONCURRENCY: '1',
      NEWSFUSE_RESTART_BACKOFF_MS: '500',
      LOG_LEVEL: 'info',
    });
  });

  after(async () => {
    if (job && job.child.exitCode === null && job.child.signalCode === null) {
      job.signal('SIGINT');
      await Promise.race([job.exit, new Promise((r) => setTimeout(r, 60_000))]);
      job.signal('SIGKILL');
    }
    await Promise.allSettled([scored?.stop(), producer?.disconnect()]);
    if (redis) {
      const keys = await redis.keys(`${runId}:*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      redis.disconnect();
    }
  });

  test('kill -9 of score: it comes back, nothing is lost, the others are never restarted; Ctrl-C stops all', async () => {
    const main = job!;
    const demoLine = await main.waitLine(/^demo feed: .* \((\d+) articles/, 120_000);
    const demoCount = Number(/\((\d+) articles/.exec(demoLine)![1]);
    await main.waitLine(/^all five services ready in/, 300_000);
    const initial = await supervision(redis, runId, host);
    assert.deepEqual([...initial.keys()].sort(), [...SERVICES].sort());
    for (const s of initial.values()) assert.equal(s.state, 'running', `${s.service} running`);
    const pids = new Map([...initial].map(([k, v]) => [k, v.pid!]));

    // A stream of articles, with score killed part-way through it.
    const mine = Array.from({ length: N }, (_, i) => makeArticle(i, [], runId));
    const send = (batch: ArticleEvent[]) =>
      producer.send({ topic: topics.articles, messages: batch.map((a) => ({ key: a.articleId, value: encode(ArticleEvent, a) })) });
    const ids = new Set(mine.map((a) => a.articleId));
    const scoredMine = () => new Set(scored.items.filter((s) => ids.has(s.articleId)).map((s) => s.articleId)).size;
    await send(mine.slice(0, 20));
    await waitFor(() => (scoredMine() >= 5 ? true : undefined), 180_000, 'the first scored articles');
    process.kill(pids.get('score')!, 'SIGKILL');
    const killedAt = Date.now();
    await send(mine.slice(20, 40));
    await main.waitLine(/^score exited unexpectedly \(signal SIGKILL\); restart #1/, 30_000);
    await send(mine.slice(40));
    await main.waitLine(/^score is back \(pid \d+, ready in/, 180_000);

    await waitFor(() => (scoredMine() === N ? true : undefined), 300_000, `${N} scored articles`, 500);
    // The demo feed's articles too (ingest → … → score), through the same restart.
    await waitFor(
      () => (new Set(scored.items.map((s) => s.articleId)).size >= N + demoCount ? true : undefined),
      300_000,
      'the demo articles',
    );
    const byKey = new Map<string, number>();
    for (const s of scored.items) byKey.set(`${s.articleId}@${s.version}`, (byKey.get(`${s.articleId}@${s.version}`) ?? 0) + 1);
    assert.equal(byKey.size, N + demoCount, 'every article scored, none unknown');
    const dups = [...byKey.values()].filter((n) => n > 1).length;
    process.stdout.write(
      `# score killed ${((Date.now() - killedAt) / 1000).toFixed(0)} s before all ${N + demoCount} articles were scored; ${dups} redelivered (deduplicated by articleId+version)\n`,
    );

    const now = await supervision(redis, runId, host);
    const score = now.get('score')!;
    assert.equal(score.restarts, 1);
    assert.equal(score.state, 'running');
    assert.equal(score.lastExit?.signal, 'SIGKILL');
    assert.notEqual(score.pid, pids.get('score'));
    assert.ok(alive(score.pid!));
    for (const name of SERVICES.filter((s) => s !== 'score')) {
      const r = now.get(name)!;
      assert.equal(r.restarts, 0, `${name} never restarted`);
      assert.equal(r.pid, pids.get(name), `${name} kept its process`);
      assert.ok(alive(r.pid!));
    }
    assert.equal(main.lines.filter((l) => /exited unexpectedly/.test(l)).length, 1, 'one unexpected exit in the whole run');

    // The dashboard's pipeline health carries the restart.
    const health = (await (await fetch(`http://127.0.0.1:${main.ports.dashboard}/api/health/pipeline`)).json()) as {
      services: { service: string; host: string; restarts: number }[];
    };
    assert.deepEqual(
      health.services.filter((s) => s.host === host).map((s) => [s.service, s.restarts]),
      [
        ['dashboard', 0],
        ['extract', 0],
        ['fuse', 0],
        ['ingest', 0],
        ['score', 1],
      ],
    );

    // Ctrl-C: everything stops, in order, and the job exits 0.
    const t0 = Date.now();
    main.signal('SIGINT');
    await main.exit;
    const stopped = main.lines.find((l) => l.startsWith('stopped ('));
    assert.match(
      stopped ?? '',
      /^stopped \(dashboard: 0 restarts, score: 1 restarts, fuse: 0 restarts, extract: 0 restarts, ingest: 0 restarts\); exit code 0$/,
    );
    assert.equal(main.lines.filter((l) => /exited unexpectedly/.test(l)).length, 1, 'Ctrl-C: no service counted as crashed');
    for (const pid of [...pids.values(), score.pid!]) assert.ok(!alive(pid), `pid ${pid} stopped`);
    const final = await supervision(redis, runId, host);
    assert.deepEqual(
      [...final.values()].map((s) => s.state),
      SERVICES.map(() => 'stopped'),
    );
    process.stdout.write(`# Ctrl-C stopped the five services in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  });
});
