import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { tensorCollector } from './collect.ts';

test('tensorCollector: a full collection once the limit has passed frees the tensors let go of; 0 never collects', async () => {
  const off = tensorCollector(0);
  off.note(1e9);
  await turn();
  assert.equal(off.collections, 0);

  const c = tensorCollector(8);
  let tensor: Float32Array | undefined = new Float32Array(new SharedArrayBuffer(4 << 20));
  const ref = new WeakRef(tensor.buffer);
  c.note(tensor.byteLength); // 4 MB: under the limit
  await turn();
  assert.equal(c.collections, 0);
  assert.ok(ref.deref(), 'still referenced');
  tensor = undefined;
  c.note(6 << 20); // 10 MB in all
  c.note(6 << 20); // a second note before the collection ran schedules no second one
  assert.equal(c.collections, 0, 'runs on the next turn, not inside the caller');
  await turn();
  assert.equal(c.collections, 1);
  assert.equal(ref.deref(), undefined, 'the shared buffer let go of was collected');
});
