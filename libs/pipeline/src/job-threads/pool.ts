/**
 * Job threads shared by a process's BullMQ workers. BullMQ's sandbox (`useWorkerThreads`) gives every
 * concurrent job a thread of its own — a V8 isolate with its own copy of every module and vocabulary the
 * processor loads. With a model host (libs/pipeline/src/model-host) a job thread holds no image model and
 * mostly waits: for a download, for the host. So here a few threads (often one) take every kind of job
 * (text and image), each running several jobs at once on its event loop, and the workers' processors in
 * the main thread only hand a job over and await its answer. The main thread keeps BullMQ's lock renewal
 * and the Kafka heartbeats and computes nothing (tests/stall.test.ts).
 *
 *   const pool = await startJobThreads({ entry: new URL('./jobs.thread.ts', import.meta.url), threads: 1 });
 *   new Worker('extract-image', (job) => pool.run('image', job), { concurrency: 2 });
 *
 * A job goes to the thread with the fewest jobs in progress. A thread that exits (a crash, an
 * out-of-memory abort) fails the jobs it had in progress with JOB_THREAD_FAILED, retriable (BullMQ runs
 * them again), and is started again; what it cost is one attempt of each job in it (a sandbox thread
 * fails only its own job: the price of sharing, docs/model-host.md).
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { NewsFuseError } from '@newsfuse/shared/errors';
import { threadEntry, type ThreadLoader } from '../thread-entry.ts';
import { deserializeError, type FromThread, type ThreadJob, type ToThread } from './protocol.ts';

export interface JobThreadsOptions {
  /** The thread's module: it calls serveJobs (serve.ts). Compiled to JavaScript as every thread entry is (thread-entry.ts). */
  entry: URL | string;
  /** Threads in the pool (≥ 1). */
  threads: number;
  /** Thread names (`<name>-<i>`, seen in heap snapshots and `top -H`). */
  name?: string;
  loader?: ThreadLoader;
  resourceLimits?: ResourceLimits;
  workerData?: unknown;
  log?: (msg: string, err?: unknown) => void;
  /** Wait before starting a thread again after it exited (ms). */
  restartDelayMs?: number;
}

export interface JobThreads {
  /** Run a job of `kind` in a thread; resolves with the processor's result, rejects with its error. */
  run<T = unknown>(kind: string, job: ThreadJob): Promise<T>;
  /** Jobs in progress per thread. */
  inProgress(): number[];
  /** Times a thread was started (threads + restarts). */
  readonly starts: number;
  /** Let the threads finish their jobs and end (after the BullMQ workers have closed); terminate after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
  /** Jobs picked for this thread, not yet posted (waiting for it to be ready). */
  reserved: number;
  exited: boolean;
}

/** A BullMQ job (or anything shaped like one) as a thread sees it. */
export function threadJob(job: {
  id?: string | undefined;
  name: string;
  data: unknown;
  attemptsMade: number;
  opts: { attempts?: number | undefined };
}): ThreadJob {
  return {
    ...(job.id === undefined ? {} : { id: job.id }),
    name: job.name,
    data: job.data,
    attemptsMade: job.attemptsMade,
    opts: job.opts.attempts === undefined ? {} : { attempts: job.opts.attempts },
  };
}

export async function startJobThreads(options: JobThreadsOptions): Promise<JobThreads> {
  if (!Number.isInteger(options.threads) || options.threads < 1)
    throw new Error(`startJobThreads: threads must be ≥ 1, got ${options.threads}`);
  const entry = await threadEntry(options.entry, options.loader);
  const log = options.log ?? (() => undefined);
  const name = options.name ?? 'jobs';
  let stopping = false;
  let starts = 0;
  let nextId = 1;
  const slots: Slot[] = [];

  const spawn = (i: number): Slot => {
    starts++;
    const worker = new Worker(entry, {
      name: `${name}-${i}`,
      workerData: options.workerData,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    const slot: Slot = { worker, pending: new Map(), reserved: 0, exited: false, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromThread) => {
        if (m.type === 'ready') return resolve();
        if (m.type === 'done' || m.type === 'failed') {
          const p = slot.pending.get(m.id);
          if (!p) return;
          slot.pending.delete(m.id);
          if (m.type === 'done') p.resolve(m.value);
          else p.reject(deserializeError(m.error));
        }
      };
      worker.on('message', onMessage);
      worker.on('error', (err) => {
        log(`job thread ${name}-${i} failed`, err);
        reject(err);
      });
      worker.on('exit', (code) => {
        slot.exited = true;
        reject(new Error(`job thread ${name}-${i} exited (${code}) before it was ready`));
        const lost = [...slot.pending.values()];
        slot.pending.clear();
        for (const p of lost)
          p.reject(
            new NewsFuseError('JOB_THREAD_FAILED', `job thread ${name}-${i} exited (code ${code}) with the job in progress`, {
              retriable: true,
            }),
          );
        if (stopping) return;
        log(`job thread ${name}-${i} exited (${code}) with ${lost.length} job(s) in progress; starting a new one`);
        const t = setTimeout(() => {
          if (!stopping) slots[i] = spawn(i);
        }, options.restartDelayMs ?? 250);
        t.unref();
      });
    });
    slot.ready.catch(() => undefined);
    return slot;
  };

  for (let i = 0; i < options.threads; i++) slots.push(spawn(i));
  // A thread that cannot start (its module fails to load) fails here, at start, not on the first job,
  // and no thread is started again behind the caller's back.
  try {
    await Promise.all(slots.map((s) => s.ready));
  } catch (err) {
    stopping = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw err;
  }

  /**
   * The live thread with the fewest jobs in progress or on their way to it (one being started again
   * counts as busy); its `reserved` count is taken here and given back by the caller when it posts.
   */
  const pick = async (): Promise<Slot> => {
    for (let tries = 0; ; tries++) {
      const live = slots.filter((s) => !s.exited);
      if (live.length > 0) {
        const load = (s: Slot) => s.pending.size + s.reserved;
        const slot = live.reduce((a, b) => (load(b) < load(a) ? b : a));
        slot.reserved++;
        try {
          await slot.ready;
        } catch {
          // exited while starting: try again
        }
        if (!slot.exited) return slot;
        slot.reserved--;
      }
      if (stopping) throw new NewsFuseError('JOB_THREAD_FAILED', 'the job threads are stopping', { retriable: true });
      if (tries > 200) throw new NewsFuseError('JOB_THREAD_FAILED', 'no job thread came back within 10 s', { retriable: true });
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    get starts() {
      return starts;
    },
    async run<T>(kind: string, job: ThreadJob): Promise<T> {
      if (stopping) throw new NewsFuseError('JOB_THREAD_FAILED', 'the job threads are stopping', { retriable: true });
      const slot = await pick();
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        slot.reserved--;
        slot.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        slot.worker.postMessage({ type: 'job', id, kind, job } satisfies ToThread);
      });
    },
    inProgress: () => slots.map((s) => s.pending.size),
    async stop(graceMs = 30_000) {
      stopping = true;
      await Promise.all(
        slots.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (s.exited) return resolve();
              // terminate() inside a native onnxruntime run aborts the process: ask first, force only after the grace period.
              const force = setTimeout(() => void s.worker.terminate(), graceMs);
              s.worker.once('exit', () => {
                clearTimeout(force);
                resolve();
              });
              s.worker.postMessage({ type: 'stop' } satisfies ToThread);
            }),
        ),
      );
    },
  };
}
