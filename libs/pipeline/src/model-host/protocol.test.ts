import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inputCopies, toWire } from './protocol.ts';

const values = (t: { data: ArrayLike<number | bigint> }) => Array.from(t.data);
const wire = (xs: number[]) => toWire({ type: 'float32', dims: [xs.length], data: Float32Array.from(xs) });

test('inputCopies: a copy out of shared memory, into a buffer kept per input name and grown to the largest', () => {
  const copy = inputCopies();
  const a = copy('x', wire([1, 2, 3, 4]));
  assert.ok(!(a.data.buffer instanceof SharedArrayBuffer), 'own memory (onnxruntime does not take shared memory)');
  assert.deepEqual(values(a), [1, 2, 3, 4]);
  const b = copy('x', wire([5, 6]));
  assert.equal(b.data.buffer, a.data.buffer, 'the same buffer again');
  assert.deepEqual(values(b), [5, 6], 'a view of its start, as long as the input');
  assert.deepEqual(b.dims, [2]);
  const c = copy('x', wire([7, 8, 9, 10, 11]));
  assert.notEqual(c.data.buffer, a.data.buffer, 'a larger input: a larger buffer');
  assert.deepEqual(values(c), [7, 8, 9, 10, 11]);
  assert.equal(copy('x', wire([1])).data.buffer, c.data.buffer, 'then kept');
  assert.notEqual(copy('y', wire([1, 2])).data.buffer, c.data.buffer, 'one buffer per input name');
  const ids = copy('x', toWire({ type: 'int64', dims: [2], data: BigInt64Array.from([3n, 4n]) }));
  assert.ok(ids.data instanceof BigInt64Array, 'another type: a buffer of that type');
  assert.deepEqual(values(ids), [3n, 4n]);
});
