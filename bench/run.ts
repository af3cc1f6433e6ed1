/**
 * The pipeline benchmark (`npm run bench`): how close the pipeline runs to this machine's limit.
 * A benchmark, not a test — not part of CI. On the real broker and Redis, with ingest, extract, fuse,
 * score and the dashboard as separate processes, fed real news texts and real photos through ingest's
 * push API (POST /articles):
 *
 *  1. per model, alone: bench/models-text.ts and bench/models-image.ts with the extract service's
 *     thread settings;
 *  2. the limit: the extract service's work alone (same extractor, same worker threads, no Kafka,
 *     no BullMQ) per article mix — text-only, 1 image, 3 images (bench/lib/alone.ts);
 *  3. transport: raw kafkajs produce → consume at the events' sizes, a raw BullMQ flow (no-op
 *     processors);
 *  4. end to end: per mix, the maximum rate (everything pushed at once) and half of it (paced);
 *     throughput, ingest→scored latency p50/p95/p99 (push request sent → scored event's broker
 *     timestamp), CPU per article per service; then the same with two extract processes;
 *  5. peak RSS per service (the kernel's VmHWM), Redis memory after the run, before and after
 *     completed jobs are cleaned;
 *  6. languages: extract alone with English and Chinese articles (1 image each; every other article
 *     one of the demo's Chinese ones), so both embedders are loaded: its peak RSS beside English only.
 *     Alone: npm run bench -- --skip models,alone,transport,e2e,scaling --no-docs
 *
 * Writes bench/results/<timestamp>.json and regenerates docs/benchmarks.md and docs/benchmarks.svg
 * (bench/lib/report.ts). Run it on a quiet machine: every figure is wall-clock on 2 shared cores.
 *
 *   npm run bench                       full sizes (~20 min)
 *   npm run bench -- --quick            a quarter of the articles (a smoke run; figures are noisier)
 *   npm run bench -- --skip models,transport,scaling
 *   npm run bench -- --no-docs          results JSON only
 *   npm run bench -- --report bench/results/<file>.json   regenerate the docs from a saved run
 *                                       (with --no-docs: only print its tables)
 *   npm run bench -- --variants host,threads
 *                                       which designs run side by side (default host,threads,tfjs):
 *                                       extract alone and end to end run once per variant —
 *                                       host: MODEL_ENGINE=onnx EXTRACT_MODEL_HOST=on (the default: one
 *                                       model host thread owns the image threads' sessions, each text
 *                                       thread keeps its own; a thread per concurrent job); shared: one
 *                                       shared job thread runs text and image jobs (EXTRACT_THREADS=shared;
 *                                       shared2: two; sharednogc: without its tensor collection); fp32: the default with the OCR text
 *                                       detector's float graph (MODEL_PRECISION=fp32, not int8); hosttext: the host with the text models in
 *                                       it too (MODEL_HOST_TEXT=true); textthread: each text thread its own
 *                                       text models (MODEL_HOST_TEXT=false); hostinline: every model in the host
 *                                       and no job threads (EXTRACT_SANDBOX=false); threads: onnx, host off
 *                                       (each job thread opens its own sessions); tfjs: MODEL_ENGINE=tfjs,
 *                                       host off (the detector and face models on tfjs wasm, the float
 *                                       text detector: the path before issue 16); before: tfjs with every setting issue 16
 *                                       changed back as it was (tsx in each process and thread, 32 MB young
 *                                       generations, a memory pattern per shape); hosttsx: the default
 *                                       with tsx in each thread; maintsx: the default with each service's
 *                                       main thread through tsx (SERVICE_LOADER=tsx) instead of bundled;
 *                                       detletterbox: the detector's input the full 512x512 letterbox
 *                                       (DETECTOR_INPUT=letterbox); host3 / text2: a third image / a second
 *                                       text thread; hosttext2: two text jobs at once, the text models in
 *                                       the host (MODEL_HOST_TEXT=true TEXT_CONCURRENCY=2); textort2: the
 *                                       text thread's encoders on two intra-op threads (TEXT_ORT_THREADS=2).
 *                                       Per model: onnx vs tfjs (bench/models-image.ts)
 *   npm run bench -- --rounds 3          extract alone in rounds (default 3): every design runs every mix
 *                                       once a round, the designs' order reversed each round; its figures
 *                                       are the medians, the image ratios the median of each round's own
 *                                       (bench/lib/rounds.ts); --rounds 1 is one run per design. With
 *                                       two designs or more, end to end adds as many rounds of the
 *                                       1-image mix at the maximum rate (every design's pipeline up,
 *                                       fed in turn), the target's ratio their median;
 *                                       --round-kinds img1,text adds the text-only mix to those rounds
 *   npm run bench -- --engine both       the flag before the model host: --variants threads,tfjs
 *   npm run bench -- --kinds text --skip models,transport,scaling --profile --no-docs
 *                                       one mix; every service writes a CPU profile (--cpu-prof, all
 *                                       threads) to bench/results/profiles/<run>/ for a flame graph
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { QUEUES, createKafka, createLogger, ensureTopics, topicsFor } from '@newsfuse/shared';
import { launchDefaults, serviceArgs, serviceLoaderOf } from '@newsfuse/shared/launch';
import { ensureInfra, ensureModels } from '@newsfuse/testkit/infra';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { startService, uniqueId, waitFor, type ServiceHandle } from '@newsfuse/testkit/harness';
import { BaseConfigSchema, loadConfig } from '@newsfuse/shared';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import { modelHostOptions } from '@newsfuse/pipeline/model-host/start';
import { encoderThreads } from '@newsfuse/pipeline/model-host/client';

const loadExtractConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(BaseConfigSchema.extend(AnalysisConfigSchema.shape), env);
import {
  KINDS,
  KIND_LABEL,
  IMAGES_PER_KIND,
  articleInput,
  warmupIndices,
  loadTexts,
  startPhotoServer,
  type Kind,
  type PhotoServer,
  type Text,
} from './lib/workload.ts';
import { brokerThreads, busiestThreads, cpuOf, cpuSimd, machineCpu, percentile, procStat, threadCpu, watchMemory } from './lib/procs.ts';
import { bullFlowRaw, kafkaRaw } from './lib/transport.ts';
import { medianOfRounds, roundOrder, type AloneRound } from './lib/rounds.ts';
import { writeReport, type AloneResult, type BenchResult, type E2eRow, type StartupRow } from './lib/report.ts';
import type { ImageModelRow, MatmulPeak } from './models-image.ts';
import { MODEL_ENGINES, type ModelEngine } from '@newsfuse/models/image/engine';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    skip: { type: 'string', default: '' },
    'no-docs': { type: 'boolean', default: false },
    kinds: { type: 'string', default: KINDS.join(',') },
    profile: { type: 'boolean', default: false },
    report: { type: 'string' },
    variants: { type: 'string', default: 'host,threads,tfjs' },
    /** Extract alone in this many rounds, the designs' order reversed each round; each figure the median (bench/lib/rounds.ts). */
    rounds: { type: 'string', default: '3' },
    'round-kinds': { type: 'string', default: 'img1' },
    /** The flag before the model host: onnx vs tfjs with per-thread sessions (= --variants threads,tfjs). */
    engine: { type: 'string' },
  },
});
const ENGINE_FLAG: Record<string, string> = { both: 'threads,tfjs', onnx: 'threads', tfjs: 'tfjs' };
if (values.engine !== undefined && !ENGINE_FLAG[values.engine]) throw new Error('--engine: onnx, tfjs or both');
/** A design's environment: the model engine, whether extract has a model host, and what runs in it. */
interface VariantEnv extends Record<string, string> {
  MODEL_ENGINE: ModelEngine;
  EXTRACT_MODEL_HOST: 'on' | 'off';
  MODEL_HOST_TEXT: 'true' | 'false';
}
/** The default: image models in the host, each text thread its own small text models. */
const HOST: VariantEnv = { MODEL_ENGINE: 'onnx', EXTRACT_MODEL_HOST: 'on', MODEL_HOST_TEXT: 'false', EXTRACT_THREADS: 'per-job' };
/** onnx, host off: each job thread (BullMQ's sandbox, a thread per job) opens its own sessions, two image threads to use both cores (as this design ran). */
const THREADS: VariantEnv = { ...HOST, EXTRACT_MODEL_HOST: 'off', IMAGE_CONCURRENCY: '2', EXTRACT_THREADS: 'per-job' };
/** The designs compared in one run. */
const VARIANT_ENV: Record<string, VariantEnv> = {
  host: HOST,
  /** The host before its memory work: V8's default young generation per thread (32 MB), a memory pattern per input shape in every session. */
  hostprev: { ...HOST, THREAD_YOUNG_GEN_MB: '32', NEWSFUSE_ORT_MEM_PATTERN: 'on' },
  /** The host with one image thread (less memory, the host idles while the thread prepares a photo). */
  host1: { ...HOST, IMAGE_CONCURRENCY: '1' },
  /** The host as one thread with one intra-op thread per session (MODEL_HOST_SHARDS=1, MODEL_HOST_THREADS=1). */
  hostt1: { ...HOST, MODEL_HOST_SHARDS: '1', MODEL_HOST_THREADS: '1' },
  /** The host as one thread whose sessions use every core (MODEL_HOST_SHARDS=1: intra-op threads = cores), the default before the shards (2026-12-03). */
  hostone: { ...HOST, MODEL_HOST_SHARDS: '1' },
  /** The host as one thread, intra-op threads = cores, and no collection of its tensors (MODEL_HOST_SHARDS=1 MODEL_HOST_GC_MB=0): the default before 2026-12-03 evening. */
  hostprevday: { ...HOST, MODEL_HOST_SHARDS: '1', MODEL_HOST_GC_MB: '0' },
  /** The default, but each image caption compared with the story's first 40 sentences (CAPTION_CHOICE=first CAPTION_SENTENCES=40: the rule until 2026-12-04) instead of 12 chosen by shared words. */
  captions40: { ...HOST, CAPTION_CHOICE: 'first', CAPTION_SENTENCES: '40' },
  /** The shards without the host's own collection of its tensors (MODEL_HOST_GC_MB=0), said explicitly: the default since 2026-12-04 evening. */
  hostnogc: { ...HOST, MODEL_HOST_GC_MB: '0' },
  /** Each host thread runs a full collection every 32 MB of tensors (MODEL_HOST_GC_MB=32): the default from 2026-12-03 evening to 2026-12-04 evening. */
  hostgc32: { ...HOST, MODEL_HOST_GC_MB: '32' },
  /** The host with two image threads, said explicitly (the default). */
  host2: { ...HOST, IMAGE_CONCURRENCY: '2' },
  /** The host with three image threads (a third image job in flight while two wait for the host). */
  host3: { ...HOST, IMAGE_CONCURRENCY: '3' },
  /** Two text threads (TEXT_CONCURRENCY=2): a second text job runs while the first one's BullMQ round trips are in flight. */
  text2: { ...HOST, TEXT_CONCURRENCY: '2' },
  /** The text thread's encoders on two intra-op threads (TEXT_ORT_THREADS=2; the default is one): docs/model-host.md, "The text thread's encoders on two cores". */
  textort2: { ...HOST, TEXT_ORT_THREADS: '2' },
  /** Two text jobs at once with the text models in the host (MODEL_HOST_TEXT=true TEXT_CONCURRENCY=2): the text threads hold no models, so the second costs no second copy. */
  hosttext2: { ...HOST, MODEL_HOST_TEXT: 'true', TEXT_CONCURRENCY: '2' },
  /** The default with the detector's input the full 512x512 letterbox (DETECTOR_INPUT=letterbox), as before 2026-12-04, instead of its covered corner ('fit'). */
  detletterbox: { ...HOST, DETECTOR_INPUT: 'letterbox' },
  /** The default without the sentence embedders' cache of repeated chunks (NEWSFUSE_EMBED_CACHE=0, as before 2026-12-03). */
  hostnocache: { ...HOST, NEWSFUSE_EMBED_CACHE: '0' },
  /** Every model in the host, text too: one copy of each text model (with the fast lane and one request per text job's encoder runs since 2026-12-04). */
  hosttext: { ...HOST, MODEL_HOST_TEXT: 'true' },
  /** Each text thread with its own text models (MODEL_HOST_TEXT=false): a second copy of the sentence encoders beside the host's. */
  textthread: { ...HOST, MODEL_HOST_TEXT: 'false' },
  /** The default, but each worker thread registers tsx and compiles its own TypeScript (before the threads' entries were bundled). */
  hosttsx: { ...HOST, THREAD_LOADER: 'tsx' },
  /** One shared job thread for text and image jobs instead of a thread per job (EXTRACT_THREADS=shared; its tensor collection, JOB_THREAD_GC_MB, defaults to 64). */
  shared: { ...HOST, EXTRACT_THREADS: 'shared' },
  /** The same with two shared job threads (EXTRACT_JOB_THREADS=2). */
  shared2: { ...HOST, EXTRACT_THREADS: 'shared', EXTRACT_JOB_THREADS: '2' },
  /** One shared job thread without the tensor collection (JOB_THREAD_GC_MB=0). */
  sharednogc: { ...HOST, EXTRACT_THREADS: 'shared', JOB_THREAD_GC_MB: '0' },
  /** Every model in the host and no job threads: extract's processors run in its main thread (EXTRACT_SANDBOX=false). */
  hostinline: { ...HOST, MODEL_HOST_TEXT: 'true', EXTRACT_SANDBOX: 'false' },
  /** The default, but every service's main thread (and extract alone's) runs through tsx (`node --import tsx main.ts`), as before the services were bundled. */
  maintsx: { ...HOST, SERVICE_LOADER: 'tsx' },
  /** The default with glibc's malloc held to 2 arenas, said explicitly (the services' launchers set it: @newsfuse/shared/launch). */
  hostarena2: { ...HOST, MALLOC_ARENA_MAX: '2' },
  /** The default with glibc's own number of malloc arenas (8 per core: each thread's freed native memory stays in its own), as before the launchers set 2. */
  hostarenas: { ...HOST, MALLOC_ARENA_MAX: String(8 * cpus().length) },
  /** The default with a full garbage collection after every 16 MB of tensors through the host or a job thread (MODEL_HOST_GC_MB, JOB_THREAD_GC_MB). */
  hostgc: { ...HOST, MODEL_HOST_GC_MB: '16', JOB_THREAD_GC_MB: '16' },
  /** The default with onnxruntime's CPU arena off in every session of the host (MODEL_HOST_ARENA=false). */
  hostnoarena: { ...HOST, MODEL_HOST_ARENA: 'false' },
  /** The default with Chinese sentiment from the head alone, without the fine-tuned branch's sentiment graph (NEWSFUSE_ZH_FINETUNED=false). */
  zhhead: { ...HOST, NEWSFUSE_ZH_FINETUNED: 'false' },
  /** The default with the OCR text detector's float graph instead of its int8 one (MODEL_PRECISION=fp32). */
  fp32: { ...HOST, MODEL_PRECISION: 'fp32' },
  /** The default, but extract's intake counts the waiting jobs before every article (QUEUE_COUNT_MS=0: two Redis round trips each, as before 2026-12-04 night). */
  roomcount0: { ...HOST, QUEUE_COUNT_MS: '0' },
  threads: THREADS,
  /** The old path: the detector and face models on tfjs, the float text detector. */
  tfjs: { ...THREADS, MODEL_ENGINE: 'tfjs', MODEL_PRECISION: 'fp32' },
  /** The path as issue 16 found it: tfjs, no host, tsx in every process and thread, V8's 32 MB young generations, a memory pattern per shape, float graphs. */
  before: {
    ...THREADS,
    MODEL_ENGINE: 'tfjs',
    MODEL_PRECISION: 'fp32',
    SERVICE_LOADER: 'tsx',
    THREAD_LOADER: 'tsx',
    THREAD_YOUNG_GEN_MB: '32',
    NEWSFUSE_ORT_MEM_PATTERN: 'on',
  },
};
/** Variants to run, the default design first. */
const ENGINES: string[] = (values.engine !== undefined ? ENGINE_FLAG[values.engine]! : values.variants).split(',').filter(Boolean);
if (!ENGINES.length || !ENGINES.every((v) => Object.hasOwn(VARIANT_ENV, v)))
  throw new Error(`--variants: ${Object.keys(VARIANT_ENV).join(', ')}`);
/** Per-model rows: the engines the variants use. */
const MODEL_ENGINE_LIST = [...new Set(ENGINES.map((v) => VARIANT_ENV[v]!.MODEL_ENGINE))].filter((e) =>
  (MODEL_ENGINES as readonly string[]).includes(e),
);
const kinds = values.kinds.split(',').filter((k): k is Kind => (KINDS as string[]).includes(k));
const skip = new Set(values.skip.split(',').filter(Boolean));
const ROUNDS = Number(values.rounds);
/** The mixes run end to end in rounds (with two designs or more): the target's 1-image mix unless `--round-kinds` says. */
const ROUND_KINDS = values['round-kinds'].split(',').filter(Boolean) as Kind[];
if (ROUND_KINDS.some((k) => !KINDS.includes(k))) throw new Error(`--round-kinds: some of ${KINDS.join(', ')}`);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds: a whole number ≥ 1');
const scale = values.quick ? 0.25 : 1;
/** Articles per mix at the maximum rate; half rate sends half as many, paced. */
const SIZES: Record<Kind, number> = { text: 400, img1: 60, img3: 24 };
const sizeOf = (k: Kind) => Math.max(4, Math.round(SIZES[k] * scale));
const TOKEN = 'bench-push-token-0123456789';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
const say = (m: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

/** Runs a TypeScript script through tsx (`nodeArgs`: node's arguments instead, e.g. a service launcher's); resolves with its stdout. */
function runChild(args: string[], env: Record<string, string> = {}, nodeArgs = ['--import', 'tsx']): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...nodeArgs, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

/** Per-model rows: `processes` worker processes per model (one per core, so a model's rate is the machine's). */
async function perModel(processes: number) {
  say('per-model throughput (bench/models-text.ts, bench/models-image.ts)');
  await runChild(['bench/models-text.ts', '--threads', '1', '--items', String(Math.round(64 * Math.max(scale, 0.5)))]);
  await runChild([
    'bench/models-image.ts',
    '--threads',
    String(processes),
    '--images',
    String(Math.max(8, Math.round(16 * scale))),
    '--models',
    'centernet,blazeface,emotion,detector,faces,ocr,analyzer',
    '--engines',
    MODEL_ENGINE_LIST.join(','),
  ]);
  const text = JSON.parse(readFileSync(join(REPO_ROOT, 'bench/results/models-text.json'), 'utf8')) as {
    results: Array<{ threads: number; loadMs: number; msPerItem: number; analyzer?: { msPerArticle: number }; peakRssMb: number }>;
  };
  const image = JSON.parse(readFileSync(join(REPO_ROOT, 'bench/results/models-image.json'), 'utf8')) as {
    rows: ImageModelRow[];
    peak: MatmulPeak;
  };
  const t = text.results[0]!;
  const models = [
    {
      model: 'MiniLM-L6-v2 (embedding only)',
      threads: '1 ORT thread',
      perS: 1000 / t.msPerItem,
      unit: 'texts/s',
      loadMs: t.loadMs,
      peakRssMb: t.peakRssMb,
    },
    ...(t.analyzer
      ? [
          {
            model: 'text analyzer (MiniLM + natural + VADER)',
            threads: '1 thread',
            perS: 1000 / t.analyzer.msPerArticle,
            unit: 'articles/s',
            loadMs: t.loadMs,
            peakRssMb: t.peakRssMb,
          },
        ]
      : []),
    ...image.rows.map((r) => ({
      model: `${r.model === 'analyzer' ? 'image analyzer (decode + detector + faces + OCR + descriptors)' : r.model}${r.model === 'ocr' ? '' : ` [${r.engine}]`}`,
      threads: r.mode,
      perS: 1000 / r.msPerImage,
      unit: 'images/s',
      loadMs: r.loadMs,
      peakRssMb: r.peakRssMb,
    })),
  ];
  return { models, image };
}

async function alone(kind: Kind, photos: PhotoServer, run: string, engine: string, languages = 'en') {
  const n = sizeOf(kind) / (kind === 'text' ? 2 : 1);
  say(`extract work alone: ${KIND_LABEL[kind]}, ${n} articles, variant ${engine}${languages === 'en' ? '' : `, languages ${languages}`}`);
  const variant = VARIANT_ENV[engine]!;
  // Launched as the extract service is (@newsfuse/shared/launch): bundled by scripts/bin/service.mjs, or
  // through tsx when the variant says SERVICE_LOADER=tsx.
  const launch = serviceArgs(join(REPO_ROOT, 'bench/lib/alone.ts'), serviceLoaderOf({ ...process.env, ...variant }));
  const out = await runChild(
    ['--kind', kind, '--articles', String(Math.round(n)), '--photos', photos.url, '--run', run, '--languages', languages, '--threads-cpu'],
    {
      // launched as the service is (MALLOC_ARENA_MAX), unless this environment or the variant says otherwise
      ...launchDefaults(process.env),
      NEWSFUSE_PREFIX: `${run}-alone`,
      NEWSFUSE_FETCH_ALLOW_HOSTS: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...variant,
    },
    launch,
  );
  const result = JSON.parse(out.trim().split('\n').pop()!) as AloneResult;
  say(
    `  → ${result.articlesPerS.toFixed(2)} articles/s, ${(result.cpuSPerArticle * 1000).toFixed(1)} CPU ms per article; by thread: CPU ${JSON.stringify(result.threadsCpuMsPerArticle)}, run queue ${JSON.stringify(result.threadsQueuedMsPerArticle)}`,
  );
  return result;
}

interface Pipeline {
  run: string;
  services: ServiceHandle[];
  extracts: ServiceHandle[];
  ingest: ServiceHandle;
  scored: Map<string, number>;
  /** Broker and Redis pids: CPU counted, memory not (they are not services). */
  infra: Record<string, number>;
  /** Per service: how long it took to become ready, and its CPU and RSS then. */
  startup: Record<string, StartupRow>;
  failedImages: number;
  deadLetters: number;
  stop(): Promise<void>;
  pids(): Record<string, number>;
}

async function startPipeline(
  brokers: string,
  redisUrl: string,
  run: string,
  extractCount: number,
  engine: string = ENGINES[0]!,
): Promise<Pipeline> {
  const env: Record<string, string> = {
    ...VARIANT_ENV[engine]!,
    KAFKA_BROKERS: brokers,
    REDIS_URL: redisUrl,
    TOPIC_SUFFIX: run,
    NEWSFUSE_PREFIX: run,
    KAFKA_PARTITIONS: '4',
    LOG_LEVEL: 'warn',
    PUSH_TOKEN: TOKEN,
    POLL_ENABLED: 'false',
    NEWSFUSE_FETCH_ALLOW_HOSTS: '127.0.0.1',
  };
  const kafka = createKafka({ KAFKA_BROKERS: brokers, KAFKA_CLIENT_ID: 'bench' }, createLogger('bench', 'warn'));
  const topics = topicsFor({ TOPIC_SUFFIX: run });
  await ensureTopics(kafka, Object.values(topics), 4);
  const scored = new Map<string, number>();
  let failedImages = 0;
  let deadLetters = 0;
  const consumer = kafka.consumer({ groupId: `${run}-bench-collector` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.scored, topics.deadletter], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (topic === topics.deadletter) return void deadLetters++;
      const ev = JSON.parse(message.value!.toString()) as { articleId: string; relevance?: { perImage?: Array<{ status: string }> } };
      if (!scored.has(ev.articleId)) {
        scored.set(ev.articleId, Number(message.timestamp));
        failedImages += (ev.relevance?.perImage ?? []).filter((p) => p.status !== 'ok').length;
      }
    },
  });
  const nodeArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(REPO_ROOT, 'bench/results/profiles', run)}`] : [];
  say(
    `starting ingest, ${extractCount} × extract (variant ${engine}: ${JSON.stringify(VARIANT_ENV[engine])}), fuse, score, dashboard (${run})`,
  );
  // Start-up per service: wall seconds from spawn until /healthz said ready (polled every 250 ms), and
  // the process's CPU seconds and RSS then. Extract starts alone; the other four together (2 cores).
  const startup: Record<string, StartupRow> = {};
  const start = async (name: string, label: string, logTag: string) => {
    const t0 = performance.now();
    const h = await startService(name, env, logTag, 120_000, nodeArgs);
    const s = procStat(h.child.pid!);
    startup[label] = { readyS: (performance.now() - t0) / 1000, cpuS: s?.cpuS ?? NaN, rssMb: s?.rssMb ?? NaN };
    return h;
  };
  const extracts: ServiceHandle[] = [];
  for (let i = 0; i < extractCount; i++)
    extracts.push(await start('extract', extractCount > 1 ? `extract#${i + 1}` : 'extract', `${run}-extract${i}`));
  const [ingest, fuse, score, dashboard] = await Promise.all(
    ['ingest', 'fuse', 'score', 'dashboard'].map((name) => start(name, name, `${run}-${name}`)),
  );
  const services = [ingest!, ...extracts, fuse!, score!, dashboard!];
  const redisClient = new Redis(redisUrl);
  const infra = await infraPids(brokers, redisClient);
  redisClient.disconnect();
  const names = services.map((s) => (s.name === 'extract' && extracts.length > 1 ? `extract#${extracts.indexOf(s) + 1}` : s.name));
  return {
    run,
    services,
    extracts,
    ingest: ingest!,
    scored,
    infra,
    startup,
    get failedImages() {
      return failedImages;
    },
    get deadLetters() {
      return deadLetters;
    },
    pids: () => Object.fromEntries(services.map((s, i) => [names[i]!, s.child.pid ?? 0])),
    async stop() {
      await Promise.allSettled(services.map((s) => s.stop()));
      await consumer.disconnect().catch(() => undefined);
    },
  };
}

/** The broker's and Redis's pids, so their CPU per article is counted too (when they run on this machine). */
async function infraPids(brokers: string, redis: Redis): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const rpid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
  if (rpid && procStat(rpid)) out.redis = rpid;
  const port = brokers.split(',')[0]!.split(':').pop();
  const r = spawnSync('pgrep', ['-f', 'kafka\\.Kafka'], { encoding: 'utf8' });
  for (const pid of r.stdout.split('\n').filter(Boolean).map(Number)) {
    const props = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .find((a) => a.endsWith('.properties') && !a.startsWith('-'));
    if (props && readFileSync(props, 'utf8').includes(`:${port}`)) out.kafka = pid;
  }
  return out;
}

async function push(p: Pipeline, body: unknown): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${p.ingest.url}/articles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const reply = (await res.json()) as { articleId?: string; error?: string };
    if (res.status === 202 && reply.articleId) return reply.articleId;
    if (attempt >= 5) throw new Error(`push answered ${res.status}: ${JSON.stringify(reply)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Sends `n` articles of `kind` — all at once (8 requests in flight) or paced at `rate` per second. */
async function stream(
  p: Pipeline,
  ctx: { texts: Text[]; photos: PhotoServer },
  kind: Kind,
  count: number | number[],
  rate?: number,
): Promise<E2eRow> {
  // a count: articles 0..count-1 of the workload; a list: those articles
  const indices = typeof count === 'number' ? Array.from({ length: count }, (_, i) => i) : count;
  const n = indices.length;
  const tag = uniqueId(`${kind}-`);
  const sentAt = new Map<string, number>();
  const cpu0 = cpuOf({ ...p.pids(), ...p.infra });
  const [driver0, machine0] = [process.cpuUsage(), machineCpu()];
  // extract's main thread (its tid is the pid): the Kafka intake, BullMQ's flows and workers, the Redis client
  const xpid = p.pids().extract;
  const threads0 = xpid ? threadCpu(xpid) : undefined;
  const broker0 = p.infra.kafka ? threadCpu(p.infra.kafka) : undefined;
  const main0 = threads0?.get(xpid!)?.cpuMs;
  const t0 = Date.now();
  if (rate === undefined) {
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < n; i = next++) {
          const at = Date.now();
          sentAt.set(await push(p, articleInput(tag, indices[i]!, kind, ctx.texts, ctx.photos)), at);
        }
      }),
    );
  } else {
    const pending: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const at = Date.now();
      pending.push(push(p, articleInput(tag, indices[i]!, kind, ctx.texts, ctx.photos)).then((id) => void sentAt.set(id, at)));
    }
    await Promise.all(pending);
  }
  const sendS = (Date.now() - t0) / 1000;
  const timeoutMs = 120_000 + (n * 20_000 * (1 + IMAGES_PER_KIND[kind])) / 4;
  await waitFor(
    () => ([...sentAt.keys()].every((id) => p.scored.has(id)) ? true : undefined),
    timeoutMs,
    `${n} ${kind} articles scored`,
    200,
  );
  const cpu1 = cpuOf({ ...p.pids(), ...p.infra });
  const [driver1, machine1] = [process.cpuUsage(driver0), machineCpu()];
  const threads1 = xpid ? threadCpu(xpid) : undefined;
  const broker1 = p.infra.kafka ? threadCpu(p.infra.kafka) : undefined;
  const main1 = threads1?.get(xpid!)?.cpuMs;
  const lat = [...sentAt].map(([id, at]) => p.scored.get(id)! - at).sort((a, b) => a - b);
  const first = Math.min(...sentAt.values());
  const last = Math.max(...[...sentAt.keys()].map((id) => p.scored.get(id)!));
  const cpuPerArticle = Object.fromEntries(Object.keys(cpu1).map((k) => [k, (cpu1[k]! - (cpu0[k] ?? 0)) / n]));
  return {
    kind,
    mode: rate === undefined ? 'max' : 'half',
    extracts: p.extracts.length,
    articles: n,
    images: n * IMAGES_PER_KIND[kind],
    offeredPerS: rate ?? n / sendS,
    articlesPerS: n / ((last - first) / 1000),
    p50Ms: percentile(lat, 50),
    p95Ms: percentile(lat, 95),
    p99Ms: percentile(lat, 99),
    maxMs: lat[lat.length - 1]!,
    cpuSPerArticle: cpuPerArticle,
    driverCpuSPerArticle: (driver1.user + driver1.system) / 1e6 / n,
    extractMainCpuSPerArticle: main0 !== undefined && main1 !== undefined ? (main1 - main0) / 1000 / n : undefined,
    ...(broker0 && broker1 ? { brokerCpuMsPerArticle: brokerThreads(broker0, broker1, n) } : {}),
    ...(threads0 && threads1 ? { extractThreads: { ...busiestThreads(threads0, threads1, xpid!, n), wallMs: (Date.now() - t0) / n } } : {}),
    machineBusy: (machine1.busyS - machine0.busyS) / (machine1.totalS - machine0.totalS),
  };
}

/** A pipeline's warm-up before anything is measured: 1-image articles, the first 4 and the first of each other language. */
async function warmUp(p: Pipeline, ctx: { texts: Text[]; photos: PhotoServer }) {
  const warm = warmupIndices(ctx.texts);
  say(`warm-up: ${warm.length} articles with one image (the first 4, and the first of each other language)`);
  await stream(p, ctx, 'img1', warm);
}

async function e2e(p: Pipeline, ctx: { texts: Text[]; photos: PhotoServer }, kinds: Kind[], half: boolean) {
  const rows: E2eRow[] = [];
  await warmUp(p, ctx);
  for (const kind of kinds) {
    say(`${p.extracts.length} extract: ${KIND_LABEL[kind]} at the maximum rate, ${sizeOf(kind)} articles`);
    const max = await stream(p, ctx, kind, sizeOf(kind));
    say(
      `  → ${max.articlesPerS.toFixed(2)} articles/s, p95 ${max.p95Ms.toFixed(0)} ms; extract's threads, ms per article of ${max.extractThreads?.wallMs.toFixed(1)} wall: CPU ${JSON.stringify(max.extractThreads?.cpu)}, run queue ${JSON.stringify(max.extractThreads?.queued)}; the broker, CPU ms per article: ${JSON.stringify(max.brokerCpuMsPerArticle)}`,
    );
    rows.push(max);
    if (!half) continue;
    const rate = max.articlesPerS / 2;
    const n = Math.max(4, Math.round(sizeOf(kind) / 2));
    say(`${p.extracts.length} extract: ${KIND_LABEL[kind]} at half rate (${rate.toFixed(2)}/s), ${n} articles`);
    const h = await stream(p, ctx, kind, n, rate);
    say(`  → p50 ${h.p50Ms.toFixed(0)} ms, p95 ${h.p95Ms.toFixed(0)} ms, p99 ${h.p99Ms.toFixed(0)} ms`);
    rows.push(h);
  }
  return rows;
}

/**
 * Mixes at the maximum rate in rounds (`--round-kinds`, default the end-to-end target's mix, 1-image
 * articles): one pipeline per design, all of them up at once and fed one at a time, every mix in each
 * round, the designs' order reversed every round; a warm-up and one unmeasured run of each mix through
 * each first. One end-to-end run per design is ~15–40 s while the machine's load moves by the minute; in
 * rounds each design's runs fall at the same times on average (bench/lib/rounds.ts).
 */
async function e2eRounds(brokers: string, redisUrl: string, run: string, ctx: { texts: Text[]; photos: PhotoServer }, kinds: Kind[]) {
  const pipes: Record<string, Pipeline> = {};
  const rounds: Partial<Record<Kind, Array<Record<string, E2eRow>>>> = {};
  try {
    for (const engine of ENGINES) {
      pipes[engine] = await startPipeline(brokers, redisUrl, `${run}r${engine}`, 1, engine);
      await warmUp(pipes[engine], ctx);
      // and one unmeasured run of each mix: after the ten warm-up articles alone the first round was each design's slowest
      for (const kind of kinds) {
        say(`end to end, an unmeasured round: ${KIND_LABEL[kind]} at the maximum rate, ${sizeOf(kind)} articles, variant ${engine}`);
        await stream(pipes[engine], ctx, kind, sizeOf(kind));
      }
    }
    for (let i = 0; i < ROUNDS; i++)
      for (const kind of kinds) {
        const round: Record<string, E2eRow> = {};
        for (const engine of roundOrder(ENGINES, i)) {
          say(
            `end to end, round ${i + 1} of ${ROUNDS}: ${KIND_LABEL[kind]} at the maximum rate, ${sizeOf(kind)} articles, variant ${engine}`,
          );
          round[engine] = await stream(pipes[engine]!, ctx, kind, sizeOf(kind));
          say(`  → ${round[engine].articlesPerS.toFixed(2)} articles/s`);
        }
        (rounds[kind] ??= []).push(round);
      }
  } finally {
    for (const p of Object.values(pipes)) await p.stop();
  }
  return rounds;
}

async function redisMemory(redis: Redis, prefix: string) {
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys += batch.length;
    for (const k of batch) bytes += Number((await redis.memory('USAGE', k)) ?? 0);
  } while (cursor !== '0');
  return { keys, mb: bytes / 1e6 };
}

async function main() {
  ensureModels();
  const infra = await ensureInfra((m) => say(m));
  const redis = new Redis(infra.redisUrl);
  const extractCfg = loadExtractConfig({});
  const hostSettings = modelHostOptions(extractCfg);
  const photos = await startPhotoServer();
  const { texts, source: textSource } = loadTexts();
  const ctx = { texts, photos };
  const run = uniqueId('bench');
  const result: BenchResult = {
    at: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? '?',
      simd: cpuSimd(),
      memGb: totalmem() / 2 ** 30,
      node: process.version,
      loadAtStart: loadavg()[0]!,
    },
    workload: {
      texts: textSource,
      photos: photos.source,
      meanPhotoKb: photos.meanBytes / 1024,
      sizes: Object.fromEntries(KINDS.map((k) => [k, sizeOf(k)])),
    },
    settings: {
      TEXT_CONCURRENCY: extractCfg.TEXT_CONCURRENCY,
      IMAGE_CONCURRENCY: extractCfg.IMAGE_CONCURRENCY,
      ORT_THREADS: extractCfg.ORT_THREADS,
      TEXT_ORT_THREADS: encoderThreads(extractCfg, 'text'),
      MODEL_HOST_SHARDS: hostSettings.shards ?? 1,
      MODEL_HOST_THREADS: hostSettings.threads,
      MODEL_HOST_QUEUE: extractCfg.MODEL_HOST_QUEUE,
      KAFKA_PARTITIONS: 4,
    },
    engines: { list: ENGINES, variants: VARIANT_ENV, imageModels: [], alone: {}, e2e: {}, peakRssMb: {} },
    models: [],
    alone: {},
    transport: { kafka: [], flows: [] },
    e2e: [],
    peakRssMb: {},
    redis: undefined,
  };
  try {
    const eng = result.engines!;
    if (!skip.has('models')) {
      const { models, image } = await perModel(cpus().length);
      result.models = models;
      eng.imageModels = image.rows;
      eng.peak = image.peak;
    }
    if (!skip.has('alone')) {
      const rounds: AloneRound<AloneResult>[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        if (ROUNDS > 1) say(`extract work alone: round ${i + 1} of ${ROUNDS}`);
        const round: AloneRound<AloneResult> = {};
        for (const engine of roundOrder(ENGINES, i)) {
          const rows: BenchResult['alone'] = {};
          for (const k of kinds) rows[k] = await alone(k, photos, run, engine);
          round[engine] = rows;
        }
        rounds.push(round);
      }
      eng.alone = medianOfRounds(rounds);
      if (ROUNDS > 1) eng.aloneRounds = rounds;
      result.alone = eng.alone[ENGINES[0]!] ?? {};
    }
    if (!skip.has('languages'))
      // every variant, the first one's run in the report's main row (its English-only run is in `alone`)
      for (const engine of ENGINES) {
        const l = await alone('img1', photos, `${run}-zh-${engine}`, engine, 'en,zh');
        const zh = l.languages?.zh;
        say(`  → peak RSS ${l.peakRssMb.toFixed(0)} MB; zh text jobs: ${zh ? `${zh.articles} (${zh.dim}-d)` : 'none'}`);
        if (!zh) throw new Error('languages: no article was read as Chinese, so bge-small-zh was not loaded');
        const row = {
          variant: engine,
          kind: 'img1' as const,
          articles: l.articles,
          articlesPerS: l.articlesPerS,
          cpuSPerArticle: l.cpuSPerArticle,
          peakRssMb: l.peakRssMb,
          failures: l.failures,
          languages: l.languages ?? {},
        };
        if (engine === ENGINES[0]) result.languages = row;
        else (result.languagesOther ??= []).push(row);
      }
    if (!skip.has('transport')) {
      say('transport: raw kafkajs and raw BullMQ flows');
      for (const bytes of [1_000, 10_000, 100_000])
        result.transport.kafka.push(await kafkaRaw(infra.brokers, run, Math.round(2000 * Math.max(scale, 0.5)), bytes));
      for (const k of kinds)
        result.transport.flows.push(
          await bullFlowRaw(infra.redisUrl, run, Math.round(1000 * Math.max(scale, 0.5)), IMAGES_PER_KIND[k], {
            text: extractCfg.TEXT_CONCURRENCY,
            image: extractCfg.IMAGE_CONCURRENCY,
            fuse: 8,
          }),
        );
    }
    if (!skip.has('e2e')) {
      const redisBefore = await redis.info('memory');
      const p = await startPipeline(infra.brokers, infra.redisUrl, run, 1);
      const mem = watchMemory(() => p.pids());
      try {
        result.e2e.push(...(await e2e(p, ctx, kinds, true)));
      } finally {
        result.peakRssMb = mem.stop();
        result.failedImages = p.failedImages;
        result.deadLetters = p.deadLetters;
        await p.stop();
      }
      eng.e2e[ENGINES[0]!] = result.e2e.filter((e) => e.extracts === 1);
      eng.peakRssMb[ENGINES[0]!] = result.peakRssMb;
      (eng.startup ??= {})[ENGINES[0]!] = p.startup;
      // The other engines: the same mixes through a fresh pipeline whose extract uses that engine.
      for (const engine of ENGINES.slice(1)) {
        const runE = `${run}${engine}`;
        const pe = await startPipeline(infra.brokers, infra.redisUrl, runE, 1, engine);
        const memE = watchMemory(() => pe.pids());
        try {
          eng.e2e[engine] = await e2e(pe, ctx, kinds, true);
        } finally {
          eng.peakRssMb[engine] = memE.stop();
          (eng.startup ??= {})[engine] = pe.startup;
          await pe.stop();
        }
      }
      const retained = await redisMemory(redis, run);
      for (const q of Object.values(QUEUES)) {
        const queue = new Queue(q, { connection: redis.duplicate(), prefix: `${run}:bull` });
        await queue.clean(0, 100_000, 'completed');
        await queue.close();
      }
      const cleaned = await redisMemory(redis, run);
      const scoredArticles = p.scored.size;
      result.redis = {
        articles: scoredArticles,
        retainedMb: retained.mb,
        retainedKeys: retained.keys,
        afterCleanMb: cleaned.mb,
        afterCleanKeys: cleaned.keys,
        usedMemoryBeforeMb: Number(/used_memory:(\d+)/.exec(redisBefore)?.[1] ?? 0) / 1e6,
        usedMemoryAfterMb: Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) / 1e6,
      };
    }
    const roundKinds = ROUND_KINDS.filter((k) => kinds.includes(k));
    if (!skip.has('e2e') && ROUNDS > 1 && ENGINES.length > 1 && roundKinds.length) {
      const byKind = await e2eRounds(infra.brokers, infra.redisUrl, run, ctx, roundKinds);
      if (byKind.img1) eng.e2eRounds = byKind.img1;
      const others = Object.fromEntries(Object.entries(byKind).filter(([k]) => k !== 'img1'));
      if (Object.keys(others).length) eng.e2eRoundsOther = others;
    }
    if (!skip.has('scaling')) {
      const run2 = `${run}x2`;
      const p = await startPipeline(infra.brokers, infra.redisUrl, run2, 2);
      const mem = watchMemory(() => p.pids());
      try {
        result.e2e.push(
          ...(await e2e(
            p,
            ctx,
            kinds.filter((k) => k !== 'img3'),
            false,
          )),
        );
      } finally {
        result.peakRssMb2 = mem.stop();
        await p.stop();
      }
    }
  } finally {
    await photos.close();
    for (const prefix of [run, `${run}x2`, `${run}-alone`, ...ENGINES.flatMap((e) => [`${run}${e}`, `${run}r${e}`])]) {
      const keys = await redis.keys(`${prefix}:*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    }
    redis.disconnect();
    infra.stop();
  }
  result.machine.loadAtEnd = loadavg()[0]!;
  const dir = join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  const md = await writeReport(result, { file, docs: !values['no-docs'] });
  process.stdout.write(md.table + '\n');
  say(`results: ${file}${values['no-docs'] ? '' : '; docs/benchmarks.md and docs/benchmarks.svg regenerated'}`);
}

async function regenerate(file: string) {
  const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
  const md = await writeReport(result, { file: join(REPO_ROOT, relative(REPO_ROOT, file)), docs: !values['no-docs'] });
  process.stdout.write(md.table + '\n');
}

(values.report ? regenerate(values.report) : main()).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
