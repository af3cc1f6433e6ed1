import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRedis } from '@newsfuse/shared';
import { createRedisFeedStateStore, createRedisIngestStore } from './redis-store.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `nftest-ingest-${randomBytes(4).toString('hex')}`;
const redis = createRedis({ REDIS_URL }, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
const reachable = await redis.connect().then(
  () => true,
  () => false,
);
const skip = reachable ? false : `Redis not reachable at ${REDIS_URL}`;

after(async () => {
  if (!reachable) return;
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

test('claim: new → v1, same fingerprint → duplicate, changed → v2; release restores; TTL set', { skip }, async () => {
  const store = createRedisIngestStore({ redis, prefix, ttlSeconds: 120 });
  assert.deepEqual(await store.claim('id1', 'fpA'), { version: 1, duplicate: false });
  assert.deepEqual(await store.claim('id1', 'fpA'), { version: 1, duplicate: true, previous: { fingerprint: 'fpA', version: 1 } });
  const c2 = await store.claim('id1', 'fpB');
  assert.deepEqual(c2, { version: 2, duplicate: false, previous: { fingerprint: 'fpA', version: 1 } });
  await store.release('id1', 'fpB', c2);
  assert.equal((await store.claim('id1', 'fpA')).duplicate, true, 'rolled back to fpA v1');
  const ttl = await redis.ttl(`${prefix}:ingest:a:id1`);
  assert.ok(ttl > 0 && ttl <= 120);
  const n = await store.claim('id2', 'x');
  await store.release('id2', 'x', n);
  assert.equal(await redis.exists(`${prefix}:ingest:a:id2`), 0, 'a first claim rolled back leaves nothing');
});

test('alias is SET NX EX; related returns the other ids of a story', { skip }, async () => {
  const store = createRedisIngestStore({ redis, prefix, ttlSeconds: 120 });
  assert.equal(await store.alias('guid:1', 'A'), 'A');
  assert.equal(await store.alias('guid:1', 'B'), 'A');
  assert.deepEqual(await store.related('s1', 'A'), []);
  assert.deepEqual(await store.related('s1', 'B'), ['A']);
  assert.deepEqual(await store.related('s1', 'A'), ['B']);
});

test('feed state round-trips', { skip }, async () => {
  const fs = createRedisFeedStateStore({ redis, prefix, ttlSeconds: 120 });
  assert.equal(await fs.load('https://a.test/rss'), undefined);
  await fs.save({
    url: 'https://a.test/rss',
    host: 'a.test',
    intervalMs: 120000,
    nextAt: 5,
    failures: 0,
    running: false,
    etag: '"e"',
    lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT',
  });
  assert.deepEqual(await fs.load('https://a.test/rss'), {
    etag: '"e"',
    lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT',
    intervalMs: 120000,
    nextAt: 5,
  });
  await fs.remove('https://a.test/rss');
});
