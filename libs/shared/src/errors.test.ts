import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import kafkajs from 'kafkajs';
import { ERROR_CODES, NewsFuseError, DecodeError, toNewsFuseError, isRetriable, isTransientInfraError } from './errors.ts';

test('docs/errors.md lists exactly the codes in ERROR_CODES', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `([A-Z_]+)`\s+\|/gm)].map((m) => m[1]).sort();
  assert.deepEqual(documented, Object.keys(ERROR_CODES).sort());
});

test('errors carry code, retriable and cause; unknown throws become INTERNAL', () => {
  const cause = new Error('boom');
  const e = new NewsFuseError('FETCH_TIMEOUT', 'slow', { retriable: true, cause });
  assert.equal(e.code, 'FETCH_TIMEOUT');
  assert.equal(e.cause, cause);
  assert.ok(isRetriable(e));
  assert.equal(toNewsFuseError('x').code, 'INTERNAL');
  assert.equal(isRetriable(new Error('plain')), false);
  const d = new DecodeError('EVENT_SCHEMA', 'title: bad', 'title');
  assert.equal(d.field, 'title');
  assert.equal(d.name, 'DecodeError');
  assert.deepEqual(Object.keys(e.toJSON()).sort(), ['code', 'details', 'message', 'name', 'retriable']);
});

test('isTransientInfraError: an outage is retried, bad input and broker refusals are not', () => {
  // kafkajs' runtime constructors (its typings leave out the `cause` and protocol-error arguments).
  const K = kafkajs as unknown as Record<string, new (...args: unknown[]) => Error>;
  const refused = new K.KafkaJSConnectionError!('Connection error: connect ECONNREFUSED 127.0.0.1:9');
  const exhausted = new K.KafkaJSNumberOfRetriesExceeded!(refused, { retryCount: 2, retryTime: 300, cause: refused });
  const tooLarge = new K.KafkaJSProtocolError!({ type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false, message: 'too large' });
  const leader = new K.KafkaJSProtocolError!({ type: 'LEADER_NOT_AVAILABLE', code: 5, retriable: true, message: 'no leader' });
  const ioredisClosed = new Error('Connection is closed.');
  const maxRetries = Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' });
  const econn = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const cases: [unknown, boolean][] = [
    [exhausted, true],
    [refused, true],
    [new K.KafkaJSRequestTimeoutError!('Request Produce(key: 0, version: 7) timed out'), true],
    [new K.KafkaJSNonRetriableError!(exhausted, { cause: refused }), true],
    [leader, true],
    [new K.KafkaJSNumberOfRetriesExceeded!(leader, { retryCount: 5, retryTime: 300, cause: leader }), true],
    [tooLarge, false],
    [new K.KafkaJSNonRetriableError!(tooLarge, { cause: tooLarge }), false],
    [new K.KafkaJSAggregateError!('2 sends failed', [tooLarge, exhausted]), true],
    [new K.KafkaJSAggregateError!('1 send failed', [tooLarge]), false],
    [ioredisClosed, true],
    [maxRetries, true],
    [econn, true],
    [new NewsFuseError('INFRA_UNAVAILABLE', 'down', { retriable: true }), true],
    [new DecodeError('EVENT_SCHEMA', 'title: bad', 'title'), false],
    [new TypeError("Cannot read properties of undefined (reading 'x')"), false],
    ['a string', false],
  ];
  for (const [err, want] of cases)
    assert.equal(isTransientInfraError(err), want, `${(err as Error).name ?? ''}: ${String((err as Error).message ?? err)}`);
});
