import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArticleEvent, DecodeError, NewsFuseError } from '@newsfuse/shared';
import { createIngestor, createMemoryStore } from './ingestor.ts';
import { createPushHandler } from './push.ts';
import type { ArticleCandidate } from './article.ts';

const base = (o: Partial<ArticleCandidate> = {}): ArticleCandidate => ({
  url: 'https://news.test/a',
  title: 'Storm hits the northern coast overnight',
  summary: 'A powerful storm hit the northern coast overnight, cutting power to thousands of homes and closing roads.',
  images: [{ url: 'https://news.test/a.jpg', caption: 'Waves' }],
  categories: [],
  authors: [],
  source: { kind: 'feed', feedUrl: 'https://news.test/rss', outlet: 'News' },
  publishedAt: '2024-01-01T10:00:00.000Z',
  ...o,
});

function setup() {
  const published: ArticleEvent[] = [];
  const store = createMemoryStore();
  let fail = false;
  const ingestor = createIngestor({
    store,
    publisher: {
      publish: async (e) => {
        if (fail) throw new NewsFuseError('INFRA_UNAVAILABLE', 'kafka down', { retriable: true });
        published.push(e);
      },
    },
    now: () => new Date('2024-01-01T12:00:00Z'),
  });
  return { ingestor, published, store, setFail: (v: boolean) => (fail = v) };
}

test('first sight publishes version 1 with a stable id and fetchedAt; the same content is a duplicate', async () => {
  const { ingestor, published } = setup();
  const r1 = await ingestor.ingest(base());
  assert.equal(r1.version, 1);
  assert.equal(r1.duplicate, false);
  assert.match(r1.articleId, /^[0-9a-f]{32}$/);
  assert.equal(published[0]!.fetchedAt, '2024-01-01T12:00:00.000Z');
  assert.equal(published[0]!.publishedAt, '2024-01-01T10:00:00.000Z');
  const r2 = await ingestor.ingest(base({ summary: `  ${base().summary!.toUpperCase()}  ` }));
  assert.deepEqual([r2.duplicate, r2.version, published.length], [true, 1, 1], 'case/whitespace changes are not material');
});

test('a material change makes version 2 under the same id', async () => {
  const { ingestor, published } = setup();
  const r1 = await ingestor.ingest(base());
  const r2 = await ingestor.ingest(base({ title: 'Storm hits the northern coast: two dead' }));
  assert.equal(r2.articleId, r1.articleId);
  assert.equal(r2.version, 2);
  const r3 = await ingestor.ingest(
    base({ title: 'Storm hits the northern coast: two dead', images: [{ url: 'https://news.test/b.jpg' }] }),
  );
  assert.equal(r3.version, 3, 'a new image set is material');
  assert.equal(published.length, 3);
});

test('a guid keeps its id when the link changes', async () => {
  const { ingestor } = setup();
  const a = await ingestor.ingest(base({ guid: 'story-1' }));
  const b = await ingestor.ingest(
    base({ guid: 'story-1', url: 'https://news.test/a-renamed', title: 'Storm hits the northern coast (updated)' }),
  );
  assert.equal(b.articleId, a.articleId);
  assert.equal(b.version, 2);
});

test('the same story from another outlet is published with relatedTo', async () => {
  const { ingestor, published } = setup();
  const a = await ingestor.ingest(base());
  const b = await ingestor.ingest(base({ url: 'https://other.test/wire/123', source: { kind: 'feed', outlet: 'Other' }, images: [] }));
  assert.notEqual(a.articleId, b.articleId);
  assert.equal(b.duplicate, false);
  assert.deepEqual(published[1]!.relatedTo, [a.articleId]);
});

test('a failed publish rolls the claim back, so a retry publishes', async () => {
  const { ingestor, published, setFail } = setup();
  setFail(true);
  await assert.rejects(ingestor.ingest(base()), (e: unknown) => e instanceof NewsFuseError && e.retriable);
  setFail(false);
  const r = await ingestor.ingest(base());
  assert.deepEqual([r.duplicate, r.version, published.length], [false, 1, 1]);
});

test('invalid candidates throw a DecodeError naming the field and touch no state', async () => {
  const { ingestor, store } = setup();
  await assert.rejects(
    ingestor.ingest(base({ images: [{ url: 'not a url' }] })),
    (e: unknown) => e instanceof DecodeError && e.field === 'images.0.url',
  );
  assert.equal(store.size(), 0);
});

test('push handler: 401 without the token, 400 naming the field, 202 with id/version/duplicate', async () => {
  const { ingestor, published } = setup();
  const token = 'secret-token-0123456789';
  const push = createPushHandler({ token, ingestor });
  assert.equal((await push(undefined, {})).status, 401);
  assert.equal((await push('Bearer wrong', {})).status, 401);
  assert.equal((await createPushHandler({ token: undefined, ingestor })(`Bearer ${token}`, {})).status, 401);
  const bad = await push(`Bearer ${token}`, { url: 'https://x.test/1' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'title');
  const badDate = await push(`Bearer ${token}`, { url: 'https://x.test/1', title: 'T', publishedAt: 'yesterday-ish' });
  assert.equal(badDate.body.field, 'publishedAt');
  const ok = await push(`bearer ${token}`, {
    url: 'https://x.test/1?utm_source=a',
    title: 'T',
    publishedAt: 'Mon, 02 Jan 2006 15:04:05 GMT',
    articleId: 'ignored',
  });
  assert.equal(ok.status, 202);
  assert.equal(ok.body.version, 1);
  assert.equal(ok.body.duplicate, false);
  assert.equal(published[0]!.source.kind, 'push');
  assert.equal(published[0]!.url, 'https://x.test/1');
  assert.equal(published[0]!.publishedAt, '2006-01-02T15:04:05.000Z');
  const again = await push(`Bearer ${token}`, { url: 'https://x.test/1', title: 'T' });
  assert.equal(again.body.duplicate, true);
});
