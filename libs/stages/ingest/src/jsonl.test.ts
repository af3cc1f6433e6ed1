import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '@newsfuse/shared';
import { candidateFromLine, paceDelayMs } from './jsonl.ts';

test('replay lines: push shape and full events keep event time; bad lines name the problem', () => {
  const c = candidateFromLine(
    '{"url":"https://r.test/1?gclid=1","title":"One","publishedAt":"2020-01-01T10:00:00+01:00","source":{"outlet":"R"}}',
  );
  assert.equal(c.url, 'https://r.test/1');
  assert.equal(c.publishedAt, '2020-01-01T09:00:00.000Z');
  assert.deepEqual(c.source, { kind: 'replay', outlet: 'R' });
  const full = candidateFromLine(
    JSON.stringify({
      schemaVersion: 1,
      articleId: 'abcdef0123456789abcdef0123456789',
      version: 4,
      source: { kind: 'feed', outlet: 'X' },
      url: 'https://r.test/3',
      title: 'Three',
      publishedAt: '2019-05-05T05:05:05Z',
      fetchedAt: '2019-05-05T06:00:00Z',
    }),
    'demo',
  );
  assert.equal(full.articleId, 'abcdef0123456789abcdef0123456789');
  assert.equal(full.publishedAt, '2019-05-05T05:05:05Z');
  assert.equal(full.source.kind, 'demo');
  assert.throws(
    () => candidateFromLine('{oops'),
    (e: unknown) => e instanceof DecodeError && e.code === 'EVENT_INVALID_JSON',
  );
  assert.throws(
    () => candidateFromLine('{"url":"https://r.test/1"}'),
    (e: unknown) => e instanceof DecodeError && e.field === 'title',
  );
});

test('paceDelayMs spaces items at the requested rate', () => {
  assert.equal(paceDelayMs(0, 0, 10, 0), 0);
  assert.equal(paceDelayMs(10, 1000, 5, 1000), 500);
  assert.equal(paceDelayMs(10, 1000, 5, 2000), 0);
});
