import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE_LAUNCH_ENV, launchDefaults } from './launch.ts';

test('launch defaults fill only what the launcher environment leaves unset', () => {
  assert.equal(SERVICE_LAUNCH_ENV.MALLOC_ARENA_MAX, '2');
  assert.deepEqual(launchDefaults({}), { MALLOC_ARENA_MAX: '2' });
  assert.deepEqual(launchDefaults({ MALLOC_ARENA_MAX: '' }), { MALLOC_ARENA_MAX: '2' });
  assert.deepEqual(launchDefaults({ MALLOC_ARENA_MAX: '8' }), {}, "an operator's value wins");
});
