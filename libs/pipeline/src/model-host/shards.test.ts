import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostShards, mergeStats, shardName, shardOf } from './shards.ts';
import { newHostStats, type HostStats } from './protocol.ts';

test('each group has its shard: the detector and faces, OCR, the text encoders; fewer shards fold the last groups together', () => {
  assert.deepEqual(
    ['vision', 'ocr', 'text', undefined, 'joint'].map((g) => shardOf(g, 3)),
    [0, 1, 2, 0, 0],
  );
  assert.deepEqual(
    ['vision', 'ocr', 'text'].map((g) => shardOf(g, 2)),
    [0, 1, 1],
  );
  assert.deepEqual(
    ['vision', 'ocr', 'text'].map((g) => shardOf(g, 1)),
    [0, 0, 0],
  );
  assert.equal(shardName('h', 0), 'h', 'one shard is the plain host');
  assert.equal(shardName('h', 1), 'h#1');
});

test('shards default to 2 on 2 or more cores, 1 on one, and never more than the groups', () => {
  assert.equal(hostShards({}, 2), 2);
  assert.equal(hostShards({}, 16), 2);
  assert.equal(hostShards({}, 1), 1);
  assert.equal(hostShards({ MODEL_HOST_SHARDS: 1 }, 2), 1);
  assert.equal(hostShards({ MODEL_HOST_SHARDS: 9 }, 2), 3);
});

test("the shards' stats add up: counters summed, maxima kept, per-model times joined", () => {
  const stats = (o: Partial<HostStats>): HostStats => ({
    ...newHostStats({ epoch: 'e', threads: 1, fastThreads: 1, arena: true, burst: 4 }),
    ...o,
  });
  const m = mergeStats([
    stats({ epoch: 'a', requests: 3, runs: 4, maxQueued: 2, sessions: ['x'], runMs: { x: 10 }, runsBy: { x: 4 } }),
    stats({ epoch: 'b', requests: 5, runs: 5, maxQueued: 1, sessions: ['y'], runMs: { y: 7 }, runsBy: { y: 5 } }),
  ]);
  assert.equal(m.shards, 2);
  assert.equal(m.epoch, 'a,b');
  assert.equal(m.requests, 8);
  assert.equal(m.runs, 9);
  assert.equal(m.maxQueued, 2);
  assert.deepEqual(m.sessions, ['x', 'y']);
  assert.deepEqual(m.runMs, { x: 10, y: 7 });
  assert.deepEqual(m.runsBy, { x: 4, y: 5 });
  assert.throws(() => mergeStats([]));
});
