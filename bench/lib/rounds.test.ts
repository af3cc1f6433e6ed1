import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AloneResult } from './report.ts';
import {
  imageCpuMs,
  imagesPerS,
  medianOfRounds,
  medianOver,
  medianRun,
  roundOrder,
  roundRatios,
  type AloneRound as Round,
} from './rounds.ts';

type AloneRound = Round<AloneResult>;

const run = (cpuSPerArticle: number, articlesPerS: number, peakRssMb = 900, extra: Partial<AloneResult> = {}): AloneResult => ({
  articles: 60,
  articlesPerS,
  cpuSPerArticle,
  peakRssMb,
  failures: 0,
  wallS: 60 / articlesPerS,
  ...extra,
});

test('roundOrder: the designs as given, then reversed, alternating', () => {
  assert.deepEqual(roundOrder(['host', 'tfjs'], 0), ['host', 'tfjs']);
  assert.deepEqual(roundOrder(['host', 'tfjs'], 1), ['tfjs', 'host']);
  assert.deepEqual(roundOrder(['a', 'b', 'c'], 2), ['a', 'b', 'c']);
  assert.deepEqual(roundOrder(['a', 'b', 'c'], 3), ['c', 'b', 'a']);
});

test('medianRun: each figure its own median, failures added up, counts from the run nearest the median CPU', () => {
  const m = medianRun([
    run(0.3, 5, 1000, { articles: 1 }),
    run(0.1, 9, 800, { articles: 2, failures: 1 }),
    run(0.2, 4, 1200, { articles: 3, failures: 2 }),
  ]);
  assert.equal(m.cpuSPerArticle, 0.2);
  assert.equal(m.articlesPerS, 5);
  assert.equal(m.peakRssMb, 1000);
  assert.equal(m.failures, 3);
  assert.equal(m.articles, 3, 'the counted fields come from the run whose CPU is the median');
  assert.deepEqual(medianRun([run(0.2, 4)]), run(0.2, 4), 'one round is that round');
  assert.throws(() => medianRun([]), /no runs/);
});

test('medianOfRounds: per design and mix over the rounds that have it', () => {
  const rounds: AloneRound[] = [
    { host: { img1: run(0.2, 9), img3: run(0.5, 4) }, tfjs: { img1: run(0.4, 5) } },
    { host: { img1: run(0.18, 10), img3: run(0.44, 4.2) }, tfjs: { img1: run(0.38, 5.2) } },
    { host: { img1: run(0.22, 8) }, tfjs: { img1: run(0.5, 4) } },
  ];
  const m = medianOfRounds(rounds);
  assert.equal(m.host!.img1!.cpuSPerArticle, 0.2);
  assert.equal(m.host!.img3!.cpuSPerArticle, (0.5 + 0.44) / 2, 'two rounds have it: the mean of the two');
  assert.equal(m.tfjs!.img1!.articlesPerS, 5);
  assert.equal(m.tfjs!.img3, undefined);
});

test('roundRatios: a ratio per round where both designs have the measure, and their median', () => {
  const rounds: AloneRound[] = [
    { host: { img1: run(0.2, 9), img3: run(0.44, 4) }, tfjs: { img1: run(0.4, 5), img3: run(1.0, 2) } },
    { host: { img1: run(0.2, 9), img3: run(0.5, 4) }, tfjs: { img1: run(0.4, 5), img3: run(0.9, 2.5) } },
    { host: { img1: run(0.2, 9) }, tfjs: { img1: run(0.4, 5), img3: run(0.9, 2) } },
  ];
  assert.ok(Math.abs(imageCpuMs(rounds[0]!, 'host')! - 120) < 1e-9);
  assert.equal(imageCpuMs(rounds[2]!, 'host'), undefined);
  assert.equal(imagesPerS(rounds[1]!, 'tfjs'), 7.5);
  const cpu = roundRatios(rounds, 'host', 'tfjs', imageCpuMs);
  assert.equal(cpu.ratios.length, 2, 'the third round has no 3-image run of host');
  assert.ok(Math.abs(cpu.ratios[0]! - 120 / 300) < 1e-9);
  assert.ok(Math.abs(cpu.ratios[1]! - 150 / 250) < 1e-9);
  assert.ok(Math.abs(cpu.median! - (0.4 + 0.6) / 2) < 1e-9);
  assert.deepEqual(roundRatios(rounds, 'host', 'none', imagesPerS), { ratios: [], median: undefined });
});

test('medianOver: the median of a measure over the rounds that have it', () => {
  const rounds: AloneRound[] = [{ host: { img1: run(0.2, 9) } }, { host: { img1: run(0.2, 12) } }, { tfjs: { img1: run(0.4, 5) } }];
  const rate = (r: AloneRound, d: string) => r[d]?.img1?.articlesPerS;
  assert.equal(medianOver(rounds, rate, 'host'), 10.5);
  assert.equal(medianOver(rounds, rate, 'tfjs'), 5);
  assert.equal(medianOver(rounds, rate, 'none'), undefined);
});
