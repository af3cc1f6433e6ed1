import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterRate, OffsetHistory } from './lag.ts';
import { createHealthModel, defaultStages } from './health.ts';

test('lagSeconds interpolates when the committed offset was the end offset', () => {
  const h = new OffsetHistory();
  h.record('t', 0, 0, 0);
  h.record('t', 0, 100, 10_000);
  h.record('t', 0, 200, 20_000);
  assert.deepEqual(h.lagSeconds('t', 0, 200, 25_000), { seconds: 0, atLeast: false });
  // Offset 149 was written between 10 s and 20 s, at about 15 s.
  const est = h.lagSeconds('t', 0, 149, 25_000)!;
  assert.equal(est.atLeast, false);
  assert.ok(Math.abs(est.seconds - 10) < 0.01, String(est.seconds));
  assert.equal(h.lagSeconds('t', 1, 0, 25_000), null);
});

test('lagSeconds is a lower bound when the backlog is older than the history', () => {
  const h = new OffsetHistory();
  h.record('t', 0, 500, 1_000);
  h.record('t', 0, 600, 2_000);
  assert.deepEqual(h.lagSeconds('t', 0, 10, 4_000), { seconds: 3, atLeast: true });
});

test('flat runs keep only their first and last sample; rate is messages per second', () => {
  const h = new OffsetHistory();
  for (let i = 0; i <= 10; i++) h.record('t', 0, 50, i * 1000);
  assert.equal(h.samples('t', 0).length, 2);
  h.record('t', 0, 150, 20_000);
  h.record('t', 1, 0, 0);
  h.record('t', 1, 100, 20_000);
  assert.equal(h.rate('t', [0, 1], 60_000, 20_000), 10);
  // Lag against a flat run: offset 50 appeared after the run ended (10 s), before 20 s.
  const est = h.lagSeconds('t', 0, 50, 20_000)!;
  assert.ok(est.seconds > 9 && est.seconds < 10.01, String(est.seconds));
});

test('CounterRate over a sliding window, reset when the counter goes back', () => {
  const r = new CounterRate(10_000);
  assert.equal(r.rate(), null);
  r.record(0, 0);
  r.record(50, 5_000);
  assert.equal(r.rate(), 10);
  r.record(60, 20_000);
  assert.equal(r.rate(), (60 - 50) / 15);
  r.record(5, 21_000);
  assert.equal(r.rate(), null);
});

test('health model: stage rates, lag per group and queue rows from samples', () => {
  const stages = defaultStages('nf', { text: 'extract-text', image: 'extract-image', fuse: 'fuse' });
  const m = createHealthModel(stages);
  const topics = (scored: number, articles: number) => [
    { key: 'articles' as const, topic: 'a', partitions: [{ partition: 0, high: articles, low: 0 }] },
    { key: 'fused' as const, topic: 'f', error: 'This server does not host this topic-partition' },
    { key: 'scored' as const, topic: 's', partitions: [{ partition: 0, high: scored, low: 0 }] },
  ];
  m.record({
    at: 0,
    topics: topics(0, 0),
    groups: [{ group: 'nf-dashboard', topicKey: 'scored', offsets: [{ partition: 0, offset: -1 }] }],
    queues: [{ name: 'fuse', counts: { waiting: 3, active: 1 }, completedTotal: 0 }],
    dashboardEvents: 0,
  });
  m.record({
    at: 10_000,
    topics: topics(100, 40),
    groups: [{ group: 'nf-dashboard', topicKey: 'scored', offsets: [{ partition: 0, offset: 60 }] }],
    queues: [{ name: 'fuse', counts: { waiting: 2 } }],
    dashboardEvents: 60,
  });
  const v = m.view({ total: 0, last24h: 0, byStageCode: [], byStageCode24h: [], latest: [] });
  const stage = (s: string) => v.stages.find((x) => x.stage === s)!;
  assert.equal(stage('ingest').ratePerSecond, 4);
  assert.equal(stage('score').ratePerSecond, 10);
  assert.equal(stage('fuse').ratePerSecond, null);
  assert.equal(stage('dashboard').ratePerSecond, 6);
  const lag = stage('dashboard').lag!;
  assert.equal(lag.messages, 40);
  assert.ok(lag.seconds !== null && lag.seconds > 0);
  assert.equal(v.queues[0]!.counts.waiting, 2);
  assert.equal(v.queues[0]!.counts.failed, 0);
  assert.ok(v.errors.some((e) => e.includes('topic f')));
  assert.equal(v.history.length, 2);
});
