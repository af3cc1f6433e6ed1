import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuSimd, machineCpu } from './procs.ts';
import { renderTargets, sharedCpuLimit, type BenchResult, type E2eRow } from './report.ts';

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

test('cpuSimd: the vector instruction sets that decide a model run’s cost, from /proc/cpuinfo', () => {
  const info = (flags: string) => `processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse sse2 ${flags}\n\nprocessor\t: 1\n`;
  assert.equal(cpuSimd(info('avx avx2 fma')), 'AVX2, no VNNI');
  assert.equal(cpuSimd(info('avx avx2 avx512f avx512bw avx512_vnni')), 'AVX-512, VNNI');
  assert.equal(cpuSimd(info('avx avx2 avx_vnni')), 'AVX2, VNNI');
  assert.equal(cpuSimd(info('avx avx2 avx512f amx_int8 avx512_vnni')), 'AVX-512, VNNI, AMX');
  assert.equal(cpuSimd('model name : something\n'), '?');
  assert.match(cpuSimd(), /^(\?$|(SSE|AVX|AVX2|AVX-512), )/, 'this machine’s own line reads');
});

test('renderTargets: the text-only mix run end to end in rounds gets its own same-run ratio, the median of the rounds’', () => {
  const aloneRun = (articlesPerS: number, cpuSPerArticle: number) => ({
    articlesPerS,
    cpuSPerArticle,
    peakRssMb: 900,
    failures: 0,
    wallS: 10,
  });
  const rate = (kind: 'text' | 'img1', a: number, b: number) => ({
    a: row({ kind, articlesPerS: a }),
    b: row({ kind, articlesPerS: b }),
  });
  const engines = {
    list: ['a', 'b'],
    variants: {},
    imageModels: [],
    alone: { a: { img1: aloneRun(10, 0.1), img3: aloneRun(4, 0.3) }, b: { img1: aloneRun(10, 0.1), img3: aloneRun(4, 0.3) } },
    e2e: { a: [row({ kind: 'img1', articlesPerS: 5 })], b: [row({ kind: 'img1', articlesPerS: 5 })] },
    e2eRounds: [rate('img1', 5, 5), rate('img1', 5, 5)],
    e2eRoundsOther: { text: [rate('text', 12, 10), rate('text', 11, 10), rate('text', 13, 10)] },
    peakRssMb: { a: { extract: 900 }, b: { extract: 1000 } },
  } as unknown as NonNullable<BenchResult['engines']>;
  const out = renderTargets({ machine: { cores: 2, loadAtStart: 1 } } as unknown as BenchResult, engines);
  assert.match(
    out,
    /a vs b: .*end-to-end 1-image articles\/s 1\.00× .*end-to-end text-only articles\/s 1\.20× \(rounds: 1\.20×, 1\.10×, 1\.30×\)/,
  );
  assert.match(out, /End to end, 1-image articles and text-only articles at the maximum rate ran in 3 more rounds/);
  // without those rounds the paragraph says nothing of text-only
  const plain = renderTargets({ machine: { cores: 2, loadAtStart: 1 } } as unknown as BenchResult, {
    ...engines,
    e2eRoundsOther: undefined,
  });
  assert.doesNotMatch(plain, /text-only/);
  assert.match(plain, /End to end, 1-image articles at the maximum rate ran in 2 more rounds/);
});
