import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FetchError, FeedError } from '@newsfuse/shared';
import { FeedScheduler } from './scheduler.ts';
import { createFeedPoller, type Clock, type FetchedDocument } from './poller.ts';
import { createIngestor, createMemoryStore } from './ingestor.ts';
import type { ArticleEvent } from '@newsfuse/shared';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

function feedXml(n: number) {
  const items = Array.from(
    { length: n },
    (_, i) =>
      `<item><title>Item number ${i}</title><link>https://a.test/${i}</link><pubDate>Mon, 0${(i % 9) + 1} Jan 2024 10:00:00 GMT</pubDate></item>`,
  ).join('');
  return Buffer.from(`<rss version="2.0"><channel><title>A</title><link>https://a.test/</link>${items}</channel></rss>`);
}

/** A fake clock: sleep resolves when the test advances time past the wake-up (or on abort). */
function fakeClock() {
  let now = 0;
  const sleepers: { at: number; resolve: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        const s = { at: now + ms, resolve };
        sleepers.push(s);
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
  };
  const advance = async (ms: number) => {
    now += ms;
    for (const s of sleepers.splice(0))
      if (s.at <= now) s.resolve();
      else sleepers.push(s);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  return { clock, advance };
}

test('poller: publishes new items oldest first, uses conditional GET, keeps polling after one feed fails', async () => {
  const { clock, advance } = fakeClock();
  const calls: { url: string; etag?: string }[] = [];
  const fetcher = async (url: string, cond: { etag?: string }): Promise<FetchedDocument> => {
    calls.push({ url, ...(cond.etag ? { etag: cond.etag } : {}) });
    if (url.includes('broken'))
      throw new FetchError('FETCH_HTTP', 'HTTP 503', { retriable: true, details: { status: 503, retryAfter: 120 } });
    if (url.includes('garbage')) return { status: 200, url, body: Buffer.from('<html>no feed</html>') };
    if (cond.etag === '"v1"') return { status: 304, url, body: Buffer.alloc(0), etag: '"v1"' };
    return { status: 200, url, body: feedXml(3), etag: '"v1"' };
  };
  const published: ArticleEvent[] = [];
  const ingestor = createIngestor({ store: createMemoryStore(), publisher: { publish: async (e) => void published.push(e) } });
  const outcomes: string[] = [];
  const scheduler = new FeedScheduler({
    minMs: 60_000,
    maxMs: 3_600_000,
    defaultMs: 300_000,
    backoffBaseMs: 30_000,
    backoffMaxMs: 3_600_000,
    concurrency: 4,
    perHostConcurrency: 1,
    perHostGapMs: 1000,
    random: () => 0.5,
  });
  const poller = createFeedPoller({
    scheduler,
    fetcher,
    ingest: (c) => ingestor.ingest(c),
    reject: async () => undefined,
    clock,
    logger: quiet,
    onPoll: (f, o) =>
      outcomes.push(
        `${new URL(f.url).host}:${o.kind === 'ok' ? (o.notModified ? '304' : o.newItems) : (o.status ?? o.message.slice(0, 10))}`,
      ),
  });
  for (const u of ['https://a.test/rss', 'https://broken.test/rss', 'https://garbage.test/rss']) await poller.add(u);
  const stop = new AbortController();
  const running = poller.run(stop.signal);
  await advance(0);
  assert.deepEqual(
    published.map((e) => e.title),
    ['Item number 0', 'Item number 1', 'Item number 2'],
  );
  await advance(400_000);
  await advance(400_000);
  stop.abort();
  await running;
  assert.ok(outcomes.includes('a.test:3'));
  assert.ok(outcomes.includes('a.test:304'), outcomes.join(','));
  assert.ok(outcomes.filter((o) => o.startsWith('broken.test:503')).length >= 2, outcomes.join(','));
  assert.ok(
    outcomes.some((o) => o.startsWith('garbage.test:FEED_PARSE')),
    outcomes.join(','),
  );
  assert.equal(calls.find((c) => c.url.includes('a.test') && c.etag)?.etag, '"v1"');
  assert.equal(scheduler.get('https://broken.test/rss')!.failures >= 2, true);
  assert.equal(published.length, 3);
});

test('poller: a Kafka outage stops the poll without saving validators, so the next poll retries everything', async () => {
  const { clock } = fakeClock();
  let down = true;
  const published: ArticleEvent[] = [];
  const ingestor = createIngestor({
    store: createMemoryStore(),
    publisher: {
      publish: async (e) => {
        if (down) throw new FeedError('INFRA_UNAVAILABLE', 'down', { retriable: true });
        published.push(e);
      },
    },
  });
  const scheduler = new FeedScheduler({
    minMs: 1,
    maxMs: 10,
    defaultMs: 5,
    backoffBaseMs: 1,
    backoffMaxMs: 10,
    concurrency: 1,
    perHostConcurrency: 1,
    perHostGapMs: 0,
  });
  const poller = createFeedPoller({
    scheduler,
    fetcher: async (url, cond) =>
      cond.etag ? { status: 304, url, body: Buffer.alloc(0) } : { status: 200, url, body: feedXml(2), etag: '"e"' },
    ingest: (c) => ingestor.ingest(c),
    reject: async () => undefined,
    clock,
    logger: quiet,
  });
  const first = await poller.pollOnce('https://a.test/rss');
  assert.equal(first.kind, 'error');
  assert.equal(scheduler.get('https://a.test/rss')!.etag, undefined);
  down = false;
  const second = await poller.pollOnce('https://a.test/rss');
  assert.deepEqual(second, { kind: 'ok', newItems: 2, notModified: false, etag: '"e"' });
  assert.equal(published.length, 2);
});

test('poller: a poll that fails for good is handed to `failed` (dead letter); a retriable one is not', async () => {
  const scheduler = new FeedScheduler({
    minMs: 60_000,
    maxMs: 3_600_000,
    defaultMs: 300_000,
    backoffBaseMs: 30_000,
    backoffMaxMs: 3_600_000,
    concurrency: 4,
    perHostConcurrency: 4,
    perHostGapMs: 0,
    random: () => 0.5,
  });
  const fetcher = async (url: string): Promise<FetchedDocument> => {
    if (url.includes('busy')) throw new FetchError('FETCH_HTTP', 'HTTP 503', { retriable: true, details: { status: 503 } });
    return {
      status: 200,
      url,
      body: Buffer.from('<!DOCTYPE x [<!ENTITY a "aaaa">]><rss version="2.0"><channel><title>&a;</title></channel></rss>'),
    };
  };
  const failed: string[] = [];
  const poller = createFeedPoller({
    scheduler,
    fetcher,
    ingest: async () => {
      throw new Error('not reached');
    },
    reject: async () => undefined,
    failed: async (feedUrl, err) => void failed.push(`${feedUrl} ${err.code}`),
    logger: quiet,
  });
  assert.equal((await poller.pollOnce('https://bomb.test/rss')).kind, 'error');
  assert.equal((await poller.pollOnce('https://busy.test/rss')).kind, 'error');
  assert.deepEqual(failed, ['https://bomb.test/rss FEED_PARSE']);
});
