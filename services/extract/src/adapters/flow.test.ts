import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFlow, jobIdFor } from './flow.ts';
import { articleEvent } from '@newsfuse/testkit/features';

const article = articleEvent({
  version: 2,
  summary: 'Summary',
  images: [
    { url: 'https://example.org/1.jpg', caption: 'A dog', alt: 'A dog' },
    { url: 'https://example.org/2.jpg', alt: 'A cat' },
  ],
});
const opts = { attempts: 3, backoffMs: 100, keepCompletedSeconds: 60, keepFailedSeconds: 60 };

test('flow: one parent, a text child and one child per image, with deterministic job IDs', () => {
  const flow = buildFlow(article, 'nf:bull', opts, '2026-01-01T00:00:02Z');
  assert.equal(flow.queueName, 'fuse');
  assert.equal(flow.opts?.jobId, jobIdFor('a1b2c3d4e5f6', 2));
  assert.equal(flow.children?.length, 3);
  const ids = flow.children?.map((c) => c.opts?.jobId);
  assert.deepEqual(ids, ['a1b2c3d4e5f6-v2-text', 'a1b2c3d4e5f6-v2-img0', 'a1b2c3d4e5f6-v2-img1']);
  assert.ok(flow.children?.every((c) => c.opts?.ignoreDependencyOnFailure === true));
  // Same input, same flow: a redelivery cannot add new jobs.
  assert.deepEqual(buildFlow(article, 'nf:bull', opts, '2026-01-01T00:00:02Z'), flow);
});

test('flow: the language is decided once and every job carries it (the declared one is a hint)', () => {
  const kids = (f: ReturnType<typeof buildFlow>) => f.children!.map((c) => (c.data as { language?: string }).language);
  const en = buildFlow(article, 'nf:bull', opts, 'x');
  assert.deepEqual(kids(en), ['en', 'en', 'en']);
  assert.equal((en.data as { article: { language?: string } }).article.language, 'en');
  const zh = buildFlow({ ...article, title: 'Apple发布新款iPhone', summary: '价格上涨', language: 'en-US' }, 'nf:bull', opts, 'x');
  assert.deepEqual(kids(zh), ['zh', 'zh', 'zh']);
  assert.equal((zh.data as { article: { language?: string } }).article.language, 'zh');
});

test('flow: a text-only article has just the text child', () => {
  const flow = buildFlow({ ...article, images: [] }, 'nf:bull', opts, 'x');
  assert.equal(flow.children?.length, 1);
});
