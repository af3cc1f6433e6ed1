/**
 * extract with shared job threads (EXTRACT_THREADS=shared, docs/model-host.md "Shared job threads"),
 * end to end on the real broker and Redis with the real models: text-only, 1-image, 3-image,
 * corrupt-image and unreachable-image articles come out scored exactly once with the right modality,
 * sentiment follows the text, and the extract service says it ran the shared arrangement.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArticleEvent, encode, type ScoredEvent } from '@newsfuse/shared';
import { OUTPUT, freePort, waitFor } from '@newsfuse/testkit/harness';
import { startPipelineRun, type PipelineRun } from '@newsfuse/testkit/run';
import { startImageServer, type ImageServer } from './fixtures/images.ts';
import { makeArticle } from './fixtures/articles.ts';

const N = 30;

describe('pipeline with shared job threads in extract', () => {
  let run: PipelineRun;
  let images: ImageServer;

  before(async () => {
    images = await startImageServer();
    run = await startPipelineRun({
      label: 'shared',
      partitions: 2,
      env: { IMAGE_TIMEOUT_MS: '3000', EXTRACT_THREADS: 'shared' },
      services: ['extract', 'fuse', 'score'],
    });
  });

  after(async () => {
    await Promise.allSettled([run?.stop(), images?.close()]);
  });

  test(`${N} mixed articles are scored exactly once, with the right modality`, async () => {
    const { runId, topics, producer, scored } = run;
    const closedPort = await freePort();
    const expected = new Map<string, ScoredEvent['modality']>();
    const published: ArticleEvent[] = [];
    for (let i = 0; i < N; i++) {
      const kind = i % 6;
      let imgs: ArticleEvent['images'] = [];
      let label: ScoredEvent['modality'] = 'text-only';
      if (kind === 1) {
        imgs = [{ url: `${images.url}/img/${i}.png`, caption: 'A river photo' }];
        label = 'complete';
      } else if (kind === 2) {
        imgs = [0, 1, 2].map((n) => ({ url: `${images.url}/img/${i * 10 + n}.png`, alt: `picture ${n}` }));
        label = 'complete';
      } else if (kind === 3) {
        imgs = [{ url: `${images.url}/corrupt/${i}.png` }, { url: `${images.url}/img/${i}.png` }];
        label = 'partial';
      } else if (kind === 4) {
        imgs = [{ url: `http://127.0.0.1:${closedPort}/gone.jpg` }];
        label = 'image-failed';
      }
      const a = makeArticle(i, imgs, runId);
      expected.set(a.articleId, label);
      published.push(a);
    }
    await producer.send({ topic: topics.articles, messages: published.map((a) => ({ key: a.articleId, value: encode(ArticleEvent, a) })) });
    await waitFor(() => (new Set(scored.items.map((s) => s.articleId)).size >= N ? true : undefined), 300_000, `${N} scored events`, 500);

    const perKey = new Map<string, number>();
    for (const s of scored.items) perKey.set(`${s.articleId}@${s.version}`, (perKey.get(`${s.articleId}@${s.version}`) ?? 0) + 1);
    assert.equal(perKey.size, N);
    assert.deepEqual(
      [...perKey.values()].filter((n) => n > 1),
      [],
      'no duplicates',
    );
    const wrong = scored.items.filter((s) => expected.get(s.articleId) !== s.modality).map((s) => `${s.articleId}: ${s.modality}`);
    assert.deepEqual(wrong, [], 'modality labels');
    const partial = scored.items.find((s) => s.modality === 'partial')!;
    assert.deepEqual(
      partial.relevance.perImage.map((p) => p.status),
      ['failed', 'ok'],
    );
    const complete = scored.items.filter((s) => s.modality === 'complete');
    assert.ok(complete.every((s) => s.relevance.perImage.every((p) => p.status === 'ok' && typeof p.score === 'number')));
    const mean = (xs: (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? Number.NaN), 0) / xs.length;
    const happy = scored.items.filter((s) => Number(s.url.split('/').pop()) % 3 === 0).map((s) => s.sentiment.fused);
    const sad = scored.items.filter((s) => Number(s.url.split('/').pop()) % 3 === 1).map((s) => s.sentiment.fused);
    assert.ok(mean(happy) > 0.1 && mean(sad) < -0.1, `sentiment separates: ${mean(happy)} vs ${mean(sad)}`);

    const log = readFileSync(join(OUTPUT, `${runId}-extract.log`), 'utf8');
    assert.match(log, /"jobs":"shared".*extract ready|extract ready.*"jobs":"shared"/, 'extract ran the shared arrangement');
  });
});
