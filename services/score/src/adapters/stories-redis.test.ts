/**
 * The Redis story clusterer against the real Redis (REDIS_URL), under a unique key prefix that is
 * deleted afterwards.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRedis } from '@newsfuse/shared';
import { l2normalise } from '@newsfuse/models/math';
import { createMemoryStories, type StoryInput } from '@newsfuse/stage-score/stories';
import { createRedisStories } from './stories-redis.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const base = `nftest-stories-${randomBytes(4).toString('hex')}`;
// Two connections stand for two score processes.
const redisA = createRedis({ REDIS_URL });
const redisB = createRedis({ REDIS_URL });

after(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await redisA.scan(cursor, 'MATCH', `${base}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redisA.del(...keys);
  } while (cursor !== '0');
  await Promise.all([redisA.quit(), redisB.quit()]);
});

const H = 3600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const DIM = 16;
/** A unit vector near axis `axis`, perturbed by `jitter` along axis `axis + 1`. */
const near = (axis: number, jitter = 0) => {
  const v = new Float32Array(DIM);
  v[axis % DIM] = 1;
  v[(axis + 1) % DIM] = jitter;
  return Array.from(l2normalise(v));
};
const article = (id: string, embedding: number[], at: number, term = 'x', version = 1, language = 'en'): StoryInput => ({
  articleId: id,
  version,
  language,
  at,
  embedding,
  keywords: [{ term, weight: 1 }],
});
const opts = { similarity: 0.8, windowMs: 24 * H, maxActive: 3, maxTerms: 8, labelTerms: 3 };
const stories = (prefix: string, redis = redisA) =>
  createRedisStories(redis, { ...opts, prefix: `${base}:${prefix}`, assignTtlSeconds: 600 });

test('assigns like the in-memory clusterer, records assignments, bounds and expires its state', async () => {
  const r = stories('parity');
  const m = createMemoryStories(opts);
  const seq = [
    article('a1', near(0), T0, 'flood'),
    article('a2', near(0, 0.2), T0 + H, 'rain'),
    article('a3', near(4), T0 + 2 * H, 'match'),
    article('a4', near(8), T0 + 3 * H, 'court'),
    article('a5', near(12), T0 + 4 * H, 'vote'),
    article('a6', near(4, 0.1), T0 + 5 * H, 'goal'),
    article('a7', near(0), T0 + 40 * H, 'flood'),
  ];
  for (const a of seq) assert.deepEqual(await r.assign(a), await m.assign(a), a.articleId);

  const p = `${base}:parity`;
  // Bounded: at most maxActive stories, and the centroid/metadata hashes hold exactly the active ones.
  const active = await redisA.zrange(`${p}:active`, 0, -1);
  assert.deepEqual(
    active.sort(),
    m
      .stories()
      .map((s) => s.id)
      .sort(),
  );
  assert.ok(active.length <= opts.maxActive);
  assert.deepEqual((await redisA.hkeys(`${p}:c`)).sort(), active.sort());
  assert.deepEqual((await redisA.hkeys(`${p}:m`)).sort(), active.sort());
  assert.equal((await redisA.hgetBuffer(`${p}:c`, active[0]!))!.length, 4 + DIM, 'int8 centroid + scale');
  for (const k of ['rev', 'active', 'c', 'm']) assert.ok((await redisA.ttl(`${p}:${k}`)) > 24 * 3600, `${k} has a TTL`);
  const assignTtl = await redisA.ttl(`${p}:a:a1:1`);
  assert.ok(assignTtl > 0 && assignTtl <= 600);

  // Redelivery of a1 v1 gets its recorded story even though that story has been evicted since.
  const again = await r.assign(seq[0]!);
  assert.deepEqual(again, await m.assign(seq[0]!));
  assert.ok(!active.includes(again!.id));
  assert.equal(await r.assign(article('z', new Array<number>(DIM).fill(0), T0)), null);
});

test('two processes, many articles of one new story at once: one story, every article in it, no duplicate member', async () => {
  const outcomes: Record<string, number> = {};
  const count = (o: string) => void (outcomes[o] = (outcomes[o] ?? 0) + 1);
  const opt = { ...opts, prefix: `${base}:race`, assignTtlSeconds: 600, onOutcome: count };
  const a = createRedisStories(redisA, opt);
  const b = createRedisStories(redisB, opt);
  const n = 24;
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) => (i % 2 ? a : b).assign(article(`r${i}`, near(2, (i % 5) / 50), T0 + i, `t${i % 3}`))),
  );
  const ids = new Set(results.map((s) => s!.id));
  assert.equal(ids.size, 1, `one story, got ${[...ids].join(', ')}`);
  const meta = JSON.parse((await redisA.hget(`${base}:race:m`, [...ids][0]!))!) as { n: number };
  assert.equal(meta.n, n, 'each article counted once');
  assert.equal(outcomes.founded, 1);
  assert.equal(outcomes.joined, n - 1);
  // Redelivered to the other process while the first is still racing: same answers.
  const redo = await Promise.all(
    Array.from({ length: n }, (_, i) => (i % 2 ? b : a).assign(article(`r${i}`, near(2, (i % 5) / 50), T0 + i, `t${i % 3}`))),
  );
  assert.deepEqual(redo, results);
  assert.equal(outcomes.recorded, n, 'redeliveries reuse the recorded assignment');
  assert.equal((JSON.parse((await redisA.hget(`${base}:race:m`, [...ids][0]!))!) as { n: number }).n, n);
});

test('a newer version of an article is assigned afresh and may move', async () => {
  const r = stories('versions');
  const s1 = await r.assign(article('v', near(0), T0));
  const other = await r.assign(article('w', near(6), T0 + 1));
  const v2 = await r.assign(article('v', near(6, 0.05), T0 + 2, 'x', 2));
  assert.equal(v2!.id, other!.id);
  assert.deepEqual(await r.assign(article('v', near(0), T0)), s1, 'v1 keeps its story');
});

test('languages apart: a Chinese and an English article with the same vector found two stories, each in its own key space', async () => {
  const r = stories('lang');
  const m = createMemoryStories(opts);
  const seq = [
    article('e1', near(3), T0, 'flood'),
    article('z1', near(3), T0 + 1, '洪水', 1, 'zh'),
    article('z2', near(3, 0.1), T0 + 2, '长江', 1, 'zh'),
    article('e2', near(3, 0.1), T0 + 3, 'river'),
  ];
  const got = [];
  for (const a of seq) {
    const topic = await r.assign(a);
    assert.deepEqual(topic, await m.assign(a), a.articleId);
    got.push(topic!.id);
  }
  assert.notEqual(got[0], got[1], 'same vector, other language: another story');
  assert.equal(got[2], got[1], 'Chinese joins Chinese');
  assert.equal(got[3], got[0], 'English joins English');
  const p = `${base}:lang`;
  // English keeps the key space it had; Chinese has its own, and each story records its language.
  assert.deepEqual(await redisA.zrange(`${p}:active`, 0, -1), [got[0]]);
  assert.deepEqual(await redisA.zrange(`${p}:zh:active`, 0, -1), [got[1]]);
  const zhMeta = JSON.parse((await redisA.hget(`${p}:zh:m`, got[1]!))!) as { language: string; n: number; label: string };
  assert.deepEqual([zhMeta.language, zhMeta.n, zhMeta.label], ['zh', 2, '洪水 · 长江']);
  assert.equal((JSON.parse((await redisA.hget(`${p}:m`, got[0]!))!) as { language: string }).language, 'en');
  for (const k of ['rev', 'active', 'c', 'm']) assert.ok((await redisA.ttl(`${p}:zh:${k}`)) > 24 * 3600, `zh ${k} has a TTL`);
});
