import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, NewsFuseError, DecodeError, toNewsFuseError, isRetriable } from './errors.ts';

test('docs/errors.md lists exactly the codes in ERROR_CODES', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
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
