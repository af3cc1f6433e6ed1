import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerThreadKind, brokerThreads, busiestThreads, threadCpu, type ThreadTimes } from './procs.ts';

const times = (rows: Array<[number, string, number, number]>): ThreadTimes =>
  new Map(rows.map(([tid, name, cpuMs, waitMs]) => [tid, { name, cpuMs, waitMs }]));

test('busiestThreads: main by its tid, the others ranked by CPU, small ones summed, a new thread from zero', () => {
  const before = times([
    [100, 'node', 1000, 500],
    [101, 'node', 50, 10],
    [102, 'node', 2000, 100],
    [103, 'node', 7, 1],
  ]);
  const after = times([
    [100, 'node', 1700, 2500],
    [101, 'node', 250, 30],
    [102, 'node', 5600, 2700],
    [103, 'node', 12, 2],
    [104, 'node', 90, 40],
  ]);
  const { cpu, queued } = busiestThreads(before, after, 100, 100);
  assert.deepEqual(cpu, { main: 7, '#1': 36, '#2': 2, '#3': 0.9, others: 0.1 });
  assert.deepEqual(queued, { main: 20, '#1': 26, '#2': 0.2, '#3': 0.4, others: 0 });
});

test("brokerThreads: the JVM's threads grouped by what they do, ms per article", () => {
  assert.equal(brokerThreadKind('C2 CompilerThre'), 'JIT compilers');
  assert.equal(brokerThreadKind('data-plane-kafk'), 'requests (network and handler threads)');
  assert.equal(brokerThreadKind('G1 Conc#0'), 'garbage collection');
  assert.equal(brokerThreadKind('kafka-1-raft-io'), 'other (raft, metadata, timers, VM)');
  const before = times([
    [1, 'C2 CompilerThre', 100, 0],
    [2, 'data-plane-kafk', 100, 0],
    [3, 'data-plane-kafk', 100, 0],
  ]);
  const after = times([
    [1, 'C2 CompilerThre', 300, 0],
    [2, 'data-plane-kafk', 150, 0],
    [3, 'data-plane-kafk', 250, 0],
    [4, 'C1 CompilerThre', 50, 0],
  ]);
  assert.deepEqual(brokerThreads(before, after, 10), { 'JIT compilers': 25, 'requests (network and handler threads)': 20 });
});

test('threadCpu: this process, its main thread by its pid, with time on a CPU', () => {
  const mine = threadCpu();
  const main = mine.get(process.pid);
  assert.ok(main, 'the main thread is listed under the pid');
  assert.ok(main.cpuMs > 0 && main.waitMs >= 0);
});
