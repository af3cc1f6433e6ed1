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

test('claim: new → v1 pending; replayed → pending again; confirmed → duplicate; changed → v2 pending; TTL set', { skip }, async () => {
  const store = createRedisIngestStore({ redis, prefix, ttlSeconds: 120 });
  assert.deepEqual(await store.claim('id1', 'fpA'), { version: 1, duplicate: false, pending: false });
  assert.equal(await redis.hget(`${prefix}:ingest:a:id1`, 's'), 'p');
  assert.deepEqual(await store.claim('id1', 'fpA'), { version: 1, duplicate: false, pending: true }, 'a replay re-publishes');
  await store.confirm('id1', 'fpA', 1);
  assert.equal(await redis.hget(`${prefix}:ingest:a:id1`, 's'), 'd');
  assert.deepEqual(await store.claim('id1', 'fpA'), { version: 1, duplicate: true, pending: false });
  assert.deepEqual(await store.claim('id1', 'fpB'), { version: 2, duplicate: false, pending: false });
  await store.confirm('id1', 'fpA', 1);
  assert.deepEqual(
    await store.claim('id1', 'fpB'),
    { version: 2, duplicate: false, pending: true },
    'an older confirmation does not confirm v2',
  );
  await store.confirm('id1', 'fpB', 2);
  assert.equal((await store.claim('id1', 'fpB')).duplicate, true);
  const ttl = await redis.ttl(`${prefix}:ingest:a:id1`);
  assert.ok(ttl > 0 && ttl <= 120);
  // A record written before the state field existed counts as published.
  await redis.hset(`${prefix}:ingest:a:old`, 'f', 'fpO', 'v', '4');
  assert.deepEqual(await store.claim('old', 'fpO'), { version: 4, duplicate: true, pending: false });
  assert.deepEqual(await store.claim('old', 'fpP'), { version: 5, duplicate: false, pending: false });
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
