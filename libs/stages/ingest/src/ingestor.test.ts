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

test('a failed publish leaves the claim pending; the next sight re-publishes the same version, then it is a duplicate', async () => {
  const { ingestor, published, store, setFail } = setup();
  setFail(true);
  await assert.rejects(ingestor.ingest(base()), (e: unknown) => e instanceof NewsFuseError && e.retriable);
  setFail(false);
  const r = await ingestor.ingest(base());
  assert.deepEqual([r.duplicate, r.republished, r.version, published.length], [false, true, 1, 1]);
  assert.equal(store.record(r.articleId)?.pending, false, 'confirmed once the publish was acknowledged');
  const again = await ingestor.ingest(base());
  assert.deepEqual([again.duplicate, again.version, published.length], [true, 1, 1]);
});

/** An ingestor whose process "dies" at a chosen step: the step throws and nothing after it runs. */
function crashable(crashAt: 'after-claim' | 'confirm') {
  const published: ArticleEvent[] = [];
  const memory = createMemoryStore();
  let armed = true;
  const store: typeof memory = {
    ...memory,
    confirm: async (id, fp, v) => {
      if (crashAt === 'confirm' && armed) throw new Error('killed before the confirmation reached the store');
      return memory.confirm(id, fp, v);
    },
  };
  const ingestor = createIngestor({
    store,
    publisher: { publish: async (e) => void published.push(e) },
    afterClaim: () => {
      if (crashAt === 'after-claim' && armed) throw new Error('killed between claim and publish');
    },
  });
  return { ingestor, published, store: memory, disarm: () => (armed = false) };
}

test('killed between claim and publish: nothing published, the claim stays pending, the restart publishes that version', async () => {
  const { ingestor, published, store, disarm } = crashable('after-claim');
  await assert.rejects(ingestor.ingest(base()), /killed between claim and publish/);
  assert.equal(published.length, 0);
  assert.equal(store.size(), 1, 'the claim was recorded');
  disarm();
  const r = await ingestor.ingest(base());
  assert.deepEqual([r.duplicate, r.republished, r.version, published.length], [false, true, 1, 1]);
  assert.deepEqual(store.record(r.articleId)?.pending, false);
  assert.equal((await ingestor.ingest(base())).duplicate, true);
});

test('killed between publish and confirmation: the next sight publishes the same (articleId, version) again, a duplicate consumers drop', async () => {
  const { ingestor, published, store, disarm } = crashable('confirm');
  await assert.rejects(ingestor.ingest(base()), /killed before the confirmation/);
  assert.equal(published.length, 1);
  disarm();
  const r = await ingestor.ingest(base());
  assert.deepEqual([r.duplicate, r.version, published.length], [false, 1, 2]);
  assert.deepEqual(
    published.map((e) => `${e.articleId}@${e.version}:${e.title}`),
    [0, 1].map(() => `${r.articleId}@1:${base().title}`),
  );
  assert.equal(store.record(r.articleId)?.pending, false);
});

test('new content while a claim is pending takes the next version; versions never go backwards', async () => {
  const { ingestor, published, disarm } = crashable('after-claim');
  await assert.rejects(ingestor.ingest(base()));
  disarm();
  const changed = base({ title: 'Storm hits the northern coast: two dead' });
  const r2 = await ingestor.ingest(changed);
  assert.deepEqual([r2.version, r2.republished], [2, undefined]);
  const r3 = await ingestor.ingest(base());
  assert.equal(r3.version, 3, 'the old content coming back is new content again');
  assert.deepEqual(
    published.map((e) => e.version),
    [2, 3],
  );
});

test('a replayed claim (a client re-sending it after a reconnect) finds its own pending record: same version, not a duplicate', async () => {
  const store = createMemoryStore();
  const first = await store.claim('id', 'fp');
  const replay = await store.claim('id', 'fp');
  assert.deepEqual(first, { version: 1, duplicate: false, pending: false });
  assert.deepEqual(replay, { version: 1, duplicate: false, pending: true });
  await store.confirm('id', 'fp', 1);
  await store.confirm('id', 'fp', 1);
  assert.deepEqual(await store.claim('id', 'fp'), { version: 1, duplicate: true, pending: false });
  await store.confirm('id', 'other', 1);
  await store.confirm('id', 'fp', 7);
  assert.deepEqual(store.record('id'), { fingerprint: 'fp', version: 1, pending: false }, 'confirming another claim changes nothing');
});

test('a store that lost its last writes re-publishes (a duplicate), never skips content', async () => {
  const { ingestor, published, store } = setup();
  const v1 = await ingestor.ingest(base());
  const afterV1 = store.record(v1.articleId);
  const changed = base({ title: 'Storm hits the northern coast: two dead' });
  const v2 = await ingestor.ingest(changed);
  assert.equal(v2.version, 2);
  // The confirmation of v2 is lost: v2 is pending again → the next sight re-publishes v2.
  store.setRecord(v1.articleId, { ...store.record(v1.articleId)!, pending: true });
  const again = await ingestor.ingest(changed);
  assert.deepEqual([again.duplicate, again.version], [false, 2]);
  // The whole claim of v2 is lost: back to v1 confirmed → the same content is claimed as v2 again, same version.
  store.setRecord(v1.articleId, afterV1);
  const reclaimed = await ingestor.ingest(changed);
  assert.deepEqual([reclaimed.duplicate, reclaimed.version], [false, 2]);
  // Everything lost: the article starts over at v1 with v1's content — the same (articleId, version, content).
  store.setRecord(v1.articleId, undefined);
  const fromScratch = await ingestor.ingest(base());
  assert.deepEqual([fromScratch.duplicate, fromScratch.version], [false, 1]);
  const byVersion = new Map<number, Set<string>>();
  for (const e of published) byVersion.set(e.version, (byVersion.get(e.version) ?? new Set()).add(e.title));
  assert.deepEqual(
    [...byVersion].map(([v, titles]) => [v, titles.size]),
    [
      [1, 1],
      [2, 1],
    ],
    'each version always carries one content',
  );
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
  assert.ok('error' in bad.body);
  assert.equal(bad.body.error.field, 'title');
  assert.equal(bad.body.error.code, 'EVENT_SCHEMA');
  const badDate = await push(`Bearer ${token}`, { url: 'https://x.test/1', title: 'T', publishedAt: 'yesterday-ish' });
  assert.equal('error' in badDate.body && badDate.body.error.field, 'publishedAt');
  const ok = await push(`bearer ${token}`, {
    url: 'https://x.test/1?utm_source=a',
    title: 'T',
    publishedAt: 'Mon, 02 Jan 2006 15:04:05 GMT',
    articleId: 'ignored',
  });
  assert.equal(ok.status, 202);
  assert.deepEqual(ok.body, { articleId: (ok.body as { articleId: string }).articleId, version: 1, duplicate: false });
  assert.equal(published[0]!.source.kind, 'push');
  assert.equal(published[0]!.url, 'https://x.test/1');
  assert.equal(published[0]!.publishedAt, '2006-01-02T15:04:05.000Z');
  const again = await push(`Bearer ${token}`, { url: 'https://x.test/1', title: 'T' });
  assert.equal((again.body as { duplicate: boolean }).duplicate, true);
});
