/**
 * What every hostile-input file shares: the services under attack (each its own process, on the shared
 * broker and Redis, with the tokens whose leaks the aftermath test looks for), the loopback server with
 * the hostile corpus (tests/fixtures/hostile.ts), readers of the dead-letter, fused and articles topics,
 * a producer, and the summary part the file contributes to the chaos/hostile table (scripts/chaos.ts).
 *
 * Call useHostileRig() inside the file's describe (it registers the before/after hooks), then
 * aftermathTest(rig) last: no service crashed, each is healthy, no secret is in any log.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import { ArticleEvent, DeadLetter, FusedEvent, createKafka, createLogger, decode, ensureTopics, topicsFor } from '@newsfuse/shared';
import { OUTPUT, collectTopic, getInfra, startService, uniqueId, type ServiceHandle } from '@newsfuse/testkit/harness';
import { FULL, createSummary } from '../chaos.harness.ts';
import { startHostileServer, type HostileServer } from '../fixtures/hostile.ts';

export type HostileService = 'ingest' | 'extract' | 'fuse' | 'dashboard';

type Collector<T> = Awaited<ReturnType<typeof collectTopic<T>>>;

export interface HostileRig {
  runId: string;
  summary: ReturnType<typeof createSummary>;
  topics: ReturnType<typeof topicsFor>;
  pushToken: string;
  dashboardToken: string;
  services: Map<HostileService, ServiceHandle>;
  server: HostileServer;
  producer: kafkajs.Producer;
  dead: Collector<DeadLetter>;
  fused: Collector<FusedEvent>;
  articles: Collector<ArticleEvent>;
}

export const HOSTILE_TIMEOUT_MS = FULL ? 1_200_000 : 600_000;

/**
 * Starts `services` for the file named `part` (its summary is written as `part`). With `pollFeeds`,
 * ingest polls every feed of the hostile corpus and the good feed.
 */
export function useHostileRig(part: string, opts: { services: HostileService[]; pollFeeds?: boolean }): HostileRig {
  const runId = uniqueId(part);
  const rig = {
    runId,
    summary: createSummary(part),
    topics: topicsFor({ TOPIC_SUFFIX: runId }),
    pushToken: `push-${randomBytes(18).toString('hex')}`,
    dashboardToken: `dash-${randomBytes(18).toString('hex')}`,
    services: new Map<HostileService, ServiceHandle>(),
  } as HostileRig;
  let redis: Redis | undefined;
  let kafka: ReturnType<typeof createKafka> | undefined;
  let stopping = false;

  const base: Record<string, string> = {
    TOPIC_SUFFIX: runId,
    NEWSFUSE_PREFIX: runId,
    KAFKA_PARTITIONS: '3',
    // The most talkative level, so that the secret check has the most to look through.
    LOG_LEVEL: 'debug',
    NEWSFUSE_FETCH_ALLOW_HOSTS: '127.0.0.1',
    TEXT_EMBEDDINGS: 'false',
    IMAGE_ANALYSIS: 'basic',
    IMAGE_MAX_BYTES: String(1024 * 1024),
    IMAGE_TIMEOUT_MS: '5000',
    JOB_ATTEMPTS: '2',
    JOB_BACKOFF_MS: '100',
  };

  before(async () => {
    const infra = await getInfra();
    Object.assign(base, { KAFKA_BROKERS: infra.brokers, REDIS_URL: infra.redisUrl });
    redis = new Redis(infra.redisUrl);
    rig.server = await startHostileServer();
    kafka = createKafka({ KAFKA_BROKERS: infra.brokers, KAFKA_CLIENT_ID: 'hostile' }, createLogger('hostile', 'error'));
    await ensureTopics(kafka, Object.values(rig.topics), 3);
    rig.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await rig.producer.connect();
    [rig.dead, rig.fused, rig.articles] = await Promise.all([
      collectTopic(infra.brokers, rig.topics.deadletter, (v) => decode(DeadLetter, v)),
      collectTopic(infra.brokers, rig.topics.fused, (v) => decode(FusedEvent, v)),
      collectTopic(infra.brokers, rig.topics.articles, (v) => {
        try {
          return decode(ArticleEvent, v);
        } catch {
          return undefined as unknown as ArticleEvent; // the hostile events themselves
        }
      }),
    ]);
    const server = rig.server;
    const feeds = [...server.feeds.map((f) => f.path), server.goodFeed.path].map((p) => `${server.url}${p}`).join(',');
    const envs: Record<HostileService, Record<string, string>> = {
      ingest: {
        ...base,
        ...(opts.pollFeeds ? { FEEDS: feeds } : {}),
        PUSH_TOKEN: rig.pushToken,
        POLL_CONCURRENCY: '4',
        POLL_PER_HOST_CONCURRENCY: '4',
        POLL_PER_HOST_GAP_MS: '0',
        FEED_TIMEOUT_MS: '20000',
      },
      extract: base,
      fuse: base,
      dashboard: { ...base, DASHBOARD_TOKEN: rig.dashboardToken },
    };
    await Promise.all(
      opts.services.map(async (name) => {
        const h = await startService(name, envs[name], logTag(rig, name));
        h.child.once('exit', (code, signal) => {
          if (!stopping) {
            rig.summary.crash();
            process.stderr.write(`${part}: ${name} exited on its own: ${code ?? signal}\n`);
          }
        });
        rig.services.set(name, h);
      }),
    );
  });

  after(async () => {
    stopping = true;
    await Promise.allSettled([...rig.services.values()].map((s) => s.stop()));
    await Promise.allSettled([rig.dead?.stop(), rig.fused?.stop(), rig.articles?.stop(), rig.producer?.disconnect(), rig.server?.close()]);
    if (kafka) {
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(rig.topics) }).catch(() => undefined);
      await admin.disconnect();
    }
    if (redis) {
      const keys = await redis.keys(`${runId}:*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      redis.disconnect();
    }
    rig.summary.write();
  });

  return rig;
}

const logTag = (rig: HostileRig, name: HostileService) => `${rig.runId}-${name}`;

/** The file's last test: no service crashed, every one is still healthy, and no secret is in any log. */
export function aftermathTest(rig: HostileRig): void {
  test('no service crashed, every one is still healthy, and no secret is in any log', async () => {
    for (const [name, h] of rig.services) {
      assert.equal(h.child.exitCode, null, `${name} is still running`);
      const res = await fetch(`${h.url}/healthz`);
      assert.equal(res.status, 200, `${name} is healthy`);
    }
    assert.equal(rig.summary.part.crashes, 0);
    for (const name of rig.services.keys()) {
      const log = readFileSync(join(OUTPUT, `${logTag(rig, name)}.log`), 'utf8');
      assert.ok(log.length > 0, `${name} wrote a log`);
      for (const [what, secret] of [
        ['PUSH_TOKEN', rig.pushToken],
        ['DASHBOARD_TOKEN', rig.dashboardToken],
      ] as const)
        assert.ok(!log.includes(secret), `${name}'s log contains the ${what}`);
    }
  });
}
