/**
 * End to end: the real service (main.ts as a child process) against Kafka and Redis, polling a feed
 * served from loopback, fetching article pages, and taking pushes. Runs when KAFKA_BROKERS is set and
 * answers; skipped otherwise. Unique topics and Redis prefix; both cleaned up.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { ArticleEvent, createKafka, createLogger, createRedis, decode, topicsFor, type Kafka, type Redis } from '@newsfuse/shared';

const BROKERS = process.env.KAFKA_BROKERS;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const here = path.dirname(fileURLToPath(import.meta.url));
const id = randomBytes(4).toString('hex');
const cfg = { TOPIC_SUFFIX: `e2e-ingest-${id}`, NEWSFUSE_PREFIX: `nfe2e-ingest-${id}` };
const topics = topicsFor(cfg);
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;

let kafka: Kafka | undefined;
let redis: Redis | undefined;
let server: http.Server | undefined;
let base = '';
let child: ChildProcess | undefined;
let serviceUrl = '';

const logger = createLogger('e2e', 'silent');

/** Decided before the tests register (top-level await): skip unless both Kafka and Redis answer. */
async function reachability(): Promise<string | false> {
  if (!BROKERS) return 'KAFKA_BROKERS is not set (start a broker: bash infra/kafka/kafka.sh start)';
  kafka = createKafka({ KAFKA_BROKERS: BROKERS, KAFKA_CLIENT_ID: 'e2e-ingest' }, logger);
  const admin = kafka.admin();
  try {
    await Promise.race([admin.connect(), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 8000))]);
    await admin.disconnect();
  } catch {
    await admin.disconnect().catch(() => undefined);
    return `no Kafka broker answers at ${BROKERS}`;
  }
  redis = createRedis({ REDIS_URL }, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  if (
    !(await redis.connect().then(
      () => true,
      () => false,
    ))
  )
    return `Redis not reachable at ${REDIS_URL}`;
  return false;
}
const skip = await reachability();

before(async () => {
  if (skip) return;
  const para =
    '<p>The harbour authority closed the port after the storm damaged two cranes and a pier, officials said on Tuesday morning. </p>'.repeat(
      8,
    );
  server = http.createServer((req, res) => {
    if (req.url === '/feed.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"f1"' });
      res.end(`<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Harbour News</title><link>${base}/</link>
${[1, 2, 3]
  .map(
    (
      i,
    ) => `<item><title>Storm closes port, part ${i}</title><link>/a/${i}?utm_source=rss</link><guid>a-${i}</guid><pubDate>Tue, 0${i} Oct 2024 08:00:00 GMT</pubDate>
<description>Cranes damaged (${i}).</description><media:content url="${base}/img/${i}.jpg" medium="image" width="800"><media:description>Crane ${i}</media:description></media:content></item>`,
  )
  .join('\n')}</channel></rss>`);
      return;
    }
    const m = /^\/a\/(\d)/.exec(req.url ?? '');
    if (m) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<html lang="en"><head><meta property="og:image" content="/img/og-${m[1]}.jpg"><meta name="author" content="Port Reporter"></head><body><article><h1>Storm closes port</h1>${para}</article></body></html>`,
      );
      return;
    }
    res.writeHead(404);
    res.end();
  });
  const srv = server;
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;

  child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'main.ts')], {
    env: {
      ...process.env,
      KAFKA_BROKERS: BROKERS,
      REDIS_URL,
      ...cfg,
      KAFKA_PARTITIONS: '2',
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      PUSH_TOKEN: TOKEN,
      FEEDS: `${base}/feed.xml`,
      FETCH_ARTICLE_PAGES: 'true',
      NEWSFUSE_FETCH_ALLOW_HOSTS: '127.0.0.1',
      POLL_MIN_SECONDS: '1',
      POLL_DEFAULT_SECONDS: '2',
      POLL_PER_HOST_GAP_MS: '0',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  serviceUrl = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('service did not start within 60 s')), 60_000);
    child!.once('exit', (code) => reject(new Error(`service exited with ${code}`)));
    createInterface({ input: child!.stdout! }).on('line', (line) => {
      try {
        const rec = JSON.parse(line) as { msg?: string; url?: string };
        if (rec.msg === 'ingest started' && rec.url) {
          clearTimeout(t);
          resolve(rec.url);
        }
      } catch {
        /* not JSON */
      }
    });
  });
});

after(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  server?.close();
  if (redis && redis.status === 'ready') {
    const keys = await redis.keys(`${cfg.NEWSFUSE_PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
  if (kafka && !skip) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topics.articles, topics.deadletter] }).catch(() => undefined);
    await admin.disconnect();
  }
});

async function readArticles(until: (events: ArticleEvent[]) => boolean, timeoutMs = 60_000): Promise<ArticleEvent[]> {
  const consumer = kafka!.consumer({ groupId: `e2e-ingest-${id}-${randomBytes(3).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.articles, fromBeginning: true });
  const events: ArticleEvent[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out with ${events.length} events`)), timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const e = decode(ArticleEvent, message.value!);
        assert.equal(message.key?.toString(), e.articleId);
        events.push(e);
        if (until(events)) {
          clearTimeout(t);
          resolve();
        }
      },
    });
  });
  try {
    await done;
  } finally {
    await consumer.disconnect();
  }
  return events;
}

test(
  'polls the feed, enriches from the article pages, publishes ArticleEvents keyed by articleId',
  { skip, timeout: 120_000 },
  async () => {
    const health = await fetch(`${serviceUrl}/healthz`);
    assert.equal(health.status, 200);
    const events = await readArticles((es) => es.filter((e) => e.source.kind === 'feed').length >= 3);
    const feed = events.filter((e) => e.source.kind === 'feed').sort((a, b) => a.publishedAt.localeCompare(b.publishedAt));
    assert.deepEqual(
      feed.map((e) => e.title),
      ['Storm closes port, part 1', 'Storm closes port, part 2', 'Storm closes port, part 3'],
    );
    const first = feed[0]!;
    assert.equal(first.url, `${base}/a/1`);
    assert.equal(first.version, 1);
    assert.equal(first.source.outlet, 'Harbour News');
    assert.equal(first.language, 'en');
    assert.deepEqual(first.authors, ['Port Reporter']);
    assert.ok(first.body && first.body.includes('harbour authority'));
    assert.deepEqual(
      first.images.map((i) => i.url),
      [`${base}/img/1.jpg`, `${base}/img/og-1.jpg`],
    );
    assert.equal(first.images[0]!.caption, 'Crane 1');
  },
);

test('POST /articles: 401 without token, 400 naming the field, 202 then duplicate', { skip }, async () => {
  const post = (body: unknown, auth?: string) =>
    fetch(`${serviceUrl}/articles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify(body),
    });
  assert.equal((await post({ url: 'https://p.test/1', title: 'x' })).status, 401);
  const bad = await post({ url: 'https://p.test/1' }, `Bearer ${TOKEN}`);
  assert.equal(bad.status, 400);
  assert.deepEqual(((await bad.json()) as { error: { code: string; field: string } }).error, {
    code: 'EVENT_SCHEMA',
    message: 'title: Invalid input: expected string, received undefined',
    field: 'title',
    retriable: false,
  });
  const ok = await post(
    { url: 'https://p.test/1?fbclid=1', title: 'Pushed story', images: [{ url: 'https://p.test/1.jpg', caption: 'c' }] },
    `Bearer ${TOKEN}`,
  );
  assert.equal(ok.status, 202);
  const body = (await ok.json()) as { articleId: string; version: number; duplicate: boolean };
  assert.deepEqual([body.version, body.duplicate], [1, false]);
  const again = (await (
    await post({ url: 'https://p.test/1', title: 'Pushed story', images: [{ url: 'https://p.test/1.jpg' }] }, `Bearer ${TOKEN}`)
  ).json()) as { duplicate: boolean };
  assert.equal(again.duplicate, true);
  const events = await readArticles((es) => es.some((e) => e.articleId === body.articleId));
  const pushed = events.find((e) => e.articleId === body.articleId)!;
  assert.equal(pushed.source.kind, 'push');
  assert.equal(pushed.url, 'https://p.test/1');
});

test('SIGTERM shuts the service down cleanly', { skip }, async () => {
  child!.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child!.once('exit', r));
  assert.equal(code, 0);
});
