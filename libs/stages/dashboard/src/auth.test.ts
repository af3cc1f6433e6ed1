import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COOKIE_NAME, createAuth, parseCookies, withoutToken } from './auth.ts';

test('without a token configured every request passes', () => {
  const a = createAuth(undefined);
  assert.equal(a.enabled, false);
  assert.equal(a.check({}), 'disabled');
});

test('bearer header, cookie or query token; wrong or missing ones are told apart', () => {
  const a = createAuth('s3cret-token');
  assert.equal(a.check({}), 'missing');
  assert.equal(a.check({ authorization: 'Bearer s3cret-token' }), 'ok');
  assert.equal(a.check({ authorization: 'bearer s3cret-token' }), 'ok');
  assert.equal(a.check({ authorization: 'Bearer nope' }), 'invalid');
  assert.equal(a.check({ authorization: 'Basic czNjcmV0' }), 'missing');
  assert.equal(a.check({ cookie: `theme=dark; ${COOKIE_NAME}=s3cret-token` }), 'ok');
  assert.equal(a.check({ queryToken: 's3cret-token' }), 'ok');
  assert.equal(a.check({ queryToken: 's3cret-tokenX' }), 'invalid');
  assert.equal(a.check({ authorization: 'Bearer nope', cookie: `${COOKIE_NAME}=s3cret-token` }), 'ok');
});

test('the cookie is HttpOnly and SameSite=Strict; the token leaves the URL', () => {
  const a = createAuth('s3cret-token');
  const c = a.cookie('s3cret-token', true);
  assert.match(c, /HttpOnly/);
  assert.match(c, /SameSite=Strict/);
  assert.match(c, /Secure/);
  assert.deepEqual(parseCookies('a=1; b="x%20y"'), { a: '1', b: 'x y' });
  assert.equal(withoutToken('/?token=abc&window=1h'), '/?window=1h');
  assert.equal(withoutToken('/?token=abc'), '/');
});
