/**
 * The Redis recycled-photo index against the real Redis (REDIS_URL), under a unique key prefix that is
 * deleted afterwards. The photos are made with sharp and hashed with the real near-duplicate hash.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { createRedis } from '@newsfuse/shared';
import { photoLikePicture } from '@newsfuse/testkit/pictures';
import { decodeImage } from '@newsfuse/models/image/decode';
import { nearDupHashes, type NearDupHashes } from '@newsfuse/models/image/neardup';
import { MEMBERS_PER_PHOTO, MEMBER_BYTES, explainRecycled, type ArticleContext } from '@newsfuse/stage-score/recycled';
import { createRedisRecycled } from './recycled-redis.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const base = `nftest-recycled-${randomBytes(4).toString('hex')}`;
const redis = createRedis({ REDIS_URL });

after(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${base}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
});

/** A photo-like picture: a few soft blobs and stripes at seeded places. */
const picture = (seed: number) =>
  photoLikePicture(seed, {
    radius: [20, 70],
    background: (rand) => {
      const fx = 0.01 + rand() * 0.05;
      return (x, y) => [60 + 40 * Math.sin(x * fx), 80 + 30 * Math.cos(y * fx), 90];
    },
  });
const hashes = async (bytes: Buffer): Promise<NearDupHashes> => nearDupHashes(await decodeImage(bytes));

const flood: ArticleContext = {
  articleId: 'flood-article-0001',
  version: 1,
  title: 'Flooding in the Rhine valley',
  source: 'example.org',
  publishedAt: '2026-03-02T08:00:00Z',
  story: { id: 'story:flood', label: 'flood rhine' },
};
const election: ArticleContext = {
  articleId: 'election-article-0002',
  version: 1,
  title: 'Election night in the capital',
  source: 'example.net',
  publishedAt: '2026-03-20T21:00:00Z',
  story: { id: 'story:election', label: 'election' },
};
const wire: ArticleContext = { ...flood, articleId: 'flood-article-0003', source: 'other.example', publishedAt: '2026-03-02T10:00:00Z' };

test('first seen, recycled in another story, same story reported, redelivery counted once', async () => {
  const index = createRedisRecycled(redis, { prefix: `${base}:a` });
  const photo = await picture(1);
  const cropped = await sharp(photo).extract({ left: 16, top: 12, width: 288, height: 216 }).jpeg({ quality: 80 }).toBuffer();
  const other = await picture(2);

  const [a] = await index.observe(flood, [{ index: 0, hashes: await hashes(photo) }]);
  assert.equal(a!.status, 'original');
  assert.equal(a!.count, 1);

  const b = await index.observe(election, [
    { index: 0, hashes: await hashes(other) },
    { index: 1, hashes: await hashes(cropped) },
    { index: 2, hashes: undefined },
  ]);
  assert.deepEqual(
    b.map((r) => [r.index, r.status, r.count, r.firstSeen.articleId]),
    [
      [0, 'original', 1, election.articleId],
      [1, 'recycled', 2, flood.articleId],
    ],
  );
  assert.ok(b[1]!.distance <= 12);
  assert.deepEqual(b[1]!.firstSeen.story, flood.story);
  assert.match(explainRecycled(b)[0]!, /appeared on 2026-03-02 in 'Flooding in the Rhine valley' \(example\.org\), another story/);

  // Redelivery of the same message, and a new version of the article: the count stays.
  const again = await index.observe(election, [{ index: 1, hashes: await hashes(cropped) }]);
  assert.deepEqual([again[0]!.status, again[0]!.count], ['recycled', 2]);
  const v2 = await index.observe({ ...election, version: 2 }, [{ index: 0, hashes: await hashes(cropped) }]);
  assert.deepEqual([v2[0]!.status, v2[0]!.count], ['recycled', 2]);
  // Redelivery of the first article: still its own original, count unchanged.
  const [a2] = await index.observe(flood, [{ index: 0, hashes: await hashes(photo) }]);
  assert.deepEqual([a2!.status, a2!.count], ['original', 2]);

  // The same photo from another outlet in the same story: reported, not recycled.
  const resized = await sharp(photo).resize(160).jpeg({ quality: 70 }).toBuffer();
  const [w] = await index.observe(wire, [{ index: 0, hashes: await hashes(resized) }]);
  assert.deepEqual([w!.status, w!.count, w!.firstSeen.articleId], ['same-story', 3, flood.articleId]);
});

test('the budget evicts the oldest photos and their band members; the window forgets old ones', async () => {
  const prefix = `${base}:b`;
  const index = createRedisRecycled(redis, { prefix, maxImages: 2, windowMs: 3600_000 });
  const photos = await Promise.all([3, 4, 5].map(async (s) => hashes(await picture(s))));
  const t = Date.parse('2026-04-01T00:00:00Z');
  for (let i = 0; i < 3; i++)
    await index.observe(
      { ...flood, articleId: `budget-article-${i}`, story: { id: `story:${i}`, label: 'x' } },
      [{ index: 0, hashes: photos[i] }],
      t + i,
    );
  assert.equal(await redis.zcard(`${prefix}:photos`), 2);
  assert.equal(await index.lookup(photos[0]!, t + 3), null, 'the oldest photo was evicted');
  assert.equal(await redis.exists(`${prefix}:p:1`), 0);
  // Its 41 band members are gone: the band buckets (16 bytes a member) hold the members of the two photos left.
  const buckets = await redis.keys(`${prefix}:b:*`);
  const bytes = (await Promise.all(buckets.map((k) => redis.strlen(k)))).reduce((a, b) => a + b, 0);
  assert.equal(bytes, 2 * MEMBERS_PER_PHOTO * MEMBER_BYTES);
  assert.equal(MEMBERS_PER_PHOTO, 41);
  assert.equal((await index.lookup(photos[2]!, t + 3))?.distance, 0);
  // Two hours later, the window (one hour) has passed: nothing is found.
  assert.equal(await index.lookup(photos[2]!, t + 2 * 3600_000), null);
});
