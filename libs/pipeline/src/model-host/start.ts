/**
 * Starting the model host from a process's main thread: one worker thread (host.ts) per shard
 * (shards.ts; MODEL_HOST_SHARDS) that every job thread of the process reaches through client.ts. A host
 * thread that dies is started again (its callers' requests fail with MODEL_HOST_FAILED and are retried)
 * until `stop()`; the other shards go on serving.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { hostGcMb, type AnalysisConfig } from '@newsfuse/models/config';
import { DEFAULT_HOST_NAME } from './protocol.ts';
import { hostShards, shardName } from './shards.ts';
import type { ModelHostOptions } from './host.ts';
import { DEFAULT_FAST_BURST } from './lanes.ts';
import { threadEntry, type ThreadLoader } from '../thread-entry.ts';
import type { ThreadMemory } from '../thread-memory.ts';

const ENTRY = new URL('./host.thread.ts', import.meta.url);

export interface ModelHostHandle {
  readonly options: ModelHostOptions;
  /** Times a host thread was started, less one per shard beyond the first (1 + restarts). */
  readonly starts: number;
  /** End the host threads after their runs in progress; the handle starts new ones, as after a crash (operations, tests). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** What each host thread (shard) holds: its V8 heap and loaded packages (the memory breakdown). */
  memory(): Promise<ThreadMemory[]>;
}

/** The host's settings from the analysis config (MODEL_HOST_*); threads default to the machine's cores over the shards. */
export function modelHostOptions(
  cfg: Pick<
    AnalysisConfig,
    'MODEL_HOST_THREADS' | 'MODEL_HOST_QUEUE' | 'MODEL_HOST_BATCH_MS' | 'MODEL_HOST_MAX_BATCH' | 'MODEL_HOST_SPIN'
  > &
    Partial<Pick<AnalysisConfig, 'MODEL_HOST_SHARDS'>> &
    Partial<
      Pick<
        AnalysisConfig,
        'MODEL_HOST_GC_MB' | 'EXTRACT_THREADS' | 'MODEL_HOST_ARENA' | 'MODEL_HOST_FAST_BURST' | 'MODEL_HOST_FAST_THREADS'
      >
    >,
  name = DEFAULT_HOST_NAME,
): ModelHostOptions {
  const shards = hostShards(cfg);
  return {
    name,
    shards,
    threads: cfg.MODEL_HOST_THREADS ?? Math.max(1, Math.floor(availableParallelism() / shards)),
    spin: cfg.MODEL_HOST_SPIN,
    queue: cfg.MODEL_HOST_QUEUE,
    batchMs: cfg.MODEL_HOST_BATCH_MS,
    maxBatch: cfg.MODEL_HOST_MAX_BATCH,
    gcMb: hostGcMb(cfg),
    arena: cfg.MODEL_HOST_ARENA ?? true,
    burst: cfg.MODEL_HOST_FAST_BURST ?? DEFAULT_FAST_BURST,
    fastThreads: cfg.MODEL_HOST_FAST_THREADS ?? 1,
  };
}

/** The V8 limits of extract's worker threads (job threads and the model host): a small young generation. */
export function threadResourceLimits(cfg: Pick<AnalysisConfig, 'THREAD_YOUNG_GEN_MB'>): ResourceLimits {
  return { maxYoungGenerationSizeMb: cfg.THREAD_YOUNG_GEN_MB };
}

export interface StartOptions {
  /** Where the host's failures and restarts are reported. */
  log?: (msg: string, err?: unknown) => void;
  /** V8 limits of the host thread (threadResourceLimits). */
  resourceLimits?: ResourceLimits;
  /** How the thread loads its TypeScript (THREAD_LOADER; default bundle). */
  loader?: ThreadLoader;
}

/** Start the host's threads, one per shard (the entry compiled to JavaScript first: thread-entry.ts). */
export async function startModelHost(options: ModelHostOptions, start: StartOptions = {}): Promise<ModelHostHandle> {
  const entry = await threadEntry(ENTRY, start.loader);
  const shards = Array.from({ length: Math.max(1, options.shards ?? 1) }, (_, i) =>
    startShard(entry, { ...options, name: shardName(options.name, i) }, i, start),
  );
  return {
    options,
    get starts() {
      return shards.reduce((n, s) => n + s.starts, 0) - (shards.length - 1);
    },
    restart: async () => void (await Promise.all(shards.map((s) => s.restart()))),
    memory: () => Promise.all(shards.map((s) => s.memory())),
    stop: async () => void (await Promise.all(shards.map((s) => s.stop()))),
  };
}

/** One host thread, started again when it dies until stop(). */
function startShard(
  entry: string | URL,
  options: ModelHostOptions,
  shard: number,
  { log = () => undefined, resourceLimits }: StartOptions,
): { readonly starts: number; restart(): Promise<void>; stop(): Promise<void>; memory(): Promise<ThreadMemory> } {
  let worker: Worker;
  let stopping = false;
  let starts = 0;
  const spawn = () => {
    starts++;
    worker = new Worker(entry, {
      workerData: options,
      name: shard ? `model-host-${shard}` : 'model-host',
      ...(resourceLimits ? { resourceLimits } : {}),
    });
    worker.on('error', (err) => log('model host thread failed', err));
    worker.on('exit', (code) => {
      if (stopping) return;
      log(`model host thread ${options.name} exited (${code}); starting a new one`);
      setTimeout(spawn, 250).unref();
    });
  };
  /** Ask the thread to finish its run and exit (terminate() inside a native run aborts the process); terminate after 10 s. */
  const end = (w: Worker) =>
    new Promise<void>((resolve) => {
      const force = setTimeout(() => void w.terminate(), 10_000);
      w.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      w.postMessage('stop');
    });
  spawn();
  return {
    get starts() {
      return starts;
    },
    restart: () => end(worker),
    memory: () =>
      new Promise<ThreadMemory>((resolve) => {
        const w = worker;
        const on = (m: { memory?: ThreadMemory }) => {
          if (!m.memory) return;
          w.off('message', on);
          resolve(m.memory);
        };
        w.on('message', on);
        w.postMessage('memory');
      }),
    async stop() {
      stopping = true;
      await end(worker);
    },
  };
}
