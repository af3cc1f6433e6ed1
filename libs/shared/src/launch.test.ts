import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SERVICE_LAUNCHER, SERVICE_LAUNCH_ENV, launchDefaults, serviceArgs, serviceLoaderOf } from './launch.ts';

test('launch defaults fill only what the launcher environment leaves unset', () => {
  assert.equal(SERVICE_LAUNCH_ENV.MALLOC_ARENA_MAX, '2');
  assert.deepEqual(launchDefaults({}), { MALLOC_ARENA_MAX: '2' });
  assert.deepEqual(launchDefaults({ MALLOC_ARENA_MAX: '' }), { MALLOC_ARENA_MAX: '2' });
  assert.deepEqual(launchDefaults({ MALLOC_ARENA_MAX: '8' }), {}, "an operator's value wins");
});

test('SERVICE_LOADER: bundle by default, tsx on request, anything else names the variable', () => {
  assert.equal(serviceLoaderOf({}), 'bundle');
  assert.equal(serviceLoaderOf({ SERVICE_LOADER: '' }), 'bundle');
  assert.equal(serviceLoaderOf({ SERVICE_LOADER: 'tsx' }), 'tsx');
  assert.throws(() => serviceLoaderOf({ SERVICE_LOADER: 'ts-node' }), /^Error: SERVICE_LOADER: expected bundle or tsx, got "ts-node"$/);
});

test("a service's command line: the bundling launcher with source maps, or tsx and its main.ts", () => {
  assert.ok(existsSync(SERVICE_LAUNCHER), SERVICE_LAUNCHER);
  assert.deepEqual(serviceArgs('extract'), ['--enable-source-maps', SERVICE_LAUNCHER, 'extract']);
  const main = fileURLToPath(new URL('../../../services/extract/src/main.ts', import.meta.url));
  assert.ok(existsSync(main));
  assert.deepEqual(serviceArgs('extract', 'tsx'), ['--import', 'tsx', main]);
  assert.deepEqual(serviceArgs('/repo/bench/lib/alone.ts', 'tsx'), ['--import', 'tsx', '/repo/bench/lib/alone.ts']);
  assert.deepEqual(serviceArgs('/repo/bench/lib/alone.ts', 'bundle'), [
    '--enable-source-maps',
    SERVICE_LAUNCHER,
    '/repo/bench/lib/alone.ts',
  ]);
});
