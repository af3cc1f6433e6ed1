import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoomGate } from './room.ts';

/** A queue whose depth the test sets, a clock it moves, and pauses that move the clock. */
function harness(depth: number, opts: { highWater?: number; maxAgeMs?: number } = {}) {
  const q = { depth, t: 0, pauses: 0, heartbeats: 0, onPause: () => {} };
  const gate = createRoomGate({
    highWater: opts.highWater ?? 10,
    maxAgeMs: opts.maxAgeMs ?? 100,
    pollMs: 250,
    count: async () => q.depth,
    now: () => q.t,
    sleep: async (ms) => {
      q.pauses++;
      q.t += ms;
      q.onPause();
      await new Promise((r) => setImmediate(r)); // a pause lets the test's other work run
    },
  });
  return { q, gate, heartbeat: async () => void q.heartbeats++ };
}

test('under the high-water mark: one count, then articles go through on the estimate until it is old', async () => {
  const { q, gate } = harness(0);
  for (let i = 0; i < 4; i++) await gate.wait(2);
  assert.equal(gate.counts, 1, 'four articles, one Redis count');
  q.t += 100;
  await gate.wait(2);
  assert.equal(gate.counts, 2, 'a count older than maxAgeMs is made again');
  assert.equal(q.pauses, 0);
});

test('the estimate adds what went through: at the mark it counts again instead of letting more in', async () => {
  const { q, gate, heartbeat } = harness(0, { highWater: 10 });
  for (let i = 0; i < 5; i++) await gate.wait(2); // estimate 10 = the mark, nothing drained
  assert.equal(gate.counts, 1);
  q.depth = 10; // the workers have not taken any
  let done = false;
  const waiting = gate.wait(2, heartbeat).then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(gate.counts, 2, 'at the mark the gate counts the queues');
  assert.ok(q.pauses >= 1 && q.heartbeats >= 1, 'full: it pauses and beats the heart');
  q.depth = 3; // the workers drain
  await waiting;
  assert.ok(done);
  assert.ok(gate.counts >= 3);
});

test('never lets in more than counting before every article would', async () => {
  // The workers drain one job per article let in; the queue may never exceed the mark + one article.
  const { q, gate } = harness(0, { highWater: 20, maxAgeMs: 1e9 });
  q.onPause = () => void (q.depth = Math.max(0, q.depth - 5)); // while the gate waits, the workers go on
  let maxSeen = 0;
  for (let i = 0; i < 200; i++) {
    await gate.wait(3);
    q.depth += 3; // the article's jobs
    maxSeen = Math.max(maxSeen, q.depth);
    q.depth = Math.max(0, q.depth - 1); // a worker takes one
    q.t += 1;
  }
  assert.ok(maxSeen <= 20 + 3, `queue peaked at ${maxSeen}`);
  assert.ok(gate.counts < 200, `counted ${gate.counts} times for 200 articles`);
});

test('stop() lets the article through while full (shutting down)', async () => {
  const { gate, q } = harness(50, { highWater: 10 });
  await gate.wait(1, undefined, () => true);
  assert.equal(q.pauses, 0);
});
