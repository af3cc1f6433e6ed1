import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import kafkajs from 'kafkajs';
import { ERROR_CODES, NewsFuseError, DecodeError, toNewsFuseError, isRetriable, isTransientInfraError } from './errors.ts';

test('docs/errors.md lists exactly the codes in ERROR_CODES', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `([A-Z_]+)`\s+\|/gm)].map((m) => m[1]).sort();
  assert.deepEqual(documented, Object.keys(ERROR_CODES).sort());
});

/** The product's, tools' and scripts' TypeScript (not tests), where codes are raised. */
function sources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
        out.push({ file: relative(REPO_ROOT, path), text: readFileSync(path, 'utf8') });
    }
  };
  for (const d of ['libs', 'services', 'tools', 'scripts', 'bench']) walk(join(REPO_ROOT, d));
  return out;
}

test('every code in ERROR_CODES is raised somewhere in the code', () => {
  const files = sources();
  const never = Object.keys(ERROR_CODES).filter((code) => !files.some((f) => f.text.includes(`'${code}'`)));
  assert.deepEqual(never, [], `codes in the catalogue that nothing raises: ${never.join(', ')}`);
});

test('every code raised is in ERROR_CODES', () => {
  // Where a code is raised: an error's constructor (not ConfigError: its first argument is a variable), withCode, an HTTP error body (errorBody, replyError,
  // or a literal `error:`/`code:` field), a failed-image record. Node's errno codes (ENOTFOUND…) are not ours.
  const patterns = [
    /new (?!ConfigError)\w*Error\(\s*'([A-Z][A-Z0-9_]+)'/g,
    /\b(?:errorBody|withCode)\(\s*'([A-Z][A-Z0-9_]+)'/g,
    /\breplyError\([^,]+,\s*'([A-Z][A-Z0-9_]+)'/g,
    /\b(?:error|code):\s*'([A-Z][A-Z0-9_]+)'/g,
    /\bfailedImage\([^)]*'([A-Z][A-Z0-9_]+)'/g,
  ];
  const raised = new Map<string, string>();
  for (const { file, text } of sources())
    for (const re of patterns) for (const m of text.matchAll(re)) if (!/^E[A-Z]+$/.test(m[1]!)) raised.set(m[1]!, file);
  for (const known of ['AUTH_REQUIRED', 'JOIN_INCOMPLETE', 'MODEL_UNAVAILABLE', 'NOT_FOUND', 'EXTRACT_MISSING'])
    assert.ok(raised.has(known), `the scan finds ${known}`);
  const unknown = [...raised].filter(([code]) => !(code in ERROR_CODES)).map(([code, file]) => `${code} (${file})`);
  assert.deepEqual(unknown, [], `codes raised but not in the catalogue: ${unknown.join(', ')}`);
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
