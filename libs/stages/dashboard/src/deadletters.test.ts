import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, DeadLetter } from '@newsfuse/shared';
import { countsFromHash, deadLetterPlan, mergeCounts } from './deadletters.ts';

const record = (o: Partial<DeadLetter> = {}) =>
  encode(DeadLetter, {
    schemaVersion: 1,
    stage: 'extract',
    code: 'FETCH_TIMEOUT',
    reason: 'timed out',
    retriable: false,
    origin: { queue: 'extract-image', jobId: 'img/abc:0' },
    payload: '{}',
    at: '2025-06-01T10:15:00Z',
    articleId: 'abc',
    ...o,
  });

test('a dead-letter record becomes an entry keyed by stage and code, in its hour', () => {
  const p = deadLetterPlan(Buffer.from(record()), { partition: 2, offset: '41' }, 0);
  assert.equal(p.seenId, '2:41');
  assert.equal(p.hour, Date.parse('2025-06-01T10:00:00Z') / 1000);
  assert.equal(p.entry.stage, 'extract');
  assert.equal(p.entry.code, 'FETCH_TIMEOUT');
  assert.equal(p.entry.origin, 'queue extract-image job img/abc:0');
});

test('labels are bounded: unknown stages and codes are folded', () => {
  const p = deadLetterPlan(record({ stage: 'x'.repeat(300), code: 'MADE_UP' }), { partition: 0, offset: '1' }, 0);
  assert.equal(p.entry.stage, 'other');
  assert.equal(p.entry.code, 'OTHER');
});

test('an unreadable record is counted, never thrown', () => {
  const p = deadLetterPlan(Buffer.from('not json'), { partition: 0, offset: '7' }, Date.parse('2025-06-01T10:30:00Z'));
  assert.equal(p.entry.stage, 'unknown');
  assert.equal(p.entry.code, 'EVENT_INVALID_JSON');
  assert.equal(p.hour, Date.parse('2025-06-01T10:00:00Z') / 1000);
});

test('counts from hashes, merged and sorted', () => {
  const a = countsFromHash({ 'score|EVENT_SCHEMA': '2', 'fuse|INTERNAL': '5', bad: '1' });
  assert.deepEqual(a[0], { stage: 'fuse', code: 'INTERNAL', count: 5 });
  const m = mergeCounts([a, countsFromHash({ 'score|EVENT_SCHEMA': '4' })]);
  assert.deepEqual(m[0], { stage: 'score', code: 'EVENT_SCHEMA', count: 6 });
});
