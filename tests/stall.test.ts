/**
 * CPU-heavy work must not stall BullMQ job locks or the event loop (issue "Models", item 7).
 *
 * The extract service runs its processors in worker threads: BullMQ's sandbox gives each concurrent
 * job its own (EXTRACT_THREADS=per-job, the default), or shared job threads take every job
 * (@newsfuse/pipeline/job-threads; EXTRACT_THREADS=shared); either is compiled to JavaScript by
 * @newsfuse/pipeline/thread-entry (services/extract/src/main.ts). This test runs both arrangements
 * against the real Redis (REDIS_URL, default 127.0.0.1:6379; unique prefix, removed afterwards)
 * with a processor that computes synchronously for twice the lock duration:
 *
 *   sandboxed (worker threads): no 'stalled' event, no failed job, no lost lock, and the parent's
 *     event-loop delay (perf_hooks.monitorEventLoopDelay) stays low (p99 < 200 ms);
 *   shared (one job thread, two jobs at once): the same, though a job waits in the thread while the
 *     other burns;
 *   control (same processor, in-process): the jobs DO stall and the event loop is blocked for
 *     seconds — so the first half can fail.
 *
 * lockDuration 4000 ms, stalledInterval 2000 ms, burn 8000 ms per job, concurrency 1 (one core burns,
 * the other is left to the parent's event loop, as in a 2-core deployment with one image worker).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { threadEntry } from '@newsfuse/pipeline/thread-entry';
import { startJobThreads, threadJob } from '@newsfuse/pipeline/job-threads/pool';
import burnProcessor, { type BurnData, type BurnResult } from './fixtures/burn.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LOCK_MS = 4000;
const STALLED_INTERVAL_MS = 2000;
const BURN_MS = 2 * LOCK_MS;
const QUEUE = 'burn';
const THREAD_ENTRY = threadEntry(new URL('./fixtures/burn.ts', import.meta.url));
const SHARED_ENTRY = new URL('./fixtures/burn.thread.ts', import.meta.url);

interface Outcome {
  completed: BurnResult[];
  failed: string[];
  stalled: string[];
  lockRenewalFailed: string[];
  errors: string[];
  loop: { p50: number; p99: number; max: number };
  wallMs: number;
}

const ms = (ns: number) => Math.round(ns / 1e5) / 10;

async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) n += await redis.del(...keys);
  } while (cursor !== '0');
  return n;
}

/**
 * Add `jobs` burn jobs and run one Worker over them until they are all settled, `stopEarly` says
 * so, or `timeoutMs` passes; the parent's event-loop delay is sampled throughout.
 */
async function scenario(opts: {
  /** sandboxed: BullMQ's sandbox (a thread per job); shared: one job thread for every job (extract's default); inline: this thread. */
  mode: 'sandboxed' | 'shared' | 'inline';
  /** Jobs at once (the worker's concurrency). */
  concurrency?: number;
  jobs: number;
  timeoutMs: number;
  stopEarly?: (o: Outcome) => boolean;
}): Promise<Outcome> {
  const prefix = `nf-stalltest-${process.pid}-${randomBytes(4).toString('hex')}`;
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue<BurnData, BurnResult>(QUEUE, { connection, prefix });
  const out: Outcome = {
    completed: [],
    failed: [],
    stalled: [],
    lockRenewalFailed: [],
    errors: [],
    loop: { p50: 0, p99: 0, max: 0 },
    wallMs: 0,
  };
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  let worker: Worker<BurnData, BurnResult> | undefined;
  const pool = opts.mode === 'shared' ? await startJobThreads({ entry: SHARED_ENTRY, threads: 1 }) : undefined;
  try {
    await queue.addBulk(
      Array.from({ length: opts.jobs }, (_, i) => ({ name: 'burn', data: { ms: BURN_MS }, opts: { jobId: `j${i}`, attempts: 1 } })),
    );
    const processor =
      opts.mode === 'sandboxed'
        ? await THREAD_ENTRY
        : pool
          ? (job: Job<BurnData>) => pool.run<BurnResult>('burn', threadJob(job))
          : burnProcessor;
    worker = new Worker<BurnData, BurnResult>(QUEUE, processor, {
      connection,
      prefix,
      concurrency: opts.concurrency ?? 1,
      lockDuration: LOCK_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      maxStalledCount: 1,
      useWorkerThreads: opts.mode === 'sandboxed',
      autorun: false,
    });
    const settled = () => out.completed.length + out.failed.length >= opts.jobs;
    const done = new Promise<void>((resolve) => {
      const check = () => (settled() || opts.stopEarly?.(out)) && resolve();
      worker!.on('completed', (_job: Job, result: BurnResult) => (out.completed.push(result), check()));
      worker!.on('failed', (job: Job | undefined, err: Error) => (out.failed.push(`${job?.id}: ${err.message}`), check()));
      worker!.on('stalled', (jobId: string) => (out.stalled.push(jobId), check()));
      worker!.on('lockRenewalFailed', (ids: string[]) => (out.lockRenewalFailed.push(...ids), check()));
      worker!.on('error', (err: Error) => (out.errors.push(err.message), check()));
    });
    const t0 = performance.now();
    histogram.enable();
    void worker.run().catch((err: unknown) => out.errors.push(`run: ${(err as Error).message}`));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.timeoutMs)))]);
    clearTimeout(timer);
    // A block is recorded by the histogram's timer when it next fires: give it a few ticks.
    await new Promise((resolve) => setTimeout(resolve, 50));
    histogram.disable();
    out.wallMs = Math.round(performance.now() - t0);
    out.loop = { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
    return out;
  } finally {
    histogram.disable();
    await worker?.close(true).catch(() => undefined);
    await pool?.stop(BURN_MS * 2);
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await deleteKeys(connection, prefix);
    await connection.quit();
  }
}

/** Print an arrangement's outcome, and assert every job completed with no stall, failure or lost lock and a responsive event loop. */
function assertNoStall(label: string, o: Outcome, jobs: number): void {
  console.log(
    `[stall] ${label}: ${o.completed.length}/${jobs} completed in ${o.wallMs} ms, stalled ${o.stalled.length}, failed ${o.failed.length}, ` +
      `lock renewals failed ${o.lockRenewalFailed.length}, errors ${o.errors.length}; event-loop delay p50 ${o.loop.p50} ms, p99 ${o.loop.p99} ms, max ${o.loop.max} ms`,
  );
  assert.deepEqual(o.stalled, [], 'no stalled job');
  assert.deepEqual(o.failed, [], 'no failed job');
  assert.deepEqual(o.lockRenewalFailed, [], 'every lock renewed');
  assert.deepEqual(o.errors, [], 'no worker error');
  assert.equal(o.completed.length, jobs);
  assert.ok(o.loop.p99 < 200, `event-loop delay p99 ${o.loop.p99} ms`);
}

describe('CPU-heavy processors vs BullMQ locks and the event loop', { timeout: 180_000 }, () => {
  before(async () => {
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true, connectTimeout: 2000 });
    try {
      await r.connect();
      assert.equal(await r.ping(), 'PONG');
    } catch (err) {
      throw new Error(`Redis at ${REDIS_URL} does not answer (set REDIS_URL): ${(err as Error).message}`);
    } finally {
      r.disconnect();
    }
  });
  it('sandboxed (worker threads): no stalled or failed job, event loop stays responsive', async () => {
    const jobs = 3;
    const o = await scenario({ mode: 'sandboxed', jobs, timeoutMs: 40_000 });
    assertNoStall('sandboxed', o, jobs);
    for (const r of o.completed) {
      assert.notEqual(r.threadId, 0, 'ran off the main thread');
      assert.ok(r.ms >= BURN_MS, 'burned for 2× the lock duration');
    }
  });

  it('shared job thread (EXTRACT_THREADS=shared): two jobs at once in one thread, no stalled or failed job', async () => {
    const jobs = 3;
    // The thread burns one job at a time (synchronous work), so a job waits up to 2x the lock
    // duration in the thread; its lock is renewed by this thread all the while.
    const o = await scenario({ mode: 'shared', concurrency: 2, jobs, timeoutMs: 60_000 });
    assertNoStall('shared', o, jobs);
    assert.equal(new Set(o.completed.map((r) => r.threadId)).size, 1, 'one thread ran them all');
    assert.notEqual(o.completed[0]!.threadId, 0, 'off the main thread');
  });

  it('control (same processor in-process): the jobs stall and the event loop blocks', async () => {
    const o = await scenario({ mode: 'inline', jobs: 2, timeoutMs: 30_000, stopEarly: (x) => x.stalled.length > 0 });
    console.log(
      `[stall] in-process: ${o.completed.length} completed in ${o.wallMs} ms, stalled ${o.stalled.length}, failed ${o.failed.length}, ` +
        `lock renewals failed ${o.lockRenewalFailed.length}, errors ${o.errors.length}; event-loop delay p50 ${o.loop.p50} ms, p99 ${o.loop.p99} ms, max ${o.loop.max} ms` +
        (o.errors.length ? `\n[stall]   errors: ${[...new Set(o.errors)].join(' | ')}` : ''),
    );
    assert.ok(o.stalled.length > 0, 'at least one job stalled');
    assert.ok(o.loop.max >= LOCK_MS, `event loop blocked for ≥ lockDuration (max ${o.loop.max} ms)`);
  });
});
