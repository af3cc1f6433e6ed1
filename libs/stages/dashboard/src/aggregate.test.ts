import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScoredEvent, decode } from '@newsfuse/shared';
import {
  ALL_ID,
  DEFAULT_AGGREGATE_OPTIONS,
  bucketStart,
  contributionOf,
  coverWindow,
  createAggregator,
  deltasFor,
  emptyFields,
  foldSeries,
  mergeDeltas,
  parseFields,
  plan,
  refKey,
  seriesPlan,
  sortRows,
  sourceOf,
  summarise,
  type AggregateStore,
  type ApplyPlan,
  type BucketFields,
  type BucketRef,
  type Contribution,
  type IndexEntry,
  type MismatchItem,
  type RecycledItem,
  type Row,
} from './aggregate.ts';
import { createViews, type AggregateReader } from './views.ts';

const NOW = Date.parse('2025-06-01T12:34:30Z');
const opts = { ...DEFAULT_AGGREGATE_OPTIONS, mismatchKeep: 3 };

function event(
  o: {
    id?: string;
    version?: number;
    topics?: string[];
    rel?: number | null;
    sent?: number;
    at?: number;
    outlet?: string;
    title?: string;
  } = {},
): ScoredEvent {
  const rel = o.rel === undefined ? 0.6 : o.rel;
  const sent = o.sent ?? 0;
  const at = o.at ?? NOW - 5_000;
  return decode(ScoredEvent, {
    schemaVersion: 1,
    articleId: o.id ?? 'article-0001',
    version: o.version ?? 1,
    url: 'https://news.example.org/a',
    title: o.title ?? 'Title',
    source: { kind: 'feed', feedUrl: 'https://feeds.example.org/rss', ...(o.outlet ? { outlet: o.outlet } : {}) },
    publishedAt: new Date(at - 600_000).toISOString(),
    modality: 'complete',
    relevance: {
      score: rel,
      label: rel === null ? 'unknown' : rel >= 0.3 ? 'relevant' : 'mismatch',
      threshold: 0.3,
      strategy: 'feature-level',
      perImage: [{ index: 0, url: 'https://img.example.org/1.jpg', status: 'ok', score: rel }],
      explanation: { matched: [], text: 'nothing matched' },
    },
    sentiment: { text: sent, image: null, fused: sent, label: sent > 0.05 ? 'positive' : sent < -0.05 ? 'negative' : 'neutral' },
    topics: (o.topics ?? ['Climate']).map((t) => ({ id: `cat:${t.toLowerCase()}`, label: t })),
    models: {},
    timings: {},
    ingestedAt: new Date(at - 2_000).toISOString(),
    emittedAt: new Date(at).toISOString(),
  });
}

/** An in-memory AggregateStore + AggregateReader with Redis' semantics where they matter. */
class MemoryStore implements AggregateStore, AggregateReader {
  seen = new Set<string>();
  art = new Map<string, Contribution>();
  buckets_ = new Map<string, { fields: BucketFields; expireAt: number }>();
  idx = { topic: new Map<string, IndexEntry>(), source: new Map<string, IndexEntry>(), language: new Map<string, IndexEntry>() };
  mm = new Map<string, MismatchItem>();
  rc = new Map<string, RecycledItem>();
  rev = 0;
  failNextApply = false;
  now = NOW;

  async claim(articleId: string, version: number) {
    const k = `${articleId}:${version}`;
    const fresh = !this.seen.has(k);
    this.seen.add(k);
    return { fresh, previous: this.art.get(articleId) ?? null };
  }
  async release(articleId: string, version: number) {
    this.seen.delete(`${articleId}:${version}`);
  }
  async apply(p: ApplyPlan) {
    if (this.failNextApply) {
      this.failNextApply = false;
      throw new Error('redis down');
    }
    for (const d of p.deltas) {
      const k = refKey(d);
      const cur = this.buckets_.get(k) ?? { fields: emptyFields(), expireAt: d.expireAt };
      for (const [f, v] of Object.entries(d.fields)) cur.fields[f as keyof BucketFields] += v;
      cur.expireAt = d.expireAt;
      this.buckets_.set(k, cur);
    }
    this.art.set(p.contribution.articleId, p.contribution);
    // ZADD GT: the last-seen time only moves forward.
    for (const t of p.index.topics) if ((this.idx.topic.get(t.id)?.at ?? -1) < t.at) this.idx.topic.set(t.id, t);
    for (const s of p.index.sources) if ((this.idx.source.get(s.id)?.at ?? -1) < s.at) this.idx.source.set(s.id, s);
    for (const l of p.index.languages) if ((this.idx.language.get(l.id)?.at ?? -1) < l.at) this.idx.language.set(l.id, l);
    if (p.mismatch.upsert) this.mm.set(p.mismatch.upsert.articleId, p.mismatch.upsert);
    if (p.mismatch.remove) this.mm.delete(p.mismatch.remove);
    if (p.recycled.upsert) this.rc.set(p.recycled.upsert.articleId, p.recycled.upsert);
    if (p.recycled.remove) this.rc.delete(p.recycled.remove);
    this.rev++;
  }
  async buckets(refs: BucketRef[]) {
    return refs.map((r) => {
      const b = this.buckets_.get(refKey(r));
      return b && b.expireAt > this.now / 1000 ? { ...b.fields } : emptyFields();
    });
  }
  async index(scope: 'topic' | 'source' | 'language', sinceMs: number, limit: number) {
    return [...this.idx[scope].values()]
      .filter((e) => e.at >= sinceMs)
      .sort((a, b) => b.at - a.at)
      .slice(0, limit);
  }
  async label(scope: 'topic' | 'source' | 'language', id: string) {
    return this.idx[scope].get(id)?.label ?? null;
  }
  async mismatches(limit: number) {
    return [...this.mm.values()].sort((a, b) => Date.parse(b.emittedAt) - Date.parse(a.emittedAt)).slice(0, limit);
  }
  async recycled(limit: number) {
    return [...this.rc.values()].sort((a, b) => Date.parse(b.emittedAt) - Date.parse(a.emittedAt)).slice(0, limit);
  }
  async revision() {
    return this.rev;
  }
  bucket(res: 'minute' | 'hour', scope: 'all' | 'topic' | 'source', id: string, atMs: number) {
    return this.buckets_.get(refKey({ res, scope, id, start: bucketStart(atMs, res) }))?.fields;
  }
}

test('contributionOf reads relevance, sentiment, topics, source and end-to-end time', () => {
  const c = contributionOf(event({ rel: 0.1, sent: -0.5, topics: ['Climate', 'Politics', 'Climate'], outlet: 'The Herald' }));
  assert.equal(c.label, 'mismatch');
  assert.equal(c.sentimentLabel, 'negative');
  assert.deepEqual(
    c.topics.map((t) => t.id),
    ['cat:climate', 'cat:politics'],
  );
  assert.deepEqual(c.source, { id: 'outlet:the-herald', label: 'The Herald' });
  assert.equal(c.e2eSeconds, 2);
});

test('sourceOf falls back from outlet to feed host to article host to kind', () => {
  assert.equal(
    sourceOf({ source: { kind: 'feed', feedUrl: 'https://www.feeds.example.org/x' }, url: 'https://a.example/1' }).id,
    'host:feeds.example.org',
  );
  assert.equal(sourceOf({ source: { kind: 'push' }, url: 'https://a.example/1' }).id, 'host:a.example');
  assert.equal(sourceOf({ source: { kind: 'push' }, url: 'not a url' }).id, 'kind:push');
});

test('an event without topics is counted under misc', () => {
  const c = contributionOf({ ...event(), topics: [] });
  assert.deepEqual(c.topics, [{ id: 'misc', label: 'Uncategorised' }]);
});

test('deltasFor writes minute and hour buckets for all, source and each topic, and skips expired buckets', () => {
  const c = contributionOf(event({ topics: ['A', 'B'], rel: 0.8, sent: 0.5 }));
  const d = deltasFor(c, 1, opts, NOW);
  assert.equal(d.length, 2 * 5); // 2 resolutions × (all + source + 2 topics + language)
  assert.ok(
    d.some((x) => x.scope === 'language' && x.id === 'und'),
    'an event without a language counts as und',
  );
  const all = d.find((x) => x.scope === 'all' && x.res === 'minute')!;
  assert.deepEqual(all.fields, { n: 1, rel_n: 1, rel_sum: 0.8, sent_sum: 0.5, pos: 1, e2e_n: 1, e2e_sum: 2 });
  assert.equal(all.expireAt, bucketStart(c.at, 'minute') + 60 + opts.minuteRetentionSeconds);
  const topic = d.find((x) => x.scope === 'topic' && x.res === 'hour')!;
  assert.equal(topic.fields.e2e_n, undefined, 'end-to-end time is kept overall only');
  // Two days old: the minute buckets have expired, the hour buckets have not.
  const old = deltasFor({ ...c, at: NOW - 2 * 86_400_000 }, 1, opts, NOW);
  assert.ok(old.every((x) => x.res === 'hour'));
  assert.equal(deltasFor({ ...c, at: NOW - 40 * 86_400_000 }, 1, opts, NOW).length, 0);
});

test('mergeDeltas sums same-bucket deltas and drops what cancels out', () => {
  const c = contributionOf(event({ rel: 0.5 }));
  const merged = mergeDeltas([...deltasFor(c, 1, opts, NOW), ...deltasFor(c, -1, opts, NOW)]);
  assert.equal(merged.length, 0);
  const c2 = { ...c, relevance: 0.7 };
  const m2 = mergeDeltas([...deltasFor(c, -1, opts, NOW), ...deltasFor(c2, 1, opts, NOW)]);
  assert.ok(m2.length > 0);
  for (const d of m2) {
    assert.deepEqual(Object.keys(d.fields), ['rel_sum']);
    assert.ok(Math.abs((d.fields.rel_sum ?? 0) - 0.2) < 1e-9);
  }
});

test('plan: a newer version replaces the older one; an older version is ignored', () => {
  const v1 = event({ version: 1, rel: 0.1 });
  const p1 = plan(v1, null, opts, NOW)!;
  assert.equal(p1.outcome, 'applied');
  assert.ok(p1.mismatch.upsert);
  const v2 = event({ version: 2, rel: 0.9 });
  const p2 = plan(v2, p1.contribution, opts, NOW)!;
  assert.equal(p2.mismatch.remove, v1.articleId, 'no longer a mismatch: leaves the feed');
  const allMinute = p2.deltas.find((d) => d.scope === 'all' && d.res === 'minute')!;
  assert.equal(allMinute.fields.n, undefined, 'still one article');
  assert.equal(allMinute.fields.mismatch, -1);
  assert.equal(plan(v1, p2.contribution, opts, NOW), null);
});

test('plan: an event older than every retention is stale and indexes nothing', () => {
  const p = plan(event({ at: NOW - 60 * 86_400_000 }), null, opts, NOW)!;
  assert.equal(p.outcome, 'stale');
  assert.equal(p.deltas.length, 0);
  assert.deepEqual(p.index, { topics: [], sources: [], languages: [] });
});

test('aggregator: duplicates are counted once, versions upsert, failures release the mark', async () => {
  const store = new MemoryStore();
  const agg = createAggregator({ store, options: opts, now: () => NOW });
  const e = event({ id: 'article-dup', rel: 0.2, sent: -0.3 });
  assert.equal(await agg.ingest(e), 'applied');
  assert.equal(await agg.ingest(e), 'duplicate');
  assert.equal(store.bucket('minute', 'all', ALL_ID, NOW - 5000)?.n, 1);

  assert.equal(await agg.ingest(event({ id: 'article-dup', version: 2, rel: 0.7, sent: 0.4 })), 'applied');
  const f = store.bucket('minute', 'all', ALL_ID, NOW - 5000)!;
  assert.equal(f.n, 1);
  assert.equal(f.mismatch, 0);
  assert.equal(f.pos, 1);
  assert.equal(f.neg, 0);
  assert.ok(Math.abs(f.rel_sum - 0.7) < 1e-9);
  assert.equal(await agg.ingest(event({ id: 'article-dup', version: 1, rel: 0.1 })), 'duplicate');

  store.failNextApply = true;
  const e3 = event({ id: 'article-fail' });
  await assert.rejects(agg.ingest(e3), /redis down/);
  assert.equal(await agg.ingest(e3), 'applied', 'the redelivery is counted');
});

test('summarise computes means, mismatch share over scored articles and the sentiment mix', () => {
  const f = emptyFields();
  Object.assign(f, { n: 4, rel_n: 3, rel_sum: 1.5, mismatch: 1, unknown: 1, sent_sum: -0.4, neg: 2, neu: 1, pos: 1, e2e_n: 2, e2e_sum: 3 });
  const s = summarise(f);
  assert.equal(s.count, 4);
  assert.equal(s.relevanceMean, 0.5);
  assert.equal(s.mismatchShare, 0.3333);
  assert.equal(s.unknownCount, 1);
  assert.equal(s.sentimentMean, -0.1);
  assert.deepEqual(s.sentiment, { negative: 2, neutral: 1, positive: 1 });
  assert.equal(s.endToEndSeconds, 1.5);
  assert.deepEqual(summarise(emptyFields()).relevanceMean, null);
  assert.equal(parseFields({ n: '3', rel_sum: '0.5', junk: 'x' }).n, 3);
});

test('coverWindow: minute buckets to the first whole hour, then hour buckets', () => {
  const hourly = coverWindow('all', ALL_ID, 6 * 3600, NOW, opts);
  const minutes = hourly.filter((r) => r.res === 'minute');
  const hours = hourly.filter((r) => r.res === 'hour');
  // NOW = 12:34:30; window starts 06:34:30 → minutes 06:35 … 06:59 (25), hours 07:00 … 12:00 (6).
  assert.equal(minutes.length, 25);
  assert.equal(hours.length, 6);
  assert.equal(new Date(minutes[0]!.start * 1000).toISOString(), '2025-06-01T06:35:00.000Z');
  assert.equal(new Date(hours[hours.length - 1]!.start * 1000).toISOString(), '2025-06-01T12:00:00.000Z');
  const short = coverWindow('topic', 'x', 3600, NOW, opts);
  assert.ok(short.every((r) => r.res === 'minute'));
  assert.equal(short.length, 60);
  const week = coverWindow('all', ALL_ID, 7 * 86400, NOW, opts);
  assert.ok(
    week.every((r) => r.res === 'hour'),
    'minute buckets that old have expired',
  );
});

test('seriesPlan + foldSeries group buckets into points', () => {
  const p = seriesPlan('all', ALL_ID, 6 * 3600, NOW);
  assert.equal(p.step, 300);
  assert.equal(p.points.length, 72);
  assert.ok(p.refs.length <= 72 * 5);
  const values = p.refs.map(() => ({ ...emptyFields(), n: 1, rel_n: 1, rel_sum: 0.5 }));
  const points = foldSeries(p, values);
  assert.equal(points.length, 72);
  assert.equal(points[0]!.count, 5);
  assert.equal(points[0]!.relevanceMean, 0.5);
  assert.ok(points[points.length - 1]!.count <= 5);
  assert.equal(seriesPlan('all', ALL_ID, 7 * 86400, NOW).res, 'hour');
});

test('sortRows: by key and order, nulls last', () => {
  const row = (id: string, count: number, rel: number | null): Row => ({
    ...summarise(emptyFields()),
    id,
    label: id,
    lastSeen: 0,
    count,
    relevanceMean: rel,
  });
  const rows = [row('a', 5, 0.2), row('b', 9, null), row('c', 1, 0.9)];
  assert.deepEqual(
    sortRows(rows, 'volume', 'desc').map((r) => r.id),
    ['b', 'a', 'c'],
  );
  assert.deepEqual(
    sortRows(rows, 'relevance', 'asc').map((r) => r.id),
    ['a', 'c', 'b'],
  );
  assert.deepEqual(
    sortRows(rows, 'relevance', 'desc').map((r) => r.id),
    ['c', 'a', 'b'],
  );
});

test('views: topics table, series and mismatch feed from the store', async () => {
  const store = new MemoryStore();
  const agg = createAggregator({ store, options: opts, now: () => NOW });
  await agg.ingest(event({ id: 'a-000001', topics: ['Climate'], rel: 0.1, sent: -0.6, at: NOW - 30_000 }));
  await agg.ingest(event({ id: 'a-000002', topics: ['Climate'], rel: 0.9, sent: 0.2, at: NOW - 20_000 }));
  await agg.ingest(event({ id: 'a-000003', topics: ['Sport'], rel: 0.7, sent: 0.6, at: NOW - 10_000 }));
  await agg.ingest(event({ id: 'a-000004', topics: ['Sport'], rel: 0.2, at: NOW - 2 * 3600_000 }));
  for (let i = 0; i < 4; i++) await agg.ingest(event({ id: `mm-00000${i}`, topics: ['Economy'], rel: 0.05, at: NOW - 1000 * (i + 1) }));

  const views = createViews(store, { minuteRetentionSeconds: opts.minuteRetentionSeconds, maxIndex: 100 }, () => NOW);
  const hour = await views.table('topic', { window: '1h', sort: 'volume', order: 'desc', limit: 10 });
  assert.deepEqual(
    hour.map((r) => [r.id, r.count]),
    [
      ['cat:economy', 4],
      ['cat:climate', 2],
      ['cat:sport', 1],
    ],
  );
  const climate = hour.find((r) => r.id === 'cat:climate')!;
  assert.equal(climate.relevanceMean, 0.5);
  assert.equal(climate.mismatchShare, 0.5);
  assert.equal(climate.sentimentMean, -0.2);
  const day = await views.table('topic', { window: '24h', sort: 'relevance', order: 'asc', limit: 10 });
  assert.equal(day.find((r) => r.id === 'cat:sport')!.count, 2);
  assert.equal(day[0]!.id, 'cat:economy');

  const overview = await views.overview('1h');
  assert.equal(overview.count, 7);
  assert.equal(overview.topics, 3);

  const series = await views.series('topic', 'cat:climate', '1h');
  assert.ok(series);
  assert.equal(series.label, 'Climate');
  assert.equal(series.points.length, 60);
  assert.equal(
    series.points.reduce((a, p) => a + p.count, 0),
    2,
  );
  assert.equal(await views.series('topic', 'cat:nope', '1h'), null);

  const feed = await views.mismatches(10);
  assert.ok(feed.length >= 4);
  assert.equal(feed[0]!.articleId, 'mm-000000', 'newest first');
  assert.deepEqual(
    (await views.mismatches(10, 'cat:climate')).map((m) => m.articleId),
    ['a-000001'],
  );
});

test('views cache settled buckets but re-read the current ones', async () => {
  const store = new MemoryStore();
  let reads = 0;
  const reader: AggregateReader = {
    ...store,
    buckets: async (refs) => ((reads += refs.length), store.buckets(refs)),
    index: store.index.bind(store),
    label: store.label.bind(store),
    mismatches: store.mismatches.bind(store),
    recycled: store.recycled.bind(store),
    revision: store.revision.bind(store),
  };
  const views = createViews(reader, { minuteRetentionSeconds: opts.minuteRetentionSeconds, maxIndex: 100 }, () => NOW);
  await views.overview('1h');
  const first = reads;
  reads = 0;
  await views.overview('1h');
  assert.ok(reads < first / 5, `second read ${reads} buckets, first ${first}`);
});

test('stories: a story is a topic whose label follows its newest event; a newer version that moves story moves its count', async () => {
  const store = new MemoryStore();
  const agg = createAggregator({ store, options: opts, now: () => NOW });
  const withStory = (e: ScoredEvent, id: string, label: string): ScoredEvent => ({
    ...e,
    topics: [{ id, label, kind: 'story' }, ...e.topics],
  });
  await agg.ingest(withStory(event({ id: 's-000001', at: NOW - 30_000 }), 'story:aaaa', 'flood'));
  await agg.ingest(withStory(event({ id: 's-000002', at: NOW - 20_000 }), 'story:aaaa', 'flood · river'));
  await agg.ingest(withStory(event({ id: 's-000003', at: NOW - 10_000 }), 'story:bbbb', 'election'));
  // s-000001 v2 moves to the election story.
  await agg.ingest(withStory(event({ id: 's-000001', version: 2, at: NOW - 5_000 }), 'story:bbbb', 'election · vote'));

  const views = createViews(store, { minuteRetentionSeconds: opts.minuteRetentionSeconds, maxIndex: 100 }, () => NOW);
  const rows = await views.table('topic', { window: '1h', sort: 'volume', order: 'desc', limit: 10 });
  const story = (id: string) => rows.find((r) => r.id === id)!;
  assert.deepEqual([story('story:aaaa').label, story('story:aaaa').count], ['flood · river', 1]);
  assert.deepEqual([story('story:bbbb').label, story('story:bbbb').count], ['election · vote', 2]);
  assert.equal(story('cat:climate').count, 3, 'the categories are counted beside the stories');
  assert.equal((await views.series('topic', 'story:bbbb', '1h'))!.label, 'election · vote');
});

test('languages: per-language rows, articles without sentiment counted apart, the feed filtered by language', async () => {
  const store = new MemoryStore();
  const agg = createAggregator({ store, options: opts, now: () => NOW });
  const withLang = (e: ScoredEvent, language: string, unsupported = false): ScoredEvent =>
    decode(ScoredEvent, {
      ...e,
      language,
      ...(unsupported
        ? {
            relevance: {
              ...e.relevance,
              score: null,
              label: 'unknown',
              perImage: [],
              reason: { code: 'LANGUAGE_UNSUPPORTED', message: 'no model' },
            },
            sentiment: {
              text: null,
              image: null,
              fused: null,
              label: 'unknown',
              reason: { code: 'LANGUAGE_UNSUPPORTED', message: 'no model' },
            },
          }
        : {}),
    });
  await agg.ingest(withLang(event({ id: 'l-en-0001', rel: 0.1, sent: 0.9 }), 'en'));
  await agg.ingest(withLang(event({ id: 'l-zh-0001', rel: 0.1, sent: -0.4 }), 'zh'));
  await agg.ingest(withLang(event({ id: 'l-zh-0002', rel: 0.8, sent: -0.2 }), 'zh'));
  await agg.ingest(withLang(event({ id: 'l-ar-0001' }), 'ar', true));
  const views = createViews(store, { minuteRetentionSeconds: opts.minuteRetentionSeconds, maxIndex: 100 }, () => NOW);
  const rows = await views.table('language', { window: '1h', sort: 'volume', order: 'desc', limit: 10 });
  assert.deepEqual(
    rows.map((r) => [r.id, r.label, r.count, r.sentimentUnknownCount]),
    [
      ['zh', 'Chinese (zh)', 2, 0],
      ['ar', 'Arabic (ar)', 1, 1],
      ['en', 'English (en)', 1, 0],
    ],
  );
  const ar = rows.find((r) => r.id === 'ar')!;
  assert.equal(ar.sentimentMean, null, 'no made-up sentiment');
  assert.equal(ar.relevanceMean, null);
  assert.equal(ar.unknownCount, 1);
  const overview = await views.overview('1h');
  assert.equal(overview.languages, 3);
  assert.equal(overview.sentimentUnknownCount, 1);
  assert.equal(overview.sentimentMean, 0.1, 'the mean is over the three articles with a sentiment');
  assert.deepEqual(
    (await views.mismatches(10, undefined, 'zh')).map((m) => [m.articleId, m.language]),
    [['l-zh-0001', 'zh']],
  );
  assert.deepEqual((await views.mismatches(10)).map((m) => m.language).sort(), ['en', 'zh']);
});

/** `e` with relevance.recycled set: one entry per (index, status) given, first seen in `first`. */
function withRecycled(e: ScoredEvent, photos: [number, 'original' | 'recycled' | 'same-story' | 'reused'][]): ScoredEvent {
  const first = {
    articleId: 'flood-article',
    version: 1,
    title: 'Flooding in the Rhine valley',
    source: 'example.org',
    publishedAt: '2025-03-02T08:00:00Z',
    story: { id: 'story:flood', label: 'flood rhine' },
  };
  return decode(ScoredEvent, {
    ...e,
    relevance: {
      ...e.relevance,
      perImage: photos.map(([index]) => ({ index, url: `https://img.example.org/${index}.jpg`, status: 'ok', score: 0.5 })),
      recycled: photos.map(([index, status]) => ({ index, status, firstSeen: first, count: 4, distance: 3 })),
    },
  });
}

test('recycled photos: listed with where they were first seen; same-story and original photos are not; a newer version without them leaves the list', async () => {
  const store = new MemoryStore();
  const agg = createAggregator({ store, options: opts, now: () => NOW });
  const views = createViews(store, { minuteRetentionSeconds: opts.minuteRetentionSeconds, maxIndex: 100 }, () => NOW);
  const v1 = withRecycled(event({ id: 'election-article', title: 'Election night' }), [
    [0, 'original'],
    [1, 'recycled'],
    [2, 'same-story'],
    [3, 'reused'],
  ]);
  assert.equal(await agg.ingest(v1), 'applied');
  assert.equal(await agg.ingest(v1), 'duplicate', 'a redelivery changes nothing');
  assert.equal(await agg.ingest(withRecycled(event({ id: 'wire-article', at: NOW - 4_000 }), [[0, 'same-story']])), 'applied');
  const [item, ...rest] = await views.recycled(10);
  assert.deepEqual(rest, [], 'an article whose photos are all original or of the same story is not listed');
  assert.equal(item!.articleId, 'election-article');
  assert.deepEqual(
    item!.photos.map((p) => [p.index, p.status, p.url]),
    [
      [1, 'recycled', 'https://img.example.org/1.jpg'],
      [3, 'reused', 'https://img.example.org/3.jpg'],
    ],
  );
  assert.equal(
    item!.photos[0]!.explanation,
    "first seen on 2025-03-02 in 'Flooding in the Rhine valley' (example.org), story: flood rhine; 3 articles so far",
  );
  assert.equal(store.art.get('election-article')?.recycled, true);
  // Version 2 replaced the photo: the article leaves the list.
  assert.equal(await agg.ingest(withRecycled(event({ id: 'election-article', version: 2 }), [[0, 'original']])), 'applied');
  assert.deepEqual(await views.recycled(10), []);
  // Filtered by language: these events have none ('und').
  await agg.ingest(withRecycled(event({ id: 'storm-article', at: NOW - 3_000 }), [[0, 'recycled']]));
  assert.deepEqual(
    (await views.recycled(10, 'und')).map((m) => m.articleId),
    ['storm-article'],
  );
  assert.deepEqual(await views.recycled(10, 'zh'), []);
});
