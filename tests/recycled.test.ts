/**
 * Recycled photos through the score service as its own process, on the real broker and Redis: fused
 * events carrying the real near-duplicate hashes of photos made with sharp go in on news.fused.v1.
 *  - the same photo, cropped, in an article of another story 18 days later → flagged `recycled` with
 *    the first article's firstSeen, explained, relevance halved;
 *  - the same photo resized by another outlet in the same story → `same-story`, not penalised;
 *  - a redelivered message and a new version of an article → the reuse count does not change.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 REDIS_URL=redis://127.0.0.1:6379 node --import tsx --test tests/recycled.test.ts
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { FusedEvent, ScoredEvent, createKafka, createLogger, decode, encode, ensureTopics, topicsFor } from '@newsfuse/shared';
import { decodeImage } from '@newsfuse/models/image/decode';
import { nearDupHashes, type NearDupHashes } from '@newsfuse/models/image/neardup';
import { collectTopic, getInfra, startService, uniqueId, waitFor, type ServiceHandle } from '@newsfuse/testkit/harness';
import { photoLikePicture } from '@newsfuse/testkit/pictures';

const runId = uniqueId('recycled');
const topics = topicsFor({ TOPIC_SUFFIX: runId });
let score: ServiceHandle | undefined;
let producer: kafkajs.Producer;
let scored: Awaited<ReturnType<typeof collectTopic<ScoredEvent>>>;
let redis: Redis;

before(async () => {
  const infra = await getInfra();
  redis = new Redis(infra.redisUrl);
  const kafka = createKafka({ KAFKA_BROKERS: infra.brokers, KAFKA_CLIENT_ID: 'recycled-test' }, createLogger('recycled-test', 'warn'));
  await ensureTopics(kafka, Object.values(topics), 1);
  producer = kafka.producer();
  await producer.connect();
  scored = await collectTopic(infra.brokers, topics.scored, (v) => decode(ScoredEvent, v));
  score = await startService(
    'score',
    { KAFKA_BROKERS: infra.brokers, REDIS_URL: infra.redisUrl, TOPIC_SUFFIX: runId, NEWSFUSE_PREFIX: runId, RECYCLED_PENALTY: '0.5' },
    `${runId}-score`,
  );
});

after(async () => {
  await score?.stop();
  await Promise.allSettled([scored?.stop(), producer?.disconnect()]);
  if (redis) {
    const keys = await redis.keys(`${runId}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
  }
});

const hashes = async (bytes: Buffer) => nearDupHashes(await decodeImage(bytes));

/** A 384-d unit vector along `axis`: articles on the same axis are one story. */
const axis = (a: number) => Array.from({ length: 384 }, (_, i) => (i === a ? 1 : 0));

function fused(id: string, title: string, publishedAt: string, story: number, nearDup: NearDupHashes, version = 1): FusedEvent {
  const articleId = `${runId}-${id}`;
  return decode(FusedEvent, {
    schemaVersion: 1,
    articleId,
    version,
    strategy: 'baseline',
    article: {
      articleId,
      version,
      source: { kind: 'feed', outlet: `outlet-${id}` },
      url: `https://news.example/${id}`,
      title,
      publishedAt,
      categories: [],
    },
    modalities: { label: 'complete', text: 'ok', images: { total: 1, ok: 1, failed: 0 } },
    text: {
      schemaVersion: 1,
      articleId,
      version,
      status: 'ok',
      tokens: 5,
      sentences: 1,
      terms: ['flood'],
      keywords: [{ term: title.split(' ')[0]!.toLowerCase(), weight: 1 }],
      embedding: axis(story),
      sentiment: { vader: 0, afinn: 0, combined: 0 },
      model: 't',
      ms: 1,
    },
    images: [
      {
        schemaVersion: 1,
        articleId,
        version,
        index: 0,
        url: `https://news.example/${id}.jpg`,
        status: 'ok',
        width: 320,
        height: 240,
        format: 'jpeg',
        bytes: 1000,
        colour: { mean: [0, 0, 0], std: [0, 0, 0], brightness: 0, saturation: 0 },
        nearDup,
        objects: [],
        ocr: [],
        faces: [],
        textView: '',
        model: 't',
        ms: 1,
      },
    ],
    fusion: { perImage: [{ index: 0, signals: { caption_overlap: 0.8 } }], signals: {} },
    timings: {},
    ingestedAt: publishedAt,
    fusedAt: publishedAt,
  });
}

const send = (e: FusedEvent) => producer.send({ topic: topics.fused, messages: [{ key: e.articleId, value: encode(FusedEvent, e) }] });
const scoredOf = (e: FusedEvent) =>
  waitFor(
    () => scored.items.find((s) => s.articleId === e.articleId && s.version === e.version),
    60_000,
    `scored ${e.articleId} v${e.version}`,
    100,
  );

test('recycled in another story, reported in the same story, counted once under redelivery', async () => {
  const photo = await photoLikePicture(21); // soft blobs over stripes
  const flood = fused('flood', 'Flooding in the Rhine valley', '2026-03-02T08:00:00Z', 0, await hashes(photo));
  await send(flood);
  const a = await scoredOf(flood);
  assert.deepEqual(
    a.relevance.recycled?.map((r) => [r.status, r.count]),
    [['original', 1]],
  );

  const resized = await sharp(photo).resize(200).jpeg({ quality: 70 }).toBuffer();
  const wire = fused('wire', 'Flooding: thousands leave their homes', '2026-03-02T10:00:00Z', 0, await hashes(resized));
  await send(wire);
  const w = await scoredOf(wire);
  assert.deepEqual(
    w.relevance.recycled?.map((r) => [r.status, r.count, r.firstSeen.articleId]),
    [['same-story', 2, flood.articleId]],
  );
  assert.equal(w.relevance.perImage[0]!.score, a.relevance.perImage[0]!.score, 'same-story reuse is not penalised');

  const cropped = await sharp(photo).extract({ left: 0, top: 0, width: 288, height: 216 }).jpeg({ quality: 85 }).toBuffer();
  const election = fused('election', 'Election night in the capital', '2026-03-20T21:00:00Z', 7, await hashes(cropped));
  await send(election);
  const b = await scoredOf(election);
  const r = b.relevance.recycled?.[0];
  assert.equal(r?.status, 'recycled');
  assert.equal(r?.count, 3);
  assert.equal(r?.firstSeen.articleId, flood.articleId);
  assert.equal(r?.firstSeen.title, 'Flooding in the Rhine valley');
  assert.equal(r?.firstSeen.source, 'outlet-flood');
  assert.equal(r?.firstSeen.story?.id, a.topics.find((t) => t.kind === 'story')?.id);
  assert.match(
    b.relevance.explanation.text,
    /photo 1 is recycled: it appeared on 2026-03-02 in 'Flooding in the Rhine valley' \(outlet-flood\)/,
  );
  assert.ok(Math.abs(b.relevance.perImage[0]!.score! - a.relevance.perImage[0]!.score! / 2) < 1e-9, 'relevance halved');

  // Redelivery of the election article (dropped by score's dedup mark) and a new version of it
  // (scored again, but not counted again): the next article sees count 4, not 5 or 6.
  await send(election);
  const v2 = fused('election', 'Election night in the capital (updated)', '2026-03-20T21:00:00Z', 7, await hashes(cropped), 2);
  await send(v2);
  const b2 = await scoredOf(v2);
  assert.deepEqual([b2.relevance.recycled?.[0]?.status, b2.relevance.recycled?.[0]?.count], ['recycled', 3]);
  const later = fused('later', 'Budget talks stall', '2026-04-01T09:00:00Z', 13, await hashes(photo));
  await send(later);
  const l = await scoredOf(later);
  assert.deepEqual([l.relevance.recycled?.[0]?.status, l.relevance.recycled?.[0]?.count], ['recycled', 4]);
  assert.equal(
    scored.items.filter((s) => s.articleId === election.articleId && s.version === 1).length,
    1,
    'the redelivery published nothing',
  );
});
