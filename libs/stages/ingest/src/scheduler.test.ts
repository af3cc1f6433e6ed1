import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeedScheduler, type SchedulerOptions } from './scheduler.ts';

const S = 1000;
const opts = (o: Partial<SchedulerOptions> = {}): SchedulerOptions => ({
  minMs: 60 * S,
  maxMs: 3600 * S,
  defaultMs: 300 * S,
  backoffBaseMs: 30 * S,
  backoffMaxMs: 6 * 3600 * S,
  concurrency: 10,
  perHostConcurrency: 1,
  perHostGapMs: 1000,
  random: () => 0.5,
  ...o,
});
const ok = (newItems: number, extra: object = {}) => ({ kind: 'ok' as const, newItems, notModified: false, ...extra });

test('new feeds are due at once; one per host at a time, hosts spaced by the gap', () => {
  const s = new FeedScheduler(opts());
  s.add('https://a.test/1', 0);
  s.add('https://a.test/2', 0);
  s.add('https://b.test/1', 0);
  const first = s.take(0).map((f) => f.url);
  assert.deepEqual(first, ['https://a.test/1', 'https://b.test/1']);
  assert.deepEqual(s.take(0), [], 'a.test is busy');
  s.complete('https://a.test/1', ok(1), 500);
  assert.deepEqual(s.take(500), [], 'gap of 1 s between requests to one host');
  assert.equal(s.nextWakeAt(), 1000);
  assert.deepEqual(
    s.take(1000).map((f) => f.url),
    ['https://a.test/2'],
  );
});

test('global concurrency limit', () => {
  const s = new FeedScheduler(opts({ concurrency: 2 }));
  for (const h of ['a', 'b', 'c']) s.add(`https://${h}.test/`, 0);
  assert.equal(s.take(0).length, 2);
  assert.equal(s.nextWakeAt(), undefined, 'slots are full: wait for a completion');
  s.complete('https://a.test/', ok(0), 10);
  assert.equal(s.take(10).length, 1);
});

test('the interval adapts: shorter when items are new, longer when not, within bounds', () => {
  const s = new FeedScheduler(opts());
  const url = 'https://a.test/feed';
  s.add(url, 0);
  let t = 0;
  const poll = (newItems: number) => {
    s.take(t);
    const st = s.complete(url, newItems < 0 ? { kind: 'ok', newItems: 0, notModified: true } : ok(newItems), t);
    t = st.nextAt;
    return st.intervalMs;
  };
  assert.equal(poll(5), 200 * S);
  assert.equal(poll(5), Math.round((200 * S * 2) / 3));
  for (let i = 0; i < 10; i++) poll(3);
  assert.equal(s.get(url)!.intervalMs, 60 * S, 'never below the minimum');
  for (let i = 0; i < 20; i++) poll(-1);
  assert.equal(s.get(url)!.intervalMs, 3600 * S, 'never above the maximum');
});

test("the publisher's ttl is a floor for the interval", () => {
  const s = new FeedScheduler(opts());
  const url = 'https://a.test/feed';
  s.add(url, 0);
  s.take(0);
  const st = s.complete(url, ok(10, { hintMs: 900 * S }), 0);
  assert.equal(st.intervalMs, 900 * S);
});

test('errors back off exponentially with jitter, capped; success resets', () => {
  const seq = [0, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
  let i = 0;
  const s = new FeedScheduler(opts({ random: () => seq[i++ % seq.length]! }));
  const url = 'https://a.test/feed';
  s.add(url, 0);
  const fail = (t: number) => {
    s.take(t);
    const st = s.complete(url, { kind: 'error', retriable: true, message: 'x' }, t);
    return st.nextAt - t;
  };
  assert.equal(fail(0), 15 * S, 'first failure: base/2 + jitter 0');
  assert.equal(fail(100 * S), 60 * S, 'second: 60 s with full jitter');
  const d3 = fail(1000 * S);
  assert.equal(d3, 90 * S);
  let last = 0;
  for (let k = 0; k < 20; k++) last = fail(100_000 * S + k * 100_000 * S);
  assert.ok(last <= 6 * 3600 * S, 'capped');
  s.take(10_000_000 * S);
  const st = s.complete(url, ok(0), 10_000_000 * S);
  assert.equal(st.failures, 0);
});

test('Retry-After is honoured, and a 429/503 pauses the whole host', () => {
  const s = new FeedScheduler(opts());
  s.add('https://a.test/1', 0);
  s.add('https://a.test/2', 0);
  s.add('https://b.test/1', 0);
  s.take(0);
  const st = s.complete(
    'https://a.test/1',
    { kind: 'error', retriable: true, status: 429, retryAfterMs: 600 * S, message: 'slow down' },
    0,
  );
  assert.equal(st.nextAt, 600 * S);
  s.complete('https://b.test/1', ok(1), 0);
  assert.deepEqual(
    s.take(5 * S).map((f) => f.url),
    [],
    'a.test/2 waits for the host; b.test/1 is not due',
  );
  // At 600 s the host opens again: one request to a.test (the most overdue), and b.test is due too.
  assert.deepEqual(
    s.take(600 * S).map((f) => f.url),
    ['https://a.test/2', 'https://b.test/1'],
  );
});

test("one feed's failures do not delay the others", () => {
  const s = new FeedScheduler(opts());
  s.add('https://bad.test/', 0);
  s.add('https://good.test/', 0);
  let t = 0;
  for (let k = 0; k < 5; k++) {
    for (const f of s.take(t)) {
      s.complete(f.url, f.url.includes('bad') ? { kind: 'error', retriable: false, status: 404, message: 'gone' } : ok(1), t);
    }
    t = s.nextWakeAt()!;
  }
  assert.equal(s.get('https://good.test/')!.failures, 0);
  assert.ok(s.get('https://bad.test/')!.failures >= 1);
  assert.ok(s.get('https://good.test/')!.lastSuccessAt! > 0);
});

test('restored state (validators, interval, next time) is used', () => {
  const s = new FeedScheduler(opts());
  const st = s.add('https://a.test/', 0, {
    etag: '"x"',
    lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT',
    intervalMs: 120 * S,
    nextAt: 50 * S,
  });
  assert.equal(st.etag, '"x"');
  assert.deepEqual(s.take(0), []);
  assert.equal(s.take(50 * S).length, 1);
});
