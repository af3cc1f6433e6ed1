import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryDocFreq, lazyDocFreq } from './docfreq.ts';

test('lazyDocFreq makes its table on first use, once, and passes every call through', async () => {
  let made = 0;
  const inner = createMemoryDocFreq();
  const df = lazyDocFreq(async () => {
    made++;
    return inner;
  });
  assert.equal(made, 0, 'nothing made before a call');
  await Promise.all([df.observe(['a', 'b', 'a']), df.observe(['b'])]);
  assert.equal(made, 1, 'made once for concurrent first calls');
  assert.deepEqual(await df.get(['a', 'b', 'c']), [1, 2, 0]);
  assert.equal(await df.total(), 2);
  assert.equal(made, 1);
});

test('lazyDocFreq tries again after a failed make', async () => {
  let calls = 0;
  const df = lazyDocFreq(() => {
    if (calls++ === 0) throw new Error('no connection');
    return createMemoryDocFreq();
  });
  await assert.rejects(df.total(), /no connection/);
  assert.equal(await df.total(), 0);
  assert.equal(calls, 2);
});
