import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FusedEvent } from '@newsfuse/shared';
import { DEFAULT_SCORE_OPTIONS, faceValence, score, sentimentLabel, topicsOf } from './score.ts';

const fused = (over: Partial<FusedEvent> = {}): FusedEvent => ({
  schemaVersion: 1,
  articleId: 'abcdef0123456789',
  version: 2,
  strategy: 'baseline',
  article: { articleId: 'abcdef0123456789', version: 2, source: { kind: 'push' }, url: 'https://e.org/a', title: 'Dog rescued', publishedAt: '2026-11-01T00:00:00Z', categories: ['World News'] },
  modalities: { label: 'complete', text: 'ok', images: { total: 1, ok: 1, failed: 0 } },
  text: {
    schemaVersion: 1,
    articleId: 'abcdef0123456789',
    version: 2,
    status: 'ok',
    tokens: 3,
    sentences: 1,
    terms: ['dog', 'rescu'],
    keywords: [{ term: 'dog', weight: 1 }],
    sentiment: { vader: 0.5, afinn: 0.5, combined: 0.5 },
    model: 't',
    ms: 1,
  },
  images: [
    {
      schemaVersion: 1,
      articleId: 'abcdef0123456789',
      version: 2,
      index: 0,
      url: 'https://e.org/0.jpg',
      caption: 'A dog',
      status: 'ok',
      width: 1,
      height: 1,
      format: 'png',
      bytes: 1,
      colour: { mean: [0, 0, 0], std: [0, 0, 0], brightness: 0, saturation: 0 },
      objects: [{ label: 'dog', score: 0.9, box: [0, 0, 1, 1] }, { label: 'bicycle', score: 0.5, box: [0, 0, 1, 1] }],
      ocr: [],
      faces: [{ score: 0.9, box: [0, 0, 1, 1], expressions: { sad: 0.9, happy: 0.1 } }],
      textView: 'dog bicycle A dog',
      model: 't',
      ms: 1,
    },
  ],
  fusion: { perImage: [{ index: 0, signals: { caption_overlap: 0.8 } }], signals: { caption_overlap: 0.8 } },
  timings: {},
  ingestedAt: '2026-11-01T00:00:01Z',
  fusedAt: '2026-11-01T00:00:02Z',
  ...over,
});

test('relevance: label from the threshold, per-image scores, explanation names matches and misses', () => {
  const s = score(fused(), DEFAULT_SCORE_OPTIONS, new Date('2026-11-01T00:00:03Z'));
  assert.equal(s.relevance.score, 0.8);
  assert.equal(s.relevance.label, 'relevant');
  assert.deepEqual(s.relevance.perImage, [{ index: 0, url: 'https://e.org/0.jpg', status: 'ok', score: 0.8 }]);
  assert.ok(s.relevance.explanation.matched.some((m) => m.kind === 'object' && m.term === 'dog'));
  assert.match(s.relevance.explanation.text, /not in the text: object "bicycle"/);
  const low = score(fused({ fusion: { perImage: [{ index: 0, signals: { caption_overlap: 0.1 } }], signals: {} } }), DEFAULT_SCORE_OPTIONS, new Date());
  assert.equal(low.relevance.label, 'mismatch');
});

test('sentiment: faces pull the fused score toward the image', () => {
  const s = score(fused(), DEFAULT_SCORE_OPTIONS, new Date());
  assert.equal(s.sentiment.text, 0.5);
  assert.ok(s.sentiment.image !== null && s.sentiment.image < 0);
  assert.ok(s.sentiment.fused < 0.5 && s.sentiment.fused > 0);
  assert.equal(sentimentLabel(0.04, 0.05), 'neutral');
  assert.equal(faceValence({ happy: 1 }), 1);
});

test('no analysable image: relevance unknown; topics from categories, else keywords', () => {
  const s = score(fused({ images: [], fusion: { perImage: [], signals: {} } }), DEFAULT_SCORE_OPTIONS, new Date());
  assert.equal(s.relevance.score, null);
  assert.equal(s.relevance.label, 'unknown');
  assert.deepEqual(topicsOf(fused()), [{ id: 'cat:world-news', label: 'World News' }]);
  const f = fused();
  assert.deepEqual(topicsOf({ ...f, article: { ...f.article, categories: [] } }), [{ id: 'kw:dog', label: 'dog' }]);
});
