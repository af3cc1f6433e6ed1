import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArticleEvent, DeadLetter, decode, encode, truncatePayload, MAX_DEADLETTER_PAYLOAD } from './events.ts';
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
