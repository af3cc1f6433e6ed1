/**
 * docs/benchmarks.md and docs/benchmarks.svg from one benchmark result. The part of
 * docs/benchmarks.md below the NOTES marker is hand-written (profiles, before/after figures) and kept
 * as it is when the tables are regenerated.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as prettier from 'prettier';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { KINDS, KIND_ADJECTIVE, KIND_LABEL, type Kind } from './workload.ts';
import type { FlowRaw, KafkaRaw } from './transport.ts';
import { BROKER_KINDS } from './procs.ts';
import type { ImageModelRow, MatmulPeak } from '../models-image.ts';
import { imageCpuMs, imagesPerS as imagesPerSOf, medianOver, roundRatios, type AloneRound } from './rounds.ts';

export interface E2eRow {
  kind: Kind;
  mode: 'max' | 'half';
  extracts: number;
  articles: number;
  images: number;
  offeredPerS: number;
  articlesPerS: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuSPerArticle: Record<string, number>;
  /**
   * The benchmark's own process (the load driver: its pushes to ingest, the photo server, the scored-events
   * consumer), CPU seconds per article over the same window. Absent in runs before 2026-12-05.
   */
  driverCpuSPerArticle?: number;
  /** The share of the machine's cores busy over the run's window (/proc/stat: everyone's CPU, the kernel's too). */
  machineBusy?: number;
  /**
   * The one extract process's main thread, CPU seconds per article (/proc/<pid>/task/<pid>/schedstat): its
   * Kafka intake, BullMQ's flows and workers, the Redis client; the rest of extract's CPU is its worker
   * threads' (the work alone measures) and V8's and Node's helpers. Absent in runs before 2026-12-05.
   */
  extractMainCpuSPerArticle?: number;
  /**
   * The one extract process's threads, ms per article, the busiest first (`main`, `#1`, `#2`, …, `others`:
   * bench/lib/procs.ts busiestThreads): on a CPU and waiting for one, beside the run's wall time per article
   * (from the first push to the last scored). Absent in runs before 2026-12-05 08:00 UTC.
   */
  extractThreads?: { cpu: Record<string, number>; queued: Record<string, number>; wallMs: number };
  /**
   * The Kafka broker's CPU ms per article by what its threads do (bench/lib/procs.ts brokerThreadKind: the JIT
   * compilers, request handling, the group coordinator, garbage collection, the rest), when it runs on this
   * machine. Absent in runs before 2026-12-05 08:00 UTC.
   */
  brokerCpuMsPerArticle?: Record<string, number>;
}

/** Text jobs of a measured run per language the router chose, with the embedding dimension seen. */
export type LanguageCounts = Record<string, { articles: number; dim: number }>;

/** One "extract work alone" run (bench/lib/alone.ts prints it as its last line). */
export interface AloneResult {
  articles: number;
  articlesPerS: number;
  cpuSPerArticle: number;
  peakRssMb: number;
  failures: number;
  wallS: number;
  /** Text jobs of the measured run per language the router chose, with their embedding dimension. */
  languages?: LanguageCounts;
  modelHost?: {
    threads: number;
    requests: number;
    runs: number;
    batchedRequests: number;
    maxQueued: number;
    perModel: Record<string, { runs: number; msPerRun: number }>;
  };
  /** The measured run's CPU per article by thread (bench/lib/alone.ts --threads-cpu); absent in runs before 2026-12-05 08:00 UTC. */
  threadsCpuMsPerArticle?: Record<string, number>;
  /** The same threads' time runnable but waiting for a CPU, ms per article (the run queue). */
  threadsQueuedMsPerArticle?: Record<string, number>;
}

export interface BenchResult {
  at: string;
  command: string;
  machine: { cores: number; cpu: string; simd?: string; memGb: number; node: string; loadAtStart: number; loadAtEnd?: number };
  workload: { texts: string; photos: string; meanPhotoKb: number; sizes: Record<string, number> };
  settings: Record<string, number>;
  models: Array<{ model: string; threads: string; perS: number; unit: string; loadMs: number; peakRssMb: number }>;
  alone: Partial<Record<Kind, AloneResult>>;
  transport: { kafka: KafkaRaw[]; flows: FlowRaw[] };
  e2e: E2eRow[];
  peakRssMb: Record<string, number>;
  peakRssMb2?: Record<string, number>;
  /**
   * Extract alone with English and Chinese articles (every other one Chinese), so both sentence spaces
   * (MiniLM and bge-small-zh) are loaded: `--skip languages` leaves it out.
   */
  languages?: LanguagesRun;
  /** The same languages run for the other variants of the run, in order. */
  languagesOther?: LanguagesRun[];
  /** Old and new model engine side by side (MODEL_ENGINE; `--engine both`), the default engine first. */
  engines?: {
    list: string[];
    /** What each entry of `list` sets (MODEL_ENGINE, EXTRACT_MODEL_HOST); absent in runs before the model host. */
    variants?: Record<string, Record<string, string>>;
    imageModels: ImageModelRow[];
    peak?: MatmulPeak;
    /** Per design and mix: extract alone, the median over `aloneRounds` when there are several. */
    alone: AloneRound<AloneResult>;
    /** `--rounds N` > 1: each round's runs, the designs' order reversed every round (bench/lib/rounds.ts). */
    aloneRounds?: AloneRound<AloneResult>[];
    e2e: Record<string, E2eRow[]>;
    /** `--rounds N` > 1: 1-image articles at the maximum rate, each design's pipeline fed in turn, the order reversed every round. */
    e2eRounds?: Array<Record<string, E2eRow>>;
    /** `--round-kinds` beyond 1 image (e.g. text-only): the same rounds for those mixes (runs before 2026-12-05 have none). */
    e2eRoundsOther?: Partial<Record<Kind, Array<Record<string, E2eRow>>>>;
    peakRssMb: Record<string, Record<string, number>>;
    /** Per design, per service: start-up to ready (runs before 2026-12-03 have none). */
    startup?: Record<string, Record<string, StartupRow>>;
  };
  failedImages?: number;
  deadLetters?: number;
  redis:
    | {
        articles: number;
        retainedMb: number;
        retainedKeys: number;
        afterCleanMb: number;
        afterCleanKeys: number;
        usedMemoryBeforeMb: number;
        usedMemoryAfterMb: number;
      }
    | undefined;
}

/** A service's start-up in the end-to-end pipeline: spawn → /healthz ready (wall s), and its CPU seconds and RSS then. */
export interface StartupRow {
  readyS: number;
  cpuS: number;
  rssMb: number;
}

export interface LanguagesRun {
  /** The design it ran with (the first of --variants). */
  variant: string;
  kind: Kind;
  articles: number;
  articlesPerS: number;
  cpuSPerArticle: number;
  peakRssMb: number;
  failures: number;
  /** Text jobs of the measured run per language the router chose, with their embedding dimension. */
  languages: LanguageCounts;
}

/** Extract alone, English only against English + Chinese: what the second embedder costs in RSS. */
export function renderLanguages(r: BenchResult, l: LanguagesRun): string {
  // run.ts fills r.alone and r.engines.alone[first variant] together, and the languages run is always on the first variant
  const english = r.engines?.alone[l.variant]?.[l.kind];
  const mix = Object.entries(l.languages)
    .map(([code, v]) => `${v.articles} ${code} (${v.dim}-d)`)
    .join(', ');
  return [
    '### Extract with both embedders loaded (English + Chinese)',
    `Extract alone (bench/lib/alone.ts --languages en,zh, design ${l.variant}, ${KIND_LABEL[l.kind]}): every other article is one of the ` +
      `demo's Chinese articles, so each text thread loads MiniLM and bge-small-zh (the language router loads a language's models on ` +
      `its first article). Text jobs in the measured run: ${mix || 'none'}; failures: ${l.failures}.`,
    table(
      ['articles', 'articles/s', 'CPU s / article', 'peak RSS'],
      [
        ...(english ? [['English only', f(english.articlesPerS, 2), f(english.cpuSPerArticle, 3), `${f(english.peakRssMb, 0)} MB`]] : []),
        ['English + Chinese', f(l.articlesPerS, 2), f(l.cpuSPerArticle, 3), `${f(l.peakRssMb, 0)} MB ${ok(l.peakRssMb <= TARGETS.rssMb)}`],
        ...(r.languagesOther ?? []).map((o) => [
          `English + Chinese, design ${o.variant}`,
          f(o.articlesPerS, 2),
          f(o.cpuSPerArticle, 3),
          `${f(o.peakRssMb, 0)} MB ${ok(o.peakRssMb <= TARGETS.rssMb)}`,
        ]),
      ],
    ),
  ].join('\n\n');
}

export const TARGETS = { ofLimit: 0.8, goal: 0.9, p95HalfMs: 2000, rssMb: 400 };
const NOTES = '<!-- notes: everything below is hand-written and kept when the tables are regenerated -->';

const f = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const ms = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? '–' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`;
const ok = (pass: boolean) => (pass ? '✅' : '❌');

export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((s, x) => s + x, 0);

/** The one-extract max-rate run of a mix. */
const maxRunOf = (r: BenchResult, kind: Kind) => r.e2e.find((e) => e.kind === kind && e.mode === 'max' && e.extracts === 1);

/** Capacity of a single-threaded stage: 1 / its CPU seconds per article (an upper bound). */
function stageLimits(r: BenchResult, kind: Kind) {
  const max = maxRunOf(r, kind);
  const limits: Record<string, number> = {};
  const a = r.alone[kind];
  if (a) limits['extract (work alone)'] = a.articlesPerS;
  if (max)
    for (const s of ['ingest', 'fuse', 'score', 'dashboard']) {
      const c = max.cpuSPerArticle[s];
      if (c && c > 0) limits[s] = 1 / c;
    }
  const slowest = Object.entries(limits).sort((x, y) => x[1] - y[1])[0];
  return { limits, slowest };
}

/**
 * The CPU limit, once the other processes' CPU is counted: the machine's cores ÷ the CPU seconds an article
 * needs — extract's work alone, plus what ingest, fuse, score, the dashboard, the broker, Redis and the
 * load driver (this benchmark's own process: its pushes, the photo server, its consumer of scored
 * events; counted since 2026-12-05) spent per article in the max-rate run (they take it from the same
 * cores). What extract spends in the pipeline beyond its work alone (Kafka intake, BullMQ flows,
 * hand-offs) is not in it: that is overhead the pipeline is measured against.
 */
export function sharedCpuLimit(r: BenchResult, kind: Kind): number | undefined {
  const max = maxRunOf(r, kind);
  const a = r.alone[kind];
  if (!max || !a) return undefined;
  const others = ['ingest', 'fuse', 'score', 'dashboard', 'kafka', 'redis'].reduce((t, s) => t + (max.cpuSPerArticle[s] ?? 0), 0);
  return r.machine.cores / (a.cpuSPerArticle + others + (max.driverCpuSPerArticle ?? 0));
}

/** Old and new engine in the same run: per model, the image analyzer, extract alone and end to end. */
export function renderEngines(r: BenchResult, e: NonNullable<BenchResult['engines']>): string {
  const engs = e.variants ? [...new Set(e.imageModels.map((m) => m.engine))] : e.list;
  const [base, other] = [engs[0]!, engs[1]!];
  const out: string[] = [
    e.variants
      ? `### Designs side by side (same run): ${e.list
          .map(
            (x) =>
              `**${x}** (${Object.entries(e.variants![x] ?? {})
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')})`,
          )
          .join(', ')}`
      : `### Model engines side by side (MODEL_ENGINE=${e.list.join(' vs ')}, same run)`,
  ];
  const fewest = Math.min(...e.imageModels.map((m) => m.threads));
  if (e.peak)
    out.push(
      `Peak: a float32 ${e.peak.n}² MatMul on onnxruntime measured in this run: ${f(e.peak.perCoreGflops, 1)} GFLOP/s per core ` +
        `(1 thread, per CPU second), ${f(e.peak.machineGflops, 1)} GFLOP/s with ${e.peak.machineThreads} threads (wall). ` +
        `"of peak" = the model's FLOPs per input ÷ its CPU seconds per input ÷ one core's peak. Bare graphs: the model alone on a prepared ` +
        `input (emotion: one face crop); detector/faces: with their pre/post-processing; ${fewest} worker process(es), 1 intra-op thread each.`,
    );
  // one row per model and engine: the fewest workers measured
  const one = e.imageModels.filter((m) => m.threads === fewest && m.model !== 'ocr');
  const models = [...new Set(one.map((m) => m.model))];
  if (models.length)
    out.push(
      table(
        ['model', 'GFLOP / input', ...engs.flatMap((x) => [`${x}: CPU ms / input`, `${x}: of peak`]), `${base} ÷ ${other} CPU`],
        models.map((m) => {
          const row = (x: string) => one.find((o) => o.model === m && o.engine === x);
          const [a, b] = [row(base), row(other)];
          return [
            m,
            a?.gflops === undefined ? '–' : f(a.gflops, 3),
            ...engs.flatMap((x) => {
              const o = row(x);
              return [f(o?.cpuMsPerImage, 1), o?.shareOfPeak === undefined ? '–' : `${f(o.shareOfPeak * 100, 0)} %`];
            }),
            a && b ? f(a.cpuMsPerImage / b.cpuMsPerImage, 2) : '–',
          ];
        }),
      ),
    );
  const analyzer = e.imageModels.filter((m) => m.model === 'analyzer');
  if (analyzer.length)
    out.push(
      table(
        ['image analyzer (decode + detector + OCR + faces + descriptors)', 'workers', 'images/s', 'CPU ms / image', 'peak RSS'],
        analyzer.map((m) => [m.engine, m.mode, f(1000 / m.msPerImage, 2), f(m.cpuMsPerImage, 0), `${f(m.peakRssMb, 0)} MB`]),
      ),
    );
  const kinds = KINDS.filter((k) => e.list.some((x) => e.alone[x]?.[k] || e.e2e[x]?.some((row) => row.kind === k)));
  if (kinds.length)
    out.push(
      table(
        [
          'articles',
          e.variants ? 'design' : 'engine',
          'extract alone: articles/s',
          'CPU s / article',
          'peak RSS',
          'end to end, max rate',
          'extract CPU s / article (end to end)',
          'p95 at half rate',
        ],
        kinds.flatMap((k) =>
          e.list.map((x) => {
            const a = e.alone[x]?.[k];
            const max = e.e2e[x]?.find((row) => row.kind === k && row.mode === 'max');
            const half = e.e2e[x]?.find((row) => row.kind === k && row.mode === 'half');
            return [
              KIND_LABEL[k],
              x,
              f(a?.articlesPerS, 2),
              f(a?.cpuSPerArticle, 3),
              a ? `${f(a.peakRssMb, 0)} MB` : '–',
              max ? `${f(max.articlesPerS, 2)}/s` : '–',
              f(max?.cpuSPerArticle.extract, 3),
              half ? ms(half.p95Ms) : '–',
            ];
          }),
        ),
      ),
    );
  const rss = e.list.filter((x) => e.peakRssMb[x]?.extract !== undefined);
  if (rss.length)
    out.push(
      `Extract service peak RSS over its end-to-end runs: ${rss.map((x) => `${x} ${f(e.peakRssMb[x]!.extract, 0)} MB`).join(', ')} ` +
        (e.variants
          ? `(IMAGE_CONCURRENCY=${r.settings.IMAGE_CONCURRENCY} image threads; with the host one copy of every model, otherwise one per thread).`
          : `(IMAGE_CONCURRENCY=${r.settings.IMAGE_CONCURRENCY} image threads, each with its own models).`),
    );
  const perService = e.list.filter((x) => e.peakRssMb[x]);
  if (perService.length > 1) {
    const services = [...new Set(perService.flatMap((x) => Object.keys(e.peakRssMb[x]!)))];
    const su = (x: string, s: string) => e.startup?.[x]?.[s];
    out.push(
      `Per service and design: peak RSS (VmHWM) over the end-to-end runs, and start-up — CPU seconds and RSS when /healthz first ` +
        `said ready, and seconds from spawn to then (extract starts alone, the other four together; polled every 250 ms).`,
      table(
        ['service', ...perService.flatMap((x) => [`${x}: peak RSS`, `${x}: CPU s to ready`, `${x}: RSS at ready`, `${x}: s to ready`])],
        services.map((s) => [
          s,
          ...perService.flatMap((x) => {
            const peak = e.peakRssMb[x]![s];
            const st = su(x, s);
            return [peak === undefined ? '–' : `${f(peak, 0)} MB`, f(st?.cpuS, 2), st ? `${f(st.rssMb, 0)} MB` : '–', f(st?.readyS, 1)];
          }),
        ]),
      ),
    );
  }
  const hosted = e.list.map((x) => [x, e.alone[x]?.img3?.modelHost ?? e.alone[x]?.img1?.modelHost] as const).find(([, h]) => h);
  if (hosted) {
    const [x, h] = hosted;
    out.push(
      `Model host (${x}, extract alone, ${e.alone[x]?.img3?.modelHost ? '3 images' : '1 image'} per article): ${h!.requests} requests in ${h!.runs} runs ` +
        `(${h!.batchedRequests} requests batched), at most ${h!.maxQueued} in the host at once; ${h!.threads} intra-op threads per session.`,
      table(
        ['model (in the host)', 'runs', 'wall ms / run'],
        Object.entries(h!.perModel)
          .sort((a, b) => b[1].runs * b[1].msPerRun - a[1].runs * a[1].msPerRun)
          .map(([m, v]) => [m, String(v.runs), f(v.msPerRun, 1)]),
      ),
    );
  }
  if (e.variants) out.push(renderTargets(r, e));
  return out.join('\n\n');
}

/** The issue's targets, as same-run ratios of the first design (the new default) to the others. */
export function renderTargets(r: BenchResult, e: NonNullable<BenchResult['engines']>): string {
  const [now, ...others] = e.list;
  // Extract alone: its rounds, or the one run as a single round. CPU per image is (3-image article −
  // 1-image article) / 2 (the text side cancels); each figure the median of the rounds' own (a round's runs
  // are minutes apart, under the same load), each ratio the median of the rounds' ratios.
  const rounds = e.aloneRounds ?? [];
  const alone = rounds.length > 1 ? rounds : [e.alone];
  const perImage = (x: string) => medianOver(alone, imageCpuMs, x);
  const imagesPerS = (x: string) => medianOver(alone, imagesPerSOf, x);
  // End to end, 1-image articles at the maximum rate: the rounds when there are some, else the mixes' run.
  const e2eRounds = e.e2eRounds ?? [];
  const e2eRate = (round: Record<string, E2eRow>, x: string) => round[x]?.articlesPerS;
  const single = (x: string) => e.e2e[x]?.find((row) => row.kind === 'img1' && row.mode === 'max')?.articlesPerS;
  const e2e1 = (x: string) => (e2eRounds.length > 1 ? medianOver(e2eRounds, e2eRate, x) : single(x));
  // the other mixes run end to end in rounds (`--round-kinds`), then every mix that was (1 image first)
  const otherRounds = (Object.entries(e.e2eRoundsOther ?? {}) as [Kind, Array<Record<string, E2eRow>>][]).filter(([, rs]) => rs.length > 1);
  const roundMixes: Kind[] = [...(e2eRounds.length > 1 ? (['img1'] as Kind[]) : []), ...otherRounds.map(([k]) => k)];
  const roundCount = Math.max(e2eRounds.length, ...otherRounds.map(([, rs]) => rs.length));
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined && b > 0 ? f(a / b, 2) : '–');
  /** now ÷ `o` over rounds: the median ratio, and each round's (and `also`) after it when there are several. */
  const overRounds = <R>(rs: readonly R[], o: string, measure: (round: R, x: string) => number | undefined, also?: string) => {
    const r = roundRatios(rs, now!, o, measure);
    if (r.ratios.length < 2) return `${f(r.median, 2)}×`;
    return `${f(r.median, 2)}× (rounds: ${r.ratios.map((x) => `${f(x, 2)}×`).join(', ')}${also ? `; ${also}` : ''})`;
  };
  const rows = [now!, ...others].map((x) => [
    x,
    f(perImage(x), 0),
    ratio(perImage(x), perImage(now!)),
    f(imagesPerS(x), 2),
    f(e2e1(x), 2),
    e.peakRssMb[x]?.extract !== undefined ? `${f(e.peakRssMb[x]!.extract, 0)} MB` : '–',
  ]);
  const lines = others.map((o) => {
    const oneRun = `${ratio(single(now!), single(o))}×`;
    const e2e = e2eRounds.length > 1 ? overRounds(e2eRounds, o, e2eRate, `the mixes' run above: ${oneRun}`) : oneRun;
    const more = otherRounds.map(([k, rs]) => `, end-to-end ${KIND_ADJECTIVE[k]} articles/s ${overRounds(rs, o, e2eRate)}`).join('');
    return `${now} vs ${o}: image CPU ${overRounds(alone, o, imageCpuMs)}, images/s ${overRounds(alone, o, imagesPerSOf)}, end-to-end 1-image articles/s ${e2e}${more}`;
  });
  return [
    table(
      [
        'design',
        'image CPU ms / image (alone)',
        '÷ first',
        'images/s (alone, 3-image articles)',
        'end to end 1 image, articles/s',
        'extract peak RSS',
      ],
      rows,
    ),
    (rounds.length > 1
      ? `Extract alone ran in ${rounds.length} rounds, the designs' order reversed every round (\`--rounds\`); its figures here and above are medians, the image ratios the median of the rounds' own. `
      : '') +
      (roundMixes.length
        ? `End to end, ${roundMixes.map((k) => `${KIND_ADJECTIVE[k]} articles`).join(' and ')} at the maximum rate ran in ${roundCount} more rounds (every design's pipeline up, fed in turn, the order reversed every round): the table's rate is each design's median, the ratio the median of the rounds'. `
        : '') +
      `Same-run ratios (targets: image CPU ≤ 0.4× the tfjs path's, images/s ≥ 2.5×, end-to-end 1-image ≥ 2× today's path, extract peak RSS ≤ 600 MB): ${lines.join('; ')}. ` +
      `Load average at the start of the run: ${f(r.machine.loadAtStart, 2)}${r.machine.loadAtEnd !== undefined ? `, at the end: ${f(r.machine.loadAtEnd, 2)}` : ''} on ${r.machine.cores} cores.`,
  ].join('\n\n');
}

export function renderTables(r: BenchResult): string {
  const parts: string[] = [];
  const e2e1 = (kind: Kind, mode: 'max' | 'half', extracts = 1) =>
    r.e2e.find((e) => e.kind === kind && e.mode === mode && e.extracts === extracts);

  parts.push('### End to end against the limit (one extract process)');
  parts.push(
    table(
      [
        'articles',
        'limit (slowest stage)',
        'end-to-end, max rate',
        'of the limit (≥ 80 %)',
        'CPU limit (cores ÷ CPU s / article)',
        'of the CPU limit (goal 90 %)',
        'latency at max p50 / p95 / p99',
        'half rate',
        'latency at half rate p50 / p95 / p99 (p95 ≤ 2 s)',
      ],
      KINDS.map((k) => {
        const max = e2e1(k, 'max');
        const half = e2e1(k, 'half');
        const { slowest } = stageLimits(r, k);
        const share = max && slowest ? max.articlesPerS / slowest[1] : undefined;
        const shared = sharedCpuLimit(r, k);
        const ofShared = max && shared ? max.articlesPerS / shared : undefined;
        return [
          KIND_LABEL[k],
          slowest ? `${f(slowest[1], 2)}/s (${slowest[0]})` : '–',
          max ? `${f(max.articlesPerS, 2)}/s (${max.articles})` : '–',
          share === undefined ? '–' : `${f(share * 100, 0)} % ${ok(share >= TARGETS.ofLimit)}`,
          shared === undefined ? '–' : `${f(shared, 2)}/s`,
          ofShared === undefined ? '–' : `${f(ofShared * 100, 0)} % ${ok(ofShared >= TARGETS.goal)}`,
          max ? `${ms(max.p50Ms)} / ${ms(max.p95Ms)} / ${ms(max.p99Ms)}` : '–',
          half ? `${f(half.offeredPerS, 2)}/s (${half.articles})` : '–',
          half ? `${ms(half.p50Ms)} / ${ms(half.p95Ms)} / ${ms(half.p99Ms)} ${ok(half.p95Ms <= TARGETS.p95HalfMs)}` : '–',
        ];
      }),
    ),
  );

  parts.push('### Stage limits (articles/s)');
  parts.push(
    'extract: its work alone (bench/lib/alone.ts: the same extractor and worker threads, fed from memory). ' +
      'ingest, fuse, score, dashboard: 1 ÷ their CPU seconds per article in the max-rate run (single-threaded Node processes: an upper bound).',
  );
  const stageNames = ['extract (work alone)', 'ingest', 'fuse', 'score', 'dashboard'];
  parts.push(
    table(
      ['articles', ...stageNames],
      KINDS.map((k) => {
        const { limits } = stageLimits(r, k);
        return [KIND_LABEL[k], ...stageNames.map((s) => f(limits[s], 2))];
      }),
    ),
  );

  if (r.models.length) {
    parts.push("### Each model alone (extract's thread settings)");
    parts.push(
      table(
        ['model', 'threads', 'throughput', 'load', 'peak RSS'],
        r.models.map((m) => [m.model, m.threads, `${f(m.perS, 2)} ${m.unit}`, ms(m.loadMs), `${f(m.peakRssMb, 0)} MB`]),
      ),
    );
  }

  if (r.engines && r.engines.list.length > 1) parts.push(renderEngines(r, r.engines));

  parts.push('### Transport and overhead');
  if (r.transport.kafka.length)
    parts.push(
      table(
        ['raw kafkajs produce → consume', 'messages', 'msgs/s', 'MB/s', 'latency p50 / p99'],
        r.transport.kafka.map((k) => [
          `${(k.bytes / 1000).toFixed(0)} kB messages, 16 sends in flight`,
          String(k.messages),
          f(k.msgsPerS, 0),
          f(k.mbPerS, 1),
          `${ms(k.p50Ms)} / ${ms(k.p99Ms)}`,
        ]),
      ),
    );
  if (r.transport.flows.length)
    parts.push(
      table(
        ['raw BullMQ flow (no-op processors)', 'flows', 'flows/s', 'jobs/s'],
        r.transport.flows.map((fl) => [
          `1 text + ${fl.images} image children + parent`,
          String(fl.flows),
          f(fl.flowsPerS, 1),
          f(fl.jobsPerS, 0),
        ]),
      ),
    );
  const overheadRows = KINDS.flatMap((k) => {
    const max = e2e1(k, 'max');
    const a = r.alone[k];
    if (!max) return [];
    const { kafka, redis, ...services } = max.cpuSPerArticle;
    const total = sum(services);
    const extract = services.extract ?? 0;
    return [
      [
        KIND_LABEL[k],
        `${f(total * 1000, 0)} ms`,
        ...['ingest', 'extract', 'fuse', 'score', 'dashboard'].map((s) => `${f((services[s] ?? 0) * 1000, 0)}`),
        a ? `${f(a.cpuSPerArticle * 1000, 0)} ms` : '–',
        a ? `${f((total - a.cpuSPerArticle) * 1000, 0)} ms (extract: ${f((extract - a.cpuSPerArticle) * 1000, 0)} ms)` : '–',
        max.extractMainCpuSPerArticle === undefined
          ? '–'
          : `${f(max.extractMainCpuSPerArticle * 1000, 1)} / ${f((extract - max.extractMainCpuSPerArticle) * 1000, 1)} ms`,
        kafka === undefined && redis === undefined ? '–' : `${f((kafka ?? 0) * 1000, 0)} + ${f((redis ?? 0) * 1000, 0)} ms`,
        max.driverCpuSPerArticle === undefined ? '–' : `${f(max.driverCpuSPerArticle * 1000, 1)} ms`,
        max.machineBusy === undefined ? '–' : `${f(max.machineBusy * 100, 0)} %`,
      ],
    ];
  });
  if (overheadRows.length) {
    parts.push(
      'CPU per article (user + system, all threads, from /proc), max-rate runs; machine busy: the share of all cores busy over the run ' +
        '(/proc/stat: every process, the kernel too):',
    );
    parts.push(
      table(
        [
          'articles',
          'services total',
          'ingest',
          'extract',
          'fuse',
          'score',
          'dashboard',
          'extract work alone',
          'services outside model work',
          'extract: main thread / the rest',
          'Kafka broker + Redis',
          'load driver (the bench)',
          'machine busy',
        ],
        overheadRows,
      ),
    );
  }

  // Where extract's wall time and the broker's CPU go (runs from 2026-12-05 08:00 UTC on).
  const waitRows = KINDS.flatMap((k) => {
    const max = e2e1(k, 'max', 1);
    const x = max?.extractThreads;
    if (!max || !x) return [];
    const b = max.brokerCpuMsPerArticle ?? {};
    const others = Object.entries(x.cpu)
      .filter(([t]) => t !== 'main' && t !== '#1')
      .reduce((sum, [, v]) => sum + v, 0);
    const top = x.cpu['#1'] ?? 0;
    const topQueued = x.queued['#1'] ?? 0;
    const broker = (kind: string) => b[kind] ?? 0;
    return [
      [
        KIND_LABEL[k],
        `${f(x.wallMs, 1)} ms`,
        `${f(x.cpu.main ?? 0, 1)} / ${f(x.queued.main ?? 0, 1)} ms`,
        `${f(top, 1)} / ${f(topQueued, 1)} / ${f(Math.max(0, x.wallMs - top - topQueued), 1)} ms`,
        `${f(others, 1)} ms`,
        max.brokerCpuMsPerArticle
          ? `${[broker(BROKER_KINDS.jit), broker(BROKER_KINDS.requests), broker(BROKER_KINDS.coordinator), broker(BROKER_KINDS.gc) + broker(BROKER_KINDS.other)].map((ms) => f(ms, 1)).join(' / ')} ms`
          : '–',
      ],
    ];
  });
  if (waitRows.length) {
    parts.push(
      "Where the time goes at the maximum rate, ms per article (/proc/<pid>/task/*/schedstat): the run's wall time per article; " +
        "extract's main thread and its busiest other thread (text-only: the text job thread; with images one of the model host's or " +
        'an image thread), on a CPU and waiting in the run queue for one (and, for the busiest, the rest of the wall time: asleep, ' +
        "waiting for Redis, BullMQ, the model host or work); extract's other threads; the Kafka broker's CPU by what its threads do:",
    );
    parts.push(
      table(
        [
          'articles',
          'wall',
          'extract main: CPU / queued',
          'busiest other thread: CPU / queued / asleep',
          "extract's other threads: CPU",
          'broker: JIT compilers / requests / group coordinator / GC and the rest',
        ],
        waitRows,
      ),
    );
  }

  const scaling = (['text', 'img1'] as Kind[]).flatMap((k) => {
    const one = e2e1(k, 'max', 1);
    const two = e2e1(k, 'max', 2);
    return one && two
      ? [
          [
            KIND_LABEL[k],
            `${f(one.articlesPerS, 2)}/s`,
            `${f(two.articlesPerS, 2)}/s`,
            `× ${f(two.articlesPerS / one.articlesPerS, 2)}`,
            `${ms(one.p95Ms)} → ${ms(two.p95Ms)}`,
          ],
        ]
      : [];
  });
  if (scaling.length) {
    parts.push('### One versus two extract processes (max rate)');
    parts.push(table(['articles', '1 extract', '2 extracts', 'speed-up', 'p95 at max'], scaling));
  }

  parts.push('### Peak RSS per service (VmHWM; ≤ 400 MB)');
  const svc = Object.keys({ ...r.peakRssMb, ...(r.peakRssMb2 ?? {}) });
  parts.push(
    table(
      ['pipeline', ...svc],
      [
        [
          '1 extract',
          ...svc.map((s) => (r.peakRssMb[s] === undefined ? '–' : `${f(r.peakRssMb[s], 0)} MB ${ok(r.peakRssMb[s]! <= TARGETS.rssMb)}`)),
        ],
        ...(r.peakRssMb2
          ? [
              [
                '2 extracts',
                ...svc.map((s) =>
                  r.peakRssMb2![s] === undefined ? '–' : `${f(r.peakRssMb2![s], 0)} MB ${ok(r.peakRssMb2![s]! <= TARGETS.rssMb)}`,
                ),
              ],
            ]
          : []),
      ],
    ),
  );
  if (r.languages) parts.push(renderLanguages(r, r.languages));
  if (r.redis) {
    parts.push('### Redis memory after the one-extract run');
    parts.push(
      table(
        [
          'articles scored',
          'keys of the run',
          'memory of the run (MEMORY USAGE)',
          'per article',
          'after cleaning completed jobs',
          'per article',
        ],
        [
          [
            String(r.redis.articles),
            `${r.redis.retainedKeys} → ${r.redis.afterCleanKeys}`,
            `${f(r.redis.retainedMb, 1)} MB`,
            `${f((r.redis.retainedMb * 1e3) / r.redis.articles, 1)} kB`,
            `${f(r.redis.afterCleanMb, 1)} MB`,
            `${f((r.redis.afterCleanMb * 1e3) / r.redis.articles, 1)} kB`,
          ],
        ],
      ),
    );
  }
  if (r.failedImages !== undefined)
    parts.push(`Images that failed during the run: ${r.failedImages}; dead letters: ${r.deadLetters ?? 0}.`);
  return parts.join('\n\n');
}

async function chart(r: BenchResult): Promise<string> {
  const values: Array<Record<string, unknown>> = [];
  for (const k of KINDS) {
    const { slowest } = stageLimits(r, k);
    const max = r.e2e.find((e) => e.kind === k && e.mode === 'max' && e.extracts === 1);
    const two = r.e2e.find((e) => e.kind === k && e.mode === 'max' && e.extracts === 2);
    if (slowest)
      values.push({ panel: 'throughput (articles/s)', articles: KIND_LABEL[k], series: 'limit (slowest stage)', value: slowest[1] });
    if (max)
      values.push({ panel: 'throughput (articles/s)', articles: KIND_LABEL[k], series: 'end to end, 1 extract', value: max.articlesPerS });
    if (two)
      values.push({ panel: 'throughput (articles/s)', articles: KIND_LABEL[k], series: 'end to end, 2 extracts', value: two.articlesPerS });
    const half = r.e2e.find((e) => e.kind === k && e.mode === 'half');
    if (half)
      for (const [p, v] of [
        ['p50', half.p50Ms],
        ['p95', half.p95Ms],
        ['p99', half.p99Ms],
      ] as const)
        values.push({ panel: 'latency at half rate (s)', articles: KIND_LABEL[k], series: p, value: v / 1000 });
  }
  const bars = (panel: string, title: string) => ({
    title,
    transform: [{ filter: `datum.panel === '${panel}'` }],
    mark: { type: 'bar' as const, tooltip: true },
    encoding: {
      x: { field: 'articles', type: 'nominal' as const, title: null, sort: KINDS.map((k) => KIND_LABEL[k]) },
      xOffset: { field: 'series', type: 'nominal' as const },
      y: { field: 'value', type: 'quantitative' as const, title },
      color: { field: 'series', type: 'nominal' as const, title: null },
    },
    width: 300,
    height: 220,
  });
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    hconcat: [
      bars('throughput (articles/s)', 'throughput (articles/s)'),
      bars('latency at half rate (s)', 'ingest → scored latency at half rate (s)'),
    ],
    resolve: { scale: { color: 'independent' } },
    config: { font: 'DejaVu Sans', legend: { orient: 'bottom', labelLimit: 400 } },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

export async function writeReport(r: BenchResult, opts: { file: string; docs: boolean }): Promise<{ table: string }> {
  const tables = renderTables(r);
  if (!opts.docs) return { table: tables };
  const docPath = join(REPO_ROOT, 'docs/benchmarks.md');
  const old = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
  const notes = old.includes(NOTES) ? old.slice(old.indexOf(NOTES) + NOTES.length).trim() : '## Notes\n\n(none yet)';
  writeFileSync(join(REPO_ROOT, 'docs/benchmarks.svg'), await chart(r));
  const s = r.settings;
  const md = `# Benchmarks

How close the pipeline runs to this machine's limit. Generated by \`${r.command}\` (bench/run.ts) from
\`${relative(REPO_ROOT, opts.file)}\`; the tables and the chart are rewritten on every run, the notes at the end are not.

- Machine: ${r.machine.cores} cores (${r.machine.cpu}${r.machine.simd ? `; ${r.machine.simd}` : ''}), ${f(r.machine.memGb, 0)} GiB, Node ${r.machine.node}; load average at the start ${f(r.machine.loadAtStart, 2)}.
- Run at ${r.at}. Real broker and Redis; ingest, extract, fuse, score and the dashboard as separate processes; articles pushed
  through ingest's \`POST /articles\`. Latency: push request sent → the scored event's broker timestamp.
- Workload: ${r.workload.texts}; ${r.workload.photos} (mean ${f(r.workload.meanPhotoKb, 0)} kB), served from loopback.
  Articles per mix at the maximum rate: ${Object.entries(r.workload.sizes)
    .map(([k, n]) => `${KIND_LABEL[k as Kind]} ${n}`)
    .join(', ')}; half rate sends half as many, paced at half the measured maximum.
- Settings: TEXT_CONCURRENCY=${s.TEXT_CONCURRENCY}, IMAGE_CONCURRENCY=${s.IMAGE_CONCURRENCY}, ORT_THREADS=${s.ORT_THREADS}${s.TEXT_ORT_THREADS !== undefined ? `, TEXT_ORT_THREADS=${s.TEXT_ORT_THREADS}` : ''}, ${s.KAFKA_PARTITIONS} partitions; everything else the defaults.
- Targets: end-to-end ≥ 80 % of the limit (goal 90 %), p95 ≤ 2 s at half rate, peak RSS ≤ 400 MB per service.

![throughput and latency](benchmarks.svg)

${tables}

${NOTES}

${notes}
`;
  writeFileSync(docPath, await prettier.format(md, { parser: 'markdown', printWidth: 140 }));
  return { table: tables };
}
