import assert from 'node:assert/strict';
import { test } from 'node:test';
import { machineCpu } from './procs.ts';
import { sharedCpuLimit, type BenchResult, type E2eRow } from './report.ts';

const row = (extra: Partial<E2eRow> = {}): E2eRow => ({
  kind: 'text',
  mode: 'max',
  extracts: 1,
  articles: 400,
  images: 0,
  offeredPerS: 100,
  articlesPerS: 40,
  p50Ms: 1,
  p95Ms: 2,
  p99Ms: 3,
  maxMs: 4,
  // 2 + 17 + 3 + 4 + 3 + 3.5 + 2 ms; extract's own is not in the limit (its work alone is)
  cpuSPerArticle: { ingest: 0.002, extract: 0.017, fuse: 0.003, score: 0.004, dashboard: 0.003, kafka: 0.0035, redis: 0.002 },
  ...extra,
});

const result = (e2e: E2eRow[]): BenchResult =>
  ({
    machine: { cores: 2 },
    alone: { text: { articles: 200, articlesPerS: 90, cpuSPerArticle: 0.011, peakRssMb: 460, failures: 0, wallS: 2.2 } },
    e2e,
  }) as unknown as BenchResult;

test('sharedCpuLimit: cores ÷ (extract alone + the other processes + the load driver), per article', () => {
  // 11 + 2 + 3 + 4 + 3 + 3.5 + 2 = 28.5 ms → 2 / 0.0285
  assert.ok(Math.abs(sharedCpuLimit(result([row()]), 'text')! - 2 / 0.0285) < 1e-9);
  // the driver's 3 ms count too: 31.5 ms
  assert.ok(Math.abs(sharedCpuLimit(result([row({ driverCpuSPerArticle: 0.003 })]), 'text')! - 2 / 0.0315) < 1e-9);
  // the half-rate run and a two-extract run are not the limit's
  assert.equal(sharedCpuLimit(result([row({ mode: 'half' }), row({ extracts: 2 })]), 'text'), undefined);
  assert.equal(sharedCpuLimit(result([row()]), 'img1'), undefined);
});

test('machineCpu: busy within total, both growing while a core spins', () => {
  const a = machineCpu();
  assert.ok(a.busyS > 0 && a.busyS <= a.totalS);
  const until = Date.now() + 150;
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  const b = machineCpu();
  assert.ok(b.totalS > a.totalS, 'the clock moved');
  assert.ok(b.busyS - a.busyS >= 0.05, `150 ms of spinning counted as busy (${(b.busyS - a.busyS).toFixed(2)} s)`);
  assert.ok(b.busyS - a.busyS <= b.totalS - a.totalS);
});
