import { test } from 'node:test';
import { NewsFuseError, readWeights } from '@newsfuse/shared';
import { FusionWeightsSchema } from './combiner.ts';
import { createStrategies } from './strategies.ts';
import assert from 'node:assert/strict';
import type { FuseJobData } from '@newsfuse/shared';
import { okImage, okText } from '@newsfuse/testkit/features';
import { fuse, joinChildren, modalityLabel } from './fuse.ts';
import { coverage } from './strategies.ts';

const data = (images: number): FuseJobData => ({
  article: {
    articleId: 'abcdef0123456789',
    version: 1,
    source: { kind: 'push' },
    url: 'https://e.org/a',
    title: 'Dog rescued from river',
    publishedAt: '2026-11-01T00:00:00Z',
    categories: [],
    images: Array.from({ length: images }, (_, i) => ({
      url: `https://e.org/${i}.jpg`,
      caption: i === 0 ? 'A dog in the river' : 'A cat',
    })),
  },
  ingestedAt: '2026-11-01T00:00:01Z',
});

const text = okText({
  terms: ['dog', 'rescu', 'river'],
  keywords: [{ term: 'dog', weight: 1 }],
  sentiment: { vader: 0.2, afinn: 0.1, combined: 0.15 },
});

/** An analysed image whose text view is its caption. */
const ok = (index: number, caption: string) => okImage(index, caption, { textView: caption });

const STRATEGIES = createStrategies(readWeights('fusion', FusionWeightsSchema));

test('joinChildren maps child keys to text and images and accounts for every declared image', () => {
  const j = joinChildren(
    data(3),
    { 'nf:bull:extract-text:x-v1-text': text, 'nf:bull:extract-image:x-v1-img0': ok(0, 'A dog in the river') },
    { 'nf:bull:extract-image:x-v1-img1': 'boom' },
  );
  assert.equal(j.text?.articleId, 'abcdef0123456789');
  assert.deepEqual(
    j.images.map((i) => [i.index, i.status, i.status === 'failed' ? i.code : '']),
    [
      [0, 'ok', ''],
      [1, 'failed', 'EXTRACT_FAILED'],
      [2, 'failed', 'EXTRACT_MISSING'],
    ],
  );
  assert.equal(modalityLabel(j, 3), 'partial');
});

test('modality labels: text-only, complete, image-failed, text-failed', () => {
  assert.equal(modalityLabel(joinChildren(data(0), { 'p:q:extract-text:x': text }, {}), 0), 'text-only');
  assert.equal(
    modalityLabel(joinChildren(data(1), { 'p:q:extract-text:x': text, 'p:q:extract-image:x-img0': ok(0, 'c') }, {}), 1),
    'complete',
  );
  assert.equal(
    modalityLabel(joinChildren(data(1), { 'p:q:extract-text:x': text }, { 'p:q:extract-image:x-img0': 'gone' }), 1),
    'image-failed',
  );
  assert.equal(modalityLabel(joinChildren(data(0), {}, { 'p:q:extract-text:x': 'bad' }), 0), 'text-failed');
});

test('no usable modality (text failed, no image ok): JOIN_INCOMPLETE, not an event', () => {
  const failed = joinChildren(data(1), {}, { 'p:q:extract-text:x': 'bad', 'p:q:extract-image:x-img0': 'gone' });
  assert.throws(
    () => fuse(data(1), failed, STRATEGIES, 'baseline', new Date()),
    (e: unknown) =>
      e instanceof NewsFuseError &&
      e.code === 'JOIN_INCOMPLETE' &&
      !e.retriable &&
      /bad/.test(e.message) &&
      /EXTRACT_FAILED gone/.test(e.message),
  );
  const textOnly = joinChildren(data(0), {}, { 'p:q:extract-text:x': 'bad' });
  assert.throws(() => fuse(data(0), textOnly, STRATEGIES, 'baseline', new Date()), /JOIN_INCOMPLETE|no usable modality/);
  const imageOk = joinChildren(data(1), { 'p:q:extract-image:x-img0': ok(0, 'A dog') }, { 'p:q:extract-text:x': 'bad' });
  assert.equal(fuse(data(1), imageOk, STRATEGIES, 'baseline', new Date()).modalities.label, 'text-failed');
});

test('baseline strategy: caption coverage of the article terms, best image wins', () => {
  const j = joinChildren(
    data(2),
    { 'p:q:extract-text:x': text, 'p:q:extract-image:x-img0': ok(0, 'A dog in the river'), 'p:q:extract-image:x-img1': ok(1, 'A cat') },
    {},
  );
  const e = fuse(data(2), j, STRATEGIES, 'baseline', new Date('2026-11-01T00:00:02Z'));
  assert.equal(e.fusion.perImage[0]?.signals.caption_overlap, 1);
  assert.equal(e.fusion.perImage[1]?.signals.caption_overlap, 0);
  assert.equal(e.fusion.signals.caption_overlap, 1);
  assert.equal(e.modalities.label, 'complete');
  assert.equal(coverage([], new Set()), undefined);
});
