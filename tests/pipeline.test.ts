/**
 * End to end on the real broker and Redis, each stage its own process: articles published on
 * news.articles.v1 come out scored on news.scored.v1 exactly once per (articleId, version).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScoredEvent, encode, ArticleEvent } from '@newsfuse/shared';
import { freePort, waitFor, waitForQuiescence } from '@newsfuse/testkit/harness';
import { startPipelineRun, type PipelineRun } from '@newsfuse/testkit/run';
import { startImageServer, type ImageServer } from './fixtures/images.ts';
import { makeArticle } from './fixtures/articles.ts';

const N = 200;

describe('pipeline: extract → fuse → score as separate processes', () => {
  let run: PipelineRun;
  let images: ImageServer;
  const expected = new Map<string, ScoredEvent['modality']>();
  const published: ArticleEvent[] = [];

  before(async () => {
    images = await startImageServer();
    run = await startPipelineRun({
      label: 'e2e',
      partitions: 3,
      env: { IMAGE_TIMEOUT_MS: '3000' },
      services: ['extract', 'fuse', 'score'],
    });
  });

  after(async () => {
    await Promise.allSettled([run?.stop(), images?.close()]);
  });

  test(`${N} articles (text-only, 1 image, 3 images, unreachable image, corrupt image) are scored exactly once`, async () => {
    const { runId, topics, producer, scored } = run;
    const closedPort = await freePort(); // nothing listens there
    for (let i = 0; i < N; i++) {
      const kind = i % 10;
      let imgs: ArticleEvent['images'] = [];
      let label: ScoredEvent['modality'] = 'text-only';
      if (kind >= 4 && kind <= 6) {
        imgs = [{ url: `${images.url}/img/${i}.png`, caption: `A ${['football', 'river', 'market'][kind - 4]} photo` }];
        label = 'complete';
      } else if (kind === 7 || kind === 8) {
        imgs = [0, 1, 2].map((n) => ({ url: `${images.url}/img/${i * 10 + n}.png`, alt: `picture ${n}` }));
        label = 'complete';
      } else if (kind === 9 && i % 20 === 9) {
        imgs = [{ url: `http://127.0.0.1:${closedPort}/gone.jpg`, caption: 'unreachable' }];
        label = 'image-failed';
      } else if (kind === 9) {
        imgs = [{ url: `${images.url}/corrupt/${i}.png` }, { url: `${images.url}/img/${i}.png` }];
        label = 'partial';
      }
      const a = makeArticle(i, imgs, runId);
      expected.set(a.articleId, label);
      published.push(a);
    }
    for (let i = 0; i < published.length; i += 50) {
      await producer.send({
        topic: topics.articles,
        messages: published.slice(i, i + 50).map((a) => ({ key: a.articleId, value: encode(ArticleEvent, a) })),
      });
    }

    await waitFor(() => (new Set(scored.items.map((s) => s.articleId)).size >= N ? true : undefined), 420_000, `${N} scored events`, 500);

    const byKey = new Map<string, number>();
    for (const s of scored.items) byKey.set(`${s.articleId}@${s.version}`, (byKey.get(`${s.articleId}@${s.version}`) ?? 0) + 1);
    assert.equal(byKey.size, N, 'one scored event per (articleId, version)');
    assert.deepEqual(
      [...byKey.values()].filter((n) => n > 1),
      [],
      'no duplicates',
    );
    const wrong = scored.items
      .filter((s) => expected.get(s.articleId) !== s.modality)
      .map((s) => `${s.articleId}: ${s.modality} ≠ ${expected.get(s.articleId)}`);
    assert.deepEqual(wrong, [], 'modality labels');

    // Per-image status and scores are reported, failed images carry no score.
    const partial = scored.items.find((s) => s.modality === 'partial');
    assert.ok(partial);
    assert.deepEqual(
      partial.relevance.perImage.map((p) => p.status),
      ['failed', 'ok'],
    );
    const failedOne = scored.items.find((s) => s.modality === 'image-failed');
    assert.equal(failedOne?.relevance.perImage[0]?.score, null);
    // Sentiment follows the text: the "happy" articles score above the "disaster" ones on average.
    const mean = (xs: (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? Number.NaN), 0) / xs.length;
    const happy = scored.items.filter((s) => Number(s.url.split('/').pop()) % 3 === 0).map((s) => s.sentiment.fused);
    const sad = scored.items.filter((s) => Number(s.url.split('/').pop()) % 3 === 1).map((s) => s.sentiment.fused);
    assert.ok(mean(happy) > 0.1 && mean(sad) < -0.1, `sentiment separates: ${mean(happy)} vs ${mean(sad)}`);
    // Topics: the story first (online clustering in Redis across the score service's concurrent
    // handlers), then the categories. The fixture's four categories are four stories.
    assert.ok(scored.items.every((s) => s.topics.length > 0));
    const storyOf = new Map<string, Set<string>>();
    for (const s of scored.items) {
      const story = s.topics[0];
      assert.equal(story?.kind, 'story', `${s.articleId} has a story`);
      assert.match(story.id, /^story:[0-9a-f]{16}$/);
      assert.ok(s.topics.some((t) => t.kind === 'category'));
      const cat = s.topics.find((t) => t.kind === 'category')!.id;
      storyOf.set(cat, (storyOf.get(cat) ?? new Set()).add(story.id));
    }
    assert.deepEqual(
      [...storyOf].map(([cat, ids]) => [cat, ids.size]),
      [...storyOf.keys()].map((cat) => [cat, 1]),
      'one story per fixture category',
    );
    assert.equal(new Set(scored.items.map((s) => s.topics[0]!.id)).size, 4);
  });

  test('publishing the same articles again adds nothing', async () => {
    const { runId, env, topics, producer, scored, redis } = run;
    const before = scored.items.length;
    const again = published.slice(0, 20);
    await producer.send({ topic: topics.articles, messages: again.map((a) => ({ key: a.articleId, value: encode(ArticleEvent, a) })) });
    // A new sentinel article proves the redeliveries have been consumed by the time it is scored.
    const sentinel = makeArticle(10_000, [], runId);
    await producer.send({ topic: topics.articles, messages: [{ key: sentinel.articleId, value: encode(ArticleEvent, sentinel) }] });
    await waitFor(() => (scored.items.some((s) => s.articleId === sentinel.articleId) ? true : undefined), 60_000, 'the sentinel');
    await waitForQuiescence({ brokers: env.KAFKA_BROKERS!, redis, prefix: runId, topics });
    const fuseQueueCompleted = await redis.zcard(`${runId}:bull:fuse:completed`);
    assert.ok(fuseQueueCompleted >= N, 'completed fuse jobs are kept as the dedup window');
    assert.equal(scored.items.length, before + 1, 'only the sentinel was added');
  });

  test('invalid events are dead-lettered with their reason and the pipeline keeps going', async () => {
    const { runId, topics, producer, scored, dead } = run;
    const bad = makeArticle(20_000, [], runId);
    await producer.send({
      topic: topics.articles,
      messages: [
        { key: 'broken', value: '{"not json' },
        { key: 'wrong-schema', value: JSON.stringify({ ...bad, title: 42 }) },
        { key: 'wrong-version', value: JSON.stringify({ ...bad, schemaVersion: 9 }) },
      ],
    });
    const next = makeArticle(20_001, [], runId);
    await producer.send({ topic: topics.articles, messages: [{ key: next.articleId, value: encode(ArticleEvent, next) }] });
    await waitFor(() => (dead.items.length >= 3 ? true : undefined), 60_000, 'three dead letters');
    const codes = dead.items.map((d) => d.code).sort();
    assert.deepEqual(codes, ['EVENT_INVALID_JSON', 'EVENT_SCHEMA', 'EVENT_VERSION']);
    const schema = dead.items.find((d) => d.code === 'EVENT_SCHEMA');
    assert.match(schema?.reason ?? '', /title/);
    assert.equal(schema?.origin.topic, topics.articles);
    assert.ok(dead.items.every((d) => d.stage === 'extract' && d.payload.length > 0));
    await waitFor(
      () => (scored.items.some((s) => s.articleId === next.articleId) ? true : undefined),
      60_000,
      'the article after the bad ones',
    );
  });
});
