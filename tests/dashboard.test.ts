/**
 * Integration: the dashboard as its own process against the real broker and Redis. Publishes
 * ScoredEvents (and dead letters) and checks the JSON API, SSE, auth, Bull Board and /metrics.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node --import tsx --test tests/dashboard.test.ts
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadLetter, encode, type Kafka, type Producer } from '@newsfuse/shared';
import { scoredEvent } from './fixtures/scored.ts';
import {
  assertBroker,
  createTopics,
  deleteKeys,
  deleteTopics,
  kafkaClient,
  publishScored,
  startDashboard,
  topicsOf,
  uniqueNames,
  waitFor,
  type DashboardProcess,
} from './dashboard.harness.ts';

const TOKEN = 'test-token-3f9c1b7e2d';
const auth = { authorization: `Bearer ${TOKEN}` };

let kafka: Kafka;
let producer: Producer | undefined;
let dash: DashboardProcess | undefined;
let names: ReturnType<typeof uniqueNames>;
let topics: ReturnType<typeof topicsOf>;

async function get<T = Record<string, unknown>>(
  path: string,
  headers: Record<string, string> = auth,
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${dash!.url}${path}`, { headers, redirect: 'manual' });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

interface TopicRow {
  id: string;
  label: string;
  count: number;
  relevanceMean: number | null;
  mismatchShare: number | null;
  mismatchCount: number;
  unknownCount: number;
  sentimentMean: number | null;
  sentiment: { negative: number; neutral: number; positive: number };
}

before(async () => {
  kafka = kafkaClient();
  await assertBroker(kafka);
  names = uniqueNames('dash');
  topics = topicsOf(names.suffix);
  await createTopics(kafka, Object.values(topics));
  producer = kafka.producer();
  await producer.connect();
  dash = await startDashboard({ TOPIC_SUFFIX: names.suffix, NEWSFUSE_PREFIX: names.prefix, DASHBOARD_TOKEN: TOKEN });
});

after(async () => {
  const code = await dash?.stop();
  await producer?.disconnect();
  if (names) {
    await deleteTopics(kafka, Object.values(topics)).catch(() => undefined);
    await deleteKeys(names.prefix);
  }
  assert.equal(code, 0, `dashboard should exit cleanly on SIGTERM; logs:\n${dash?.logs.slice(-20).join('\n')}`);
  assert.ok(!dash?.logs.some((l) => l.includes(TOKEN)), 'the token never appears in the logs');
});

test('aggregates per topic and source; redeliveries are counted once; a newer version replaces the older', async () => {
  const climate = [
    scoredEvent({ topics: ['Climate'], relevance: 0.8, sentiment: 0.5, outlet: 'Northern Chronicle' }),
    scoredEvent({ topics: ['Climate'], relevance: 0.1, sentiment: -0.6, outlet: 'Northern Chronicle' }),
    scoredEvent({ topics: ['Climate'], relevance: 0.6, sentiment: 0, outlet: 'Coastal Herald' }),
  ];
  const sportV1 = scoredEvent({ topics: ['Sport'], relevance: 0.9, sentiment: 0.7, outlet: 'Sports Daily' });
  const sportUnknown = scoredEvent({ topics: ['Sport'], relevance: null, sentiment: 0.1, outlet: 'Sports Daily' });
  await publishScored(producer!, topics.scored, [...climate, sportV1, sportUnknown]);
  // A redelivery of the same (articleId, version), and an update of the Sport article.
  const sportV2 = scoredEvent({
    articleId: sportV1.articleId,
    version: 2,
    topics: ['Sport'],
    relevance: 0.2,
    sentiment: -0.3,
    outlet: 'Sports Daily',
  });
  await publishScored(producer!, topics.scored, [climate[1]!, sportV2]);
  // Something that is not a ScoredEvent (the dashboard dead-letters it), and a dead letter from extract.
  await producer!.send({ topic: topics.scored, messages: [{ key: 'garbage-1', value: '{"not": "a scored event"' }] });
  await producer!.send({
    topic: topics.deadletter,
    messages: [
      {
        value: encode(DeadLetter, {
          schemaVersion: 1,
          stage: 'extract',
          code: 'FETCH_TIMEOUT',
          reason: 'image download timed out',
          retriable: false,
          origin: { queue: 'extract-image', jobId: 'img/x:0' },
          payload: '{}',
          at: new Date().toISOString(),
        }),
      },
    ],
  });

  const rows = await waitFor(
    async () => {
      const { body } = await get<{ topics: TopicRow[] }>('/api/topics?window=1h');
      const c = body.topics.find((t) => t.id === 'cat:climate');
      const s = body.topics.find((t) => t.id === 'cat:sport');
      return c?.count === 3 && s?.count === 2 && s.mismatchCount === 1 ? body.topics : undefined;
    },
    60_000,
    'topics to be aggregated',
  );
  const climateRow = rows.find((t) => t.id === 'cat:climate')!;
  assert.equal(climateRow.label, 'Climate');
  assert.equal(climateRow.relevanceMean, 0.5);
  assert.equal(climateRow.mismatchShare, 0.3333);
  assert.equal(climateRow.mismatchCount, 1, 'the redelivered mismatch is not counted twice');
  assert.equal(climateRow.sentimentMean, -0.0333);
  assert.deepEqual(climateRow.sentiment, { negative: 1, neutral: 1, positive: 1 });
  const sportRow = rows.find((t) => t.id === 'cat:sport')!;
  assert.equal(sportRow.relevanceMean, 0.2, 'version 2 replaced version 1; the unscored article has no relevance');
  assert.equal(sportRow.mismatchShare, 1);
  assert.equal(sportRow.unknownCount, 1);
  assert.deepEqual(sportRow.sentiment, { negative: 1, neutral: 0, positive: 1 });

  const sorted = await get<{ topics: TopicRow[] }>('/api/topics?window=1h&sort=relevance&order=asc');
  assert.deepEqual(
    sorted.body.topics.map((t) => t.id),
    ['cat:sport', 'cat:climate'],
  );

  const sources = await get<{ sources: TopicRow[] }>('/api/sources?window=1h');
  assert.deepEqual(Object.fromEntries(sources.body.sources.map((s) => [s.label, s.count])), {
    'Northern Chronicle': 2,
    'Coastal Herald': 1,
    'Sports Daily': 2,
  });

  const series = await get<{ label: string; points: { t: number; count: number }[]; resolution: string }>(
    '/api/topics/cat%3Aclimate/series?window=1h',
  );
  assert.equal(series.status, 200);
  assert.equal(series.body.label, 'Climate');
  assert.equal(series.body.resolution, 'minute');
  assert.equal(
    series.body.points.reduce((a, p) => a + p.count, 0),
    3,
  );
  const all = await get<{ points: { count: number }[] }>('/api/topics/_all/series?window=24h');
  assert.equal(
    all.body.points.reduce((a, p) => a + p.count, 0),
    5,
  );
  assert.equal((await get('/api/topics/cat%3Anope/series')).status, 404);
  assert.equal((await get('/api/topics?window=2y')).status, 400);

  const mm = await get<{ items: { articleId: string; version: number; relevance: { images: { url: string }[]; explanation: string } }[] }>(
    '/api/mismatches?limit=10',
  );
  assert.deepEqual(
    new Set(mm.body.items.map((m) => `${m.articleId}:${m.version}`)),
    new Set([`${climate[1]!.articleId}:1`, `${sportV1.articleId}:2`]),
  );
  assert.ok(mm.body.items.every((m) => m.relevance.images.length === 2 && m.relevance.explanation.length > 0));
  const mmSport = await get<{ items: { articleId: string }[] }>('/api/mismatches?topic=cat%3Asport');
  assert.deepEqual(
    mmSport.body.items.map((m) => m.articleId),
    [sportV1.articleId],
  );

  const overview = await get<{ count: number; mismatchCount: number; endToEndSeconds: number | null }>('/api/overview?window=1h');
  assert.equal(overview.body.count, 5);
  assert.equal(overview.body.mismatchCount, 2);
  assert.ok(overview.body.endToEndSeconds !== null && overview.body.endToEndSeconds > 0);
});

test('pipeline health: queue depth per state, consumer lag, dead letters per stage and code', async () => {
  interface Health {
    sampledAt: string;
    queues: { name: string; counts: Record<string, number> }[];
    lag: { group: string; messages: number; seconds: number | null }[];
    stages: { stage: string }[];
    deadLetters: {
      total: number;
      last24h: number;
      byStageCode: { stage: string; code: string; count: number }[];
      latest: { reason: string }[];
    };
    dashboard: { consumers: Record<string, boolean>; outcomes: Record<string, number> };
  }
  const h = await waitFor(
    async () => {
      const { body } = await get<Health>('/api/health/pipeline');
      const lag = body.lag.find((l) => l.group === `${names.prefix}-dashboard`);
      return body.deadLetters.total >= 2 && lag && lag.messages === 0 ? body : undefined;
    },
    60_000,
    'dead letters to be counted and the dashboard group to catch up',
  );
  assert.deepEqual(h.queues.map((q) => q.name).sort(), ['extract-image', 'extract-text', 'fuse']);
  for (const q of h.queues)
    for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) assert.equal(typeof q.counts[state], 'number');
  const counts = Object.fromEntries(h.deadLetters.byStageCode.map((c) => [`${c.stage}|${c.code}`, c.count]));
  assert.equal(counts['extract|FETCH_TIMEOUT'], 1);
  assert.equal(counts['dashboard|EVENT_INVALID_JSON'], 1, 'the garbage message was dead-lettered by the dashboard and counted');
  assert.equal(h.deadLetters.last24h, 2);
  assert.deepEqual(
    h.stages.map((s) => s.stage),
    ['ingest', 'extract', 'extract-text', 'extract-image', 'fuse', 'score', 'dashboard', 'deadletter'],
  );
  assert.deepEqual(h.dashboard.consumers, { scored: true, deadletter: true });
  assert.ok(h.dashboard.outcomes.duplicate! >= 1);
});

test('token: 401 without it, bearer or cookie with it; ?token= on the page sets the cookie; /healthz and /metrics stay open', async () => {
  assert.equal((await get('/api/topics', {})).status, 401);
  const bad = await get<{ error: { code: string } }>('/api/topics', { authorization: 'Bearer wrong-token' });
  assert.equal(bad.status, 401);
  assert.equal(bad.body.error.code, 'AUTH_REQUIRED');
  assert.equal((await get('/queues', {})).status, 401);
  const page = await get<string>('/', { accept: 'text/html' });
  assert.equal(page.status, 401);
  assert.match(page.body, /access token/);
  assert.equal((await get('/healthz', {})).status, 200);
  assert.equal((await get('/metrics', {})).status, 200);
  assert.equal((await get('/static/app.js', {})).status, 200);
  assert.equal((await get('/static/js/tables.js', {})).status, 200);
  assert.equal((await get('/static/lib/table.js', {})).status, 200);

  const signin = await get(`/?token=${TOKEN}&window=1h`, { accept: 'text/html' });
  assert.equal(signin.status, 302);
  assert.equal(signin.headers.get('location'), '/?window=1h');
  const cookie = signin.headers.get('set-cookie') ?? '';
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const withCookie = await get<string>('/', { cookie: cookie.split(';')[0]!, accept: 'text/html' });
  assert.equal(withCookie.status, 200);
  assert.match(withCookie.body, /NewsFuse/);
  assert.match(withCookie.headers.get('content-security-policy') ?? '', /script-src 'self' 'sha256-/);
  assert.equal((await get('/vendor/chart.js/chart.js', {})).status, 200);
  assert.equal((await get('/vendor/kurkle-color.js', {})).status, 200);
});

test('Bull Board at /queues lists the three queues, read-only', async () => {
  const ui = await get<string>('/queues', auth);
  assert.equal(ui.status, 200);
  const api = await get<{ queues: { name: string; readOnlyMode: boolean }[] }>('/queues/api/queues', auth);
  assert.equal(api.status, 200);
  assert.deepEqual(api.body.queues.map((q) => q.name).sort(), ['extract-image', 'extract-text', 'fuse']);
  assert.ok(api.body.queues.every((q) => q.readOnlyMode));
  const pause = await fetch(`${dash!.url}/queues/api/queues/fuse/pause`, { method: 'PUT', headers: auth });
  assert.notEqual(pause.status, 200, 'read-only: no pausing');
});

test('SSE: a snapshot on connect, and a new one when a scored event arrives', async () => {
  const ctrl = new AbortController();
  const res = await fetch(`${dash!.url}/api/stream?window=1h`, { headers: auth, signal: ctrl.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const nextSnapshot = async (pred: (s: { topics: TopicRow[] }) => boolean) =>
    waitFor(
      async () => {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += decoder.decode(value, { stream: true });
        let found: { topics: TopicRow[] } | undefined;
        let idx: number;
        while ((idx = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          if (!block.includes('event: snapshot')) continue;
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          const snap = JSON.parse(data!.slice(6)) as { topics: TopicRow[] };
          if (pred(snap)) found = snap;
        }
        return found;
      },
      60_000,
      'an SSE snapshot',
      0,
    );
  try {
    const first = await nextSnapshot(() => true);
    assert.ok(first.topics.some((t) => t.id === 'cat:climate'));
    await publishScored(producer!, topics.scored, [scoredEvent({ topics: ['Live Update'], relevance: 0.05, sentiment: -0.2 })]);
    const next = await nextSnapshot((s) => s.topics.some((t) => t.id === 'cat:live-update'));
    assert.equal(next.topics.find((t) => t.id === 'cat:live-update')!.count, 1);
  } finally {
    ctrl.abort();
    await reader.cancel().catch(() => undefined);
  }
});

/** A strict-enough reader of the Prometheus text exposition format (what prom-client writes). */
function parsePrometheus(text: string): Map<string, { type?: string; samples: { labels: Record<string, string>; value: number }[] }> {
  const families = new Map<string, { type?: string; samples: { labels: Record<string, string>; value: number }[] }>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { samples: [] }));
    return f;
  };
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)(?: -?\d+)?$/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    if (line.startsWith('# HELP ')) return void family(line.split(' ')[2]!);
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      assert.match(type ?? '', /^(counter|gauge|histogram|summary|untyped)$/, `line ${i + 1}: ${line}`);
      family(name!).type = type;
      return;
    }
    if (line.startsWith('#')) return;
    const m = sample.exec(line);
    assert.ok(m, `line ${i + 1} is not a sample: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      label.lastIndex = 0;
      let consumed = 0;
      let lm: RegExpExecArray | null;
      while ((lm = label.exec(m[2])) !== null) {
        labels[lm[1]!] = lm[2]!;
        consumed = label.lastIndex;
      }
      assert.equal(consumed, m[2].length, `line ${i + 1}: bad labels ${m[2]}`);
    }
    const name = m[1]!.replace(/_(bucket|sum|count)$/, '');
    const f = families.has(m[1]!) ? family(m[1]!) : family(name);
    f.samples.push({ labels, value: Number(m[3]) });
  });
  return families;
}

test('/metrics parses as Prometheus text and carries the dashboard series', async () => {
  const res = await fetch(`${dash!.url}/metrics`);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const families = parsePrometheus(await res.text());
  const expect: Record<string, string> = {
    newsfuse_dashboard_events_total: 'counter',
    newsfuse_dashboard_mismatch_articles_total: 'counter',
    newsfuse_dashboard_dead_letters_seen_total: 'counter',
    newsfuse_dashboard_sse_clients: 'gauge',
    newsfuse_dashboard_snapshot_seconds: 'histogram',
    newsfuse_dashboard_health_sample_seconds: 'histogram',
    newsfuse_pipeline_end_to_end_seconds: 'histogram',
    newsfuse_consumer_group_lag_messages: 'gauge',
    newsfuse_consumer_group_lag_seconds: 'gauge',
    newsfuse_consumer_lag_seconds: 'gauge',
    newsfuse_queue_jobs: 'gauge',
    newsfuse_messages_total: 'counter',
    newsfuse_stage_duration_seconds: 'histogram',
  };
  for (const [name, type] of Object.entries(expect)) {
    assert.equal(families.get(name)?.type, type, `${name} is a ${type}`);
    assert.ok((families.get(name)?.samples.length ?? 0) > 0, `${name} has samples`);
  }
  for (const name of families.keys()) assert.ok(name.startsWith('newsfuse_'), `${name} carries the prefix`);
  const events = families.get('newsfuse_dashboard_events_total')!.samples;
  assert.ok(events.find((s) => s.labels.outcome === 'applied')!.value >= 6);
  assert.ok(events.find((s) => s.labels.outcome === 'duplicate')!.value >= 1);
  const dl = families.get('newsfuse_dashboard_dead_letters_seen_total')!.samples;
  assert.ok(dl.some((s) => s.labels.stage === 'extract' && s.labels.code === 'FETCH_TIMEOUT' && s.value === 1));
  const queueStates = new Set(families.get('newsfuse_queue_jobs')!.samples.map((s) => `${s.labels.queue}/${s.labels.state}`));
  assert.ok(queueStates.has('fuse/waiting') && queueStates.has('extract-image/failed'));
  const lag = families.get('newsfuse_consumer_group_lag_seconds')!.samples;
  assert.ok(lag.some((s) => s.labels.group === `${names.prefix}-dashboard`));
});
