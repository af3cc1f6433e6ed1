/**
 * "Extract work alone": the limit the pipeline is measured against. The same extractor as the extract
 * service, in the same arrangement — EXTRACT_JOB_THREADS shared job threads taking TEXT_CONCURRENCY text
 * and IMAGE_CONCURRENCY image jobs at once (EXTRACT_THREADS=shared, the default), or a thread per job
 * slot (per-job), the model host beside them — fed the same articles straight from memory
 * (images still fetched from the loopback photo server, as extract does). No Kafka, no BullMQ, no
 * fuse or score. Runs as its own process so its CPU and RSS are its own:
 *
 *   node --enable-source-maps scripts/bin/service.mjs bench/lib/alone.ts --kind img1 --articles 40 [--photos http://127.0.0.1:PORT] [--languages en,zh]
 *
 * (launched as the extract service is, bundled to JavaScript: @newsfuse/shared/launch; `node --import tsx
 * bench/lib/alone.ts …` is the earlier way, the bench variant `maintsx`)
 *
 * --languages en,zh: every other article is one of the demo's Chinese articles, so the text threads
 * load both sentence spaces (MiniLM and bge-small-zh) and the peak RSS is with both embedders loaded.
 * The language router decides each article's language from its text, as the extract service does.
 *
 * Without --photos it serves the photos itself. The thread settings come from the environment like the
 * service's (TEXT_CONCURRENCY, IMAGE_CONCURRENCY, ORT_THREADS), so it also measures what one more
 * thread costs in RSS, e.g. IMAGE_CONCURRENCY=1 vs 2.
 *
 * Prints one JSON line: wall seconds, articles/s, CPU seconds per article, peak RSS.
 *
 * --breakdown: where the memory is (docs/model-host.md, Memory). The line gets `breakdown`, one entry per
 * phase — `process` (this thread's imports), `host` (the model host thread started, no session yet),
 * `threads` (the job threads started: their imports), `warm` (after the warm-up: every model loaded and
 * run), `run` (after the measured run) — each with the process's resident memory (anonymous and
 * file-backed, and its peak so far) and each thread's V8 heap, external memory and loaded packages.
 *
 * --threads-cpu: the line gets `threadsCpuMsPerArticle`, the measured run's CPU per article by thread (main,
 * host, text0, image0, …, then libvips' workers, V8's and Node's helpers, the native pools: byRole),
 * and `threadsQueuedMsPerArticle`, the same threads' time runnable but waiting for a CPU.
 */
import { Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { ArticleEvent, ImageJobData, TextJobData } from '@newsfuse/shared';
import { BaseConfigSchema, loadConfig } from '@newsfuse/shared';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import { articleJobs } from '@newsfuse/stage-extract/jobs';
import { ArticleInput, candidateFromInput } from '@newsfuse/stage-ingest/article';
import { modelHostOptions, startModelHost, threadResourceLimits, type ModelHostHandle } from '@newsfuse/pipeline/model-host/start';
import { threadEntry } from '@newsfuse/pipeline/thread-entry';
import { connectModelHost, encoderThreads } from '@newsfuse/pipeline/model-host/client';
import type { HostStats } from '@newsfuse/pipeline/model-host/protocol';

const loadExtractConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(BaseConfigSchema.extend(AnalysisConfigSchema.shape), env);
import { IMAGES_PER_KIND, articleInputOf, loadTexts, loadZhTexts, startPhotoServer, warmupIndices, type Kind } from './workload.ts';
import { procStat, roundMs, sumThreads, threadCpu, threadsSpent, type ThreadSpent } from './procs.ts';
import { readFileSync } from 'node:fs';
import { threadMemory, type ThreadMemory } from '@newsfuse/pipeline/thread-memory';
import type { LanguageCounts } from './report.ts';

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'img1' },
    articles: { type: 'string', default: '20' },
    photos: { type: 'string' },
    run: { type: 'string', default: 'alone' },
    languages: { type: 'string', default: 'en' },
    breakdown: { type: 'boolean', default: false },
    'threads-cpu': { type: 'boolean', default: false },
  },
});
const LANGUAGE_MIXES = ['en', 'en,zh'];
/** publishedAt and fetchedAt of the bench's articles (the jobs do not read them). */
const BENCH_DATE = '2026-01-01T00:00:00.000Z';
if (!LANGUAGE_MIXES.includes(values.languages)) throw new Error(`--languages: one of ${LANGUAGE_MIXES.join(' | ')}`);

type Job = { kind: 'text'; job: TextJobData } | { kind: 'image'; job: ImageJobData };
/** A job thread's answer (alone.worker.ts); text jobs say which language's analyzer read them and the embedding dimension. */
type Reply = { id: number; ok: boolean; error?: string; language?: string; dim?: number; memory?: ThreadMemory };

/** The process's resident memory now (anonymous, file-backed) and its peak so far, MB (/proc/self/status). */
function residentMb() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const mb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
  return { rssMb: mb('VmRSS'), anonMb: mb('RssAnon'), fileMb: mb('RssFile'), peakMb: mb('VmHWM') };
}

async function main() {
  // Standalone runs: fetch from the loopback photo server, keep the document-frequency table apart.
  process.env.NEWSFUSE_FETCH_ALLOW_HOSTS ??= '127.0.0.1';
  const ownPrefix = process.env.NEWSFUSE_PREFIX ? undefined : `${values.run}-${process.pid}`;
  if (ownPrefix) process.env.NEWSFUSE_PREFIX = ownPrefix;
  const cfg = loadExtractConfig();
  const kind = values.kind as Kind;
  const n = Number(values.articles);
  const { texts } = loadTexts();
  const zhTexts = values.languages === 'en,zh' ? loadZhTexts() : [];
  /** Article i's text: with Chinese in the mix, every other article is Chinese. */
  const textOf = (i: number) => (zhTexts.length > 0 && i % 2 === 1 ? zhTexts[(i >> 1) % zhTexts.length]! : texts[i % texts.length]!);
  const server = values.photos ? undefined : await startPhotoServer();
  const photos = values.photos ?? server!.url;
  const entry = await threadEntry(new URL('./alone.worker.ts', import.meta.url), cfg.THREAD_LOADER);
  const breakdown: Array<{ phase: string } & ReturnType<typeof residentMb> & { threads: Record<string, ThreadMemory> }> = [];
  /** What each thread started so far holds (its heap, its packages, its OS thread id), by role. */
  const threadsNow = async (host?: ModelHostHandle, pools: Record<string, Worker[]> = {}) => {
    const threads: Record<string, ThreadMemory> = { main: threadMemory() };
    if (host) for (const [i, m] of (await host.memory()).entries()) threads[i ? `host${i}` : 'host'] = m;
    for (const [role, pool] of Object.entries(pools))
      for (const [i, w] of pool.entries()) {
        const id = nextId++;
        threads[`${role}${i}`] = await new Promise<ThreadMemory>((resolve) => {
          const on = (m: Reply) => {
            if (m.id !== id) return;
            w.off('message', on);
            resolve(m.memory!);
          };
          w.on('message', on);
          w.postMessage({ id, kind: 'memory' });
        });
      }
    return threads;
  };
  /** The breakdown's entry for `phase`: resident memory and what each thread started so far holds. */
  const snapshot = async (phase: string, host?: ModelHostHandle, pools: Record<string, Worker[]> = {}) => {
    if (values.breakdown) breakdown.push({ phase, ...residentMb(), threads: await threadsNow(host, pools) });
  };
  let nextId = 0;
  // --threads-cpu: the threads there before any worker (the main thread, and V8's and Node's own helpers)
  const startThreads = new Set(threadCpu().keys());
  await snapshot('process');
  const resourceLimits = threadResourceLimits(cfg);
  const host = cfg.EXTRACT_MODEL_HOST
    ? await startModelHost(modelHostOptions(cfg), { resourceLimits, loader: cfg.THREAD_LOADER })
    : undefined;
  await snapshot('host', host);
  const spawnPool = (size: number, role: 'text' | 'image' | 'both') =>
    Promise.all(
      Array.from(
        { length: size },
        () =>
          new Promise<Worker>((resolve, reject) => {
            const w = new Worker(entry, { workerData: { role }, resourceLimits });
            w.once('error', reject);
            w.once('message', () => resolve(w));
          }),
      ),
    );
  // As the service (EXTRACT_THREADS): shared, EXTRACT_JOB_THREADS threads of both roles, each taking
  // TEXT_CONCURRENCY + IMAGE_CONCURRENCY jobs at once between them (a pool's entry per job slot);
  // per-job, a thread per slot.
  const shared = cfg.EXTRACT_THREADS === 'shared';
  const imageSlots = IMAGES_PER_KIND[kind] ? cfg.IMAGE_CONCURRENCY : 0;
  const jobThreads = shared ? await spawnPool(cfg.EXTRACT_JOB_THREADS, 'both') : [];
  const slotsOf = (n: number, offset: number) => Array.from({ length: n }, (_, i) => jobThreads[(i + offset) % jobThreads.length]!);
  const [textPool, imagePool] = shared
    ? [slotsOf(cfg.TEXT_CONCURRENCY, 0), slotsOf(imageSlots, cfg.TEXT_CONCURRENCY)]
    : await Promise.all([spawnPool(cfg.TEXT_CONCURRENCY, 'text'), spawnPool(imageSlots, 'image')]);
  const pools: Record<string, Worker[]> = shared ? { jobs: jobThreads } : { text: textPool, image: imagePool };
  await snapshot('threads', host, pools);

  const jobsFor = (indices: number[], tag: string) => {
    const text: Job[] = [];
    const image: Job[] = [];
    for (const i of indices) {
      const t = textOf(i);
      // the article as ingest publishes the pushed one (the e2e runs' push body, ingest's own candidate), and
      // its jobs' data as extract's flow makes it (@newsfuse/stage-extract/jobs: the language, the captions)
      const pushed = candidateFromInput(ArticleInput.parse(articleInputOf(values.run, i, kind, t, photos)), 'push');
      const event: ArticleEvent = {
        ...pushed,
        schemaVersion: 1,
        articleId: `${values.run}-${tag}-${i}`,
        version: 1,
        publishedAt: BENCH_DATE,
        fetchedAt: BENCH_DATE,
      };
      const jobs = articleJobs(event);
      text.push({ kind: 'text', job: jobs.text });
      for (const job of jobs.images) image.push({ kind: 'image', job });
    }
    return { text, image };
  };

  const failures: string[] = [];
  /** Text jobs per language the router chose, with the embedding dimension seen (the measured run only). */
  const languages: LanguageCounts = {};
  let counting = false;
  const runPool = (pool: Worker[], jobs: Job[]) =>
    Promise.all(
      pool.map(async (w) => {
        for (let j = jobs.shift(); j; j = jobs.shift()) {
          const id = nextId++;
          const reply = await new Promise<Reply>((resolve) => {
            const on = (m: Reply) => {
              if (m.id !== id) return;
              w.off('message', on);
              resolve(m);
            };
            w.on('message', on);
            w.postMessage({ id, ...j });
          });
          if (!reply.ok) failures.push(reply.error ?? `${j.kind} job not ok`);
          if (counting && reply.language) {
            const l = (languages[reply.language] ??= { articles: 0, dim: 0 });
            l.articles++;
            l.dim = Math.max(l.dim, reply.dim ?? 0);
          }
        }
      }),
    );
  const runAll = async (jobs: { text: Job[]; image: Job[] }) => {
    await Promise.all([runPool(textPool, jobs.text), runPool(imagePool, jobs.image)]);
  };

  // Warm-up: every thread loads its models and handles a couple of jobs, and each language of the
  // workload is read once (its models load on its first article).
  const allTexts = zhTexts.length > 0 ? [...texts, ...zhTexts] : texts;
  await runAll(jobsFor(warmupIndices(allTexts, Math.max(cfg.TEXT_CONCURRENCY, cfg.IMAGE_CONCURRENCY) * 2, textOf), 'warm'));
  await snapshot('warm', host, pools);
  const client = host ? connectModelHost({ name: host.options.name, shards: host.options.shards ?? 1 }) : undefined;
  const hostStats0 = await client?.stats();
  const jobs = jobsFor(
    Array.from({ length: n }, (_, i) => 1000 + i),
    'run',
  );
  const roles = values['threads-cpu'] ? await threadsNow(host, pools) : {};
  const threads0 = values['threads-cpu'] ? threadCpu() : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  counting = true;
  await runAll(jobs);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const threads = threads0 ? byRole(roles, startThreads, threadsSpent(threads0, threadCpu(), n)) : undefined;
  const stat = procStat(process.pid);
  const hostStats1 = await client?.stats();
  await snapshot('run', host, pools);
  client?.close();
  await Promise.all([...new Set([...textPool, ...imagePool])].map((w) => w.terminate()));
  await host?.stop();
  await server?.close();
  if (ownPrefix) {
    const redis = new Redis(cfg.REDIS_URL);
    const keys = await redis.keys(`${ownPrefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
  process.stdout.write(
    JSON.stringify({
      kind,
      articles: n,
      languages,
      wallS,
      articlesPerS: n / wallS,
      cpuSPerArticle: (cpu.user + cpu.system) / 1e6 / n,
      peakRssMb: stat?.hwmMb ?? 0,
      failures: failures.length,
      firstFailure: failures[0],
      jobs: cfg.EXTRACT_THREADS,
      textThreads: shared ? 0 : textPool.length,
      imageThreads: shared ? 0 : imagePool.length,
      jobThreads: jobThreads.length,
      ortThreads: encoderThreads(cfg, 'text'),
      ...(values.breakdown ? { breakdown } : {}),
      ...(threads ? { threadsCpuMsPerArticle: threads.cpu, threadsQueuedMsPerArticle: threads.queued } : {}),
      ...(host && hostStats0 && hostStats1 ? { modelHost: { threads: host.options.threads, ...hostDelta(hostStats0, hostStats1) } } : {}),
    }) + '\n',
  );
}

/**
 * --threads-cpu: the measured run's CPU and run-queue time per article, ms, by thread: the threads whose
 * role is known (main, the host's shards, each job thread: they report their OS thread id), then the rest
 * by kind — libvips' workers (by name), the threads there before any worker started (V8's garbage
 * collection and compiler helpers, Node's own, and libuv's pool, which runs sharp's decoding: the module
 * loader starts it), and the native threads started since (onnxruntime's intra-op pools when a session has
 * more than one thread); each with a total.
 */
function byRole(
  roles: Record<string, ThreadMemory>,
  startThreads: Set<number>,
  spent: ThreadSpent[],
): { cpu: Record<string, number>; queued: Record<string, number> } {
  const roleOf = new Map(Object.entries(roles).flatMap(([role, m]) => (m.tid === undefined ? [] : [[m.tid, role] as const])));
  const sums = sumThreads(
    spent,
    (t) =>
      roleOf.get(t.tid) ??
      (t.name.startsWith('libvips')
        ? 'libvips workers'
        : startThreads.has(t.tid)
          ? "V8's and Node's helpers (GC, compiler, libuv's pool)"
          : 'native pools started later (onnxruntime)'),
  );
  const withTotal = (r: Record<string, number>) => roundMs({ ...r, total: Object.values(r).reduce((a, b) => a + b, 0) });
  return { cpu: withTotal(sums.cpu), queued: withTotal(sums.queued) };
}

/** What the host did during the measured run: requests, runs, batches, wall ms per run per model file. */
function hostDelta(a: HostStats, b: HostStats) {
  const model = (path: string) =>
    path
      .split('/')
      .pop()!
      .replace(/\.onnx$/, '');
  return {
    requests: b.requests - a.requests,
    runs: b.runs - a.runs,
    batchedRequests: b.batchedRequests - a.batchedRequests,
    maxQueued: b.maxQueued,
    /** Per model file: runs and wall ms per run in the host (all intra-op threads). */
    perModel: Object.fromEntries(
      Object.entries(b.runMs).map(([p, ms]) => {
        const runs = (b.runsBy[p] ?? 0) - (a.runsBy[p] ?? 0);
        return [model(p), { runs, msPerRun: runs ? (ms - (a.runMs[p] ?? 0)) / runs : 0 }];
      }),
    ),
  };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`alone: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
