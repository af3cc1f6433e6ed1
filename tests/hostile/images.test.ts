/**
 * Hostile images → extract's image worker: corrupt/truncated JPEG and PNG, 0 bytes, a 20000×20000 bomb,
 * SVG with a script, a non-image with an image name, too many bytes, a blocked redirect; the good image
 * after them is analysed.
 * Each: no crash, a clear error, a dead letter (or a `failed` image record, or an HTTP 4xx) carrying
 * the reason, and the next item is processed; the last test checks that no secret reached the services'
 * logs. Shared set-up in tests/hostile/rig.ts, the corpus in tests/fixtures/hostile.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ArticleEvent, encode } from '@newsfuse/shared';
import { waitFor } from '@newsfuse/testkit/harness';
import { makeArticle } from '../fixtures/articles.ts';
import { HOSTILE_TIMEOUT_MS, aftermathTest, useHostileRig } from './rig.ts';

describe('hostile inputs: images', { timeout: HOSTILE_TIMEOUT_MS }, () => {
  const rig = useHostileRig('hostile-images', { services: ['extract', 'fuse'] });

  test('images: each hostile image becomes a `failed` record with its code; the next article is fused', async () => {
    const { server, runId, producer, topics, fused, summary } = rig;
    const list = server.images.map((img, i) => ({
      img,
      article: makeArticle(30_000 + i, [{ url: `${server.url}${img.path}`, caption: img.name }], runId),
    }));
    const good = makeArticle(30_999, [{ url: `${server.url}${server.goodImage}`, caption: 'a good photo' }], runId);
    await producer.send({
      topic: topics.articles,
      messages: [...list.map((x) => x.article), good].map((a) => ({ key: a.articleId, value: encode(ArticleEvent, a) })),
    });
    const ids = [...list.map((x) => x.article.articleId), good.articleId];
    await waitFor(
      () => (ids.every((id) => fused.items.some((f) => f.articleId === id)) ? true : undefined),
      120_000,
      'fused events for the image articles',
      300,
    );
    const problems: string[] = [];
    for (const { img, article } of list) {
      const f = fused.items.find((x) => x.articleId === article.articleId)!;
      const rec = f.images[0];
      const ok = rec?.status === 'failed' && rec.code === img.code && rec.reason.length > 0 && f.modalities.label === 'image-failed';
      summary.hostile({
        kind: 'image',
        input: img.name,
        outcome: rec?.status === 'failed' ? `failed ${rec.code}: ${rec.reason}` : `status ${rec?.status}`,
        ok,
      });
      if (!ok) problems.push(`${img.name}: expected failed ${img.code}, got ${JSON.stringify(rec).slice(0, 300)}`);
    }
    const g = fused.items.find((x) => x.articleId === good.articleId)!;
    assert.equal(g.images[0]?.status, 'ok', 'the good image after the hostile ones is analysed');
    assert.equal(g.modalities.label, 'complete');
    assert.deepEqual(problems, []);
    assert.equal(server.requests.get('/img/good.png'), 1, 'the blocked redirect to localhost never reached the image');
  });

  aftermathTest(rig);
});
