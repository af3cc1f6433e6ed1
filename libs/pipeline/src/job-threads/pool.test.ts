/** Shared job threads (pool.ts, serve.ts): several jobs at once per thread, errors that keep their codes, a crash, a stop. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NewsFuseError } from '@newsfuse/shared/errors';
import { startJobThreads, threadJob, type JobThreads } from './pool.ts';
import { deserializeError, serializeError, type ThreadJob } from './protocol.ts';

const ENTRY = new URL('./fixtures/jobs.thread.ts', import.meta.url);
const job = (data: unknown, attemptsMade = 0): ThreadJob => ({ name: 'j', data, attemptsMade, opts: { attempts: 3 } });
type WaitResult = { threadId: number; mostAtOnce: number; tag?: string; attempt: number; of: number };

async function withPool(threads: number, f: (pool: JobThreads, logs: string[]) => Promise<void>) {
  const logs: string[] = [];
  const pool = await startJobThreads({ entry: ENTRY, threads, log: (m) => logs.push(m), restartDelayMs: 20 });
  try {
    await f(pool, logs);
  } finally {
    await pool.stop(5000);
  }
}

describe('shared job threads', () => {
  it('runs several jobs at once in one thread and hands each its own answer', async () => {
    await withPool(1, async (pool) => {
      const out = await Promise.all(['a', 'b', 'c'].map((tag) => pool.run<WaitResult>('wait', job({ ms: 150, tag }, 1))));
      assert.deepEqual(
        out.map((o) => o.tag),
        ['a', 'b', 'c'],
      );
      assert.equal(new Set(out.map((o) => o.threadId)).size, 1, 'one thread');
      assert.equal(Math.max(...out.map((o) => o.mostAtOnce)), 3, 'the three were in progress together');
      assert.deepEqual([out[0]!.attempt, out[0]!.of], [2, 3], 'the attempt crosses with the job');
      assert.deepEqual(pool.inProgress(), [0]);
    });
  });

  it('gives a job to the thread with the fewest in progress', async () => {
    await withPool(2, async (pool) => {
      const out = await Promise.all([1, 2, 3, 4].map(() => pool.run<WaitResult>('wait', job({ ms: 100 }))));
      const perThread = new Map<number, number>();
      for (const o of out) perThread.set(o.threadId, (perThread.get(o.threadId) ?? 0) + 1);
      assert.deepEqual([...perThread.values()], [2, 2]);
    });
  });

  it('a coded error keeps its code and retriable flag; another keeps its name and message', async () => {
    await withPool(1, async (pool) => {
      const coded = await pool.run('coded', job({})).then(
        () => assert.fail('resolved'),
        (e: unknown) => e,
      );
      assert.ok(coded instanceof NewsFuseError);
      assert.equal(coded.code, 'IMAGE_DECODE');
      assert.equal(coded.retriable, false);
      assert.match(coded.stack ?? '', /jobs\.thread/, "the thread's stack");
      await assert.rejects(pool.run('plain', job({})), (e: Error) => e.name === 'TypeError' && e.message === 'bad input');
      await assert.rejects(pool.run('nope', job({})), /no processor for job kind "nope"/);
    });
  });

  it('a thread that dies fails every job it had with JOB_THREAD_FAILED (retriable) and is started again', async () => {
    await withPool(1, async (pool, logs) => {
      const waiting = pool.run('wait', job({ ms: 5000 }));
      const crashing = pool.run('crash', job({ afterMs: 50 }));
      for (const p of [waiting, crashing])
        await assert.rejects(p, (e: unknown) => e instanceof NewsFuseError && e.code === 'JOB_THREAD_FAILED' && e.retriable);
      const after = await pool.run<WaitResult>('wait', job({ ms: 1, tag: 'after' }));
      assert.equal(after.tag, 'after');
      assert.equal(pool.starts, 2);
      assert.ok(
        logs.some((l) => /exited \(7\) with 2 job\(s\) in progress/.test(l)),
        logs.join('\n'),
      );
    });
  });

  it('stop lets a job in progress finish, then ends the threads; later jobs are refused', async () => {
    const pool = await startJobThreads({ entry: ENTRY, threads: 1 });
    const running = pool.run<WaitResult>('wait', job({ ms: 200, tag: 'last' }));
    await new Promise((r) => setTimeout(r, 20));
    await pool.stop(5000);
    assert.equal((await running).tag, 'last');
    await assert.rejects(pool.run('wait', job({ ms: 1 })), (e: unknown) => e instanceof NewsFuseError && e.code === 'JOB_THREAD_FAILED');
  });

  it('a thread that cannot start fails the start, and none is started again', async () => {
    const logs: string[] = [];
    await assert.rejects(
      startJobThreads({
        entry: new URL('./fixtures/broken.thread.ts', import.meta.url),
        threads: 1,
        log: (m) => logs.push(m),
        restartDelayMs: 10,
      }),
      /this thread cannot start/,
    );
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!logs.some((l) => /starting a new one/.test(l)), logs.join('\n'));
  });

  it('threadJob keeps what a processor reads of a BullMQ job', () => {
    const j = threadJob({ id: '7', name: 'x', data: { a: 1 }, attemptsMade: 2, opts: { attempts: 3 } });
    assert.deepEqual(j, { id: '7', name: 'x', data: { a: 1 }, attemptsMade: 2, opts: { attempts: 3 } });
  });

  it('an error with an unknown code comes back as a plain error', () => {
    const e = deserializeError({ ...serializeError(new Error('x')), code: 'NOT_A_CODE' });
    assert.ok(!(e instanceof NewsFuseError));
    assert.equal(e.message, 'x');
  });
});
