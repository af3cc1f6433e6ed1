import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { osThreadId, packageOf, threadMemory } from './thread-memory.ts';

test('packageOf names the package of a node_modules path, scoped or not', () => {
  assert.equal(packageOf('/app/node_modules/bullmq/dist/cjs/index.js'), 'bullmq');
  assert.equal(packageOf('/app/node_modules/@node-rs/jieba/index.js'), '@node-rs/jieba');
  assert.equal(packageOf('/app/libs/shared/src/index.ts'), undefined);
});

test(
  "osThreadId: the main thread is the process, a worker thread has an id of its own (the bench's --threads-cpu)",
  { skip: process.platform !== 'linux' && 'needs /proc/thread-self (Linux)' },
  async () => {
    assert.equal(osThreadId(), process.pid);
    assert.equal(threadMemory().tid, process.pid);
    const worker = new Worker(
      `const { readlinkSync } = require('node:fs'); require('node:worker_threads').parentPort.postMessage(readlinkSync('/proc/thread-self'));`,
      { eval: true },
    );
    const link = await new Promise<string>((resolve, reject) => worker.once('message', resolve).once('error', reject));
    await worker.terminate();
    const tid = Number(/task\/(\d+)$/.exec(link)?.[1]);
    assert.ok(Number.isInteger(tid) && tid !== process.pid, `a worker's own thread id (${link})`);
  },
);
