import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArticleEvent,
  CONFIDENT_OBJECT_SCORE,
  DeadLetter,
  ImageFeatures,
  MAX_OBJECTS,
  decode,
  encode,
  truncatePayload,
  MAX_DEADLETTER_PAYLOAD,
} from './events.ts';
import { DecodeError } from './errors.ts';

const article = {
  schemaVersion: 1,
  articleId: '0123456789abcdef',
  version: 1,
  source: { kind: 'push' },
  url: 'https://example.org/a',
  title: 'A title',
  publishedAt: '2026-11-01T10:00:00Z',
  fetchedAt: '2026-11-01T10:00:01+01:00',
  images: [{ url: 'https://example.org/a.jpg', caption: 'A dog' }],
};

test('decode accepts a valid event from bytes, string or object and fills defaults', () => {
  for (const raw of [Buffer.from(JSON.stringify(article)), JSON.stringify(article), article]) {
    const a = decode(ArticleEvent, raw);
    assert.equal(a.articleId, article.articleId);
    assert.deepEqual(a.categories, []);
  }
});

test('decode throws a typed error naming the field', () => {
  assert.throws(
    () => decode(ArticleEvent, '{"x'),
    (e: unknown) => e instanceof DecodeError && e.code === 'EVENT_INVALID_JSON',
  );
  assert.throws(
    () => decode(ArticleEvent, { ...article, images: [{ url: 'not a url' }] }),
    (e: unknown) => e instanceof DecodeError && e.code === 'EVENT_SCHEMA' && e.field === 'images.0.url',
  );
  assert.throws(
    () => decode(ArticleEvent, { ...article, schemaVersion: 2 }),
    (e: unknown) => e instanceof DecodeError && e.code === 'EVENT_VERSION',
  );
});

test('encode refuses what consumers would reject', () => {
  assert.throws(() => encode(ArticleEvent, { ...article, version: 0 } as never), DecodeError);
  assert.equal(JSON.parse(encode(ArticleEvent, article as never)).title, 'A title');
});

test('dead-letter payloads are truncated, never dropped', () => {
  const big = 'x'.repeat(MAX_DEADLETTER_PAYLOAD + 10);
  const t = truncatePayload(big);
  assert.ok(t.startsWith('x'.repeat(100)) && t.includes('[truncated 10 chars]'));
  const dl = decode(DeadLetter, {
    schemaVersion: 1,
    stage: 's',
    code: 'C',
    reason: 'r',
    retriable: false,
    origin: {},
    payload: t,
    at: new Date().toISOString(),
  });
  assert.equal(dl.stage, 's');
});

test('ImageFeatures: objects are bounded (MAX_OBJECTS) and a full list of low-score objects stays small', () => {
  const obj = (i: number) => ({ label: 'traffic light', score: 0.05 + (i % 25) / 100, box: [0.1234, 0.5678, 0.0912, 0.3456] });
  const img = {
    schemaVersion: 1,
    articleId: '0123456789abcdef',
    version: 1,
    index: 0,
    url: 'https://example.org/a.jpg',
    status: 'ok',
    width: 640,
    height: 480,
    format: 'jpeg',
    bytes: 1000,
    colour: { mean: [1, 2, 3], std: [1, 1, 1], brightness: 0.5, saturation: 0.5 },
    textView: '',
    model: 'm',
    ms: 1,
  };
  const full = decode(ImageFeatures, { ...img, objects: Array.from({ length: MAX_OBJECTS }, (_, i) => obj(i)) });
  assert.equal(full.status === 'ok' && full.objects.length, MAX_OBJECTS);
  // the worst case adds a few kB per image to the fused event
  assert.ok(encode(ImageFeatures, full).length < 12_000);
  assert.throws(
    () => decode(ImageFeatures, { ...img, objects: Array.from({ length: MAX_OBJECTS + 1 }, (_, i) => obj(i)) }),
    (e: unknown) => e instanceof DecodeError && e.code === 'EVENT_SCHEMA' && e.field === 'objects',
  );
  assert.ok(CONFIDENT_OBJECT_SCORE > 0 && CONFIDENT_OBJECT_SCORE < 1);
});
