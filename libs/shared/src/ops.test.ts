import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { NewsFuseError } from './errors.ts';
import { installErrorHandler, replyError } from './ops.ts';

test('one error body for what routes send, what Fastify rejects and what is thrown', async () => {
  const app = Fastify({ bodyLimit: 64 });
  installErrorHandler(app);
  app.post('/echo', async (req) => req.body);
  app.get('/gone', (_req, reply) => replyError(reply, 'NOT_FOUND', 'no such thing'));
  app.get('/boom', async () => {
    throw new Error('secret detail');
  });
  app.get('/down', async () => {
    throw new NewsFuseError('INFRA_UNAVAILABLE', 'redis down', { retriable: true });
  });
  const json = { 'content-type': 'application/json' };
  type Req = { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: string };
  const cases: [Req, number, Record<string, unknown>][] = [
    [
      { method: 'POST', url: '/echo', headers: json, payload: '{"a": ' },
      400,
      { code: 'EVENT_INVALID_JSON', field: '(body)', retriable: false },
    ],
    [{ method: 'POST', url: '/echo', headers: json, payload: JSON.stringify({ a: 'x'.repeat(100) }) }, 413, { code: 'REQUEST_INVALID' }],
    [{ method: 'POST', url: '/echo', headers: { 'content-type': 'application/x-nope' }, payload: 'x' }, 415, { code: 'REQUEST_INVALID' }],
    [{ method: 'GET', url: '/nowhere' }, 404, { code: 'NOT_FOUND' }],
    [{ method: 'GET', url: '/gone' }, 404, { code: 'NOT_FOUND', message: 'no such thing', retriable: false }],
    [{ method: 'GET', url: '/boom' }, 500, { code: 'INTERNAL', message: 'internal error' }],
    [{ method: 'GET', url: '/down' }, 503, { code: 'INFRA_UNAVAILABLE', retriable: true }],
  ];
  for (const [req, status, want] of cases) {
    const res = await app.inject(req);
    assert.equal(res.statusCode, status, JSON.stringify(req));
    const body = res.json<{ error: Record<string, unknown> }>();
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(typeof body.error.message, 'string');
    assert.equal(typeof body.error.retriable, 'boolean');
    for (const [k, v] of Object.entries(want)) assert.equal(body.error[k], v, `${JSON.stringify(req)} ${k}`);
  }
  await app.close();
});
