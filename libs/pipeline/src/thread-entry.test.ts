import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { threadCacheDir, threadEntry, type ThreadLoader } from './thread-entry.ts';

const PROBE = new URL('./fixtures/thread-probe.ts', import.meta.url);

/** Run a compiled entry in a worker thread with no loader (the parent's tsx does not reach threads) and take its one message. */
function runThread(entry: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const w = new Worker(entry);
    w.once('message', (m: Record<string, unknown>) => {
      void w.terminate();
      resolve(m);
    });
    w.once('error', reject);
  });
}

describe('threadEntry', () => {
  for (const loader of ['bundle', 'tsx'] satisfies ThreadLoader[]) {
    it(`${loader}: a worker thread runs the TypeScript entry as its sources say`, async () => {
      const probe = await runThread(await threadEntry(PROBE, loader));
      // import.meta.url is the source file's, so files beside it are found.
      assert.equal(probe.selfUrl, PROBE.href);
      assert.equal(probe.siblingFound, true);
      // A project package is loaded (bundled or through tsx).
      assert.equal(probe.codedError, 'MODEL_HOST_FAILED');
      // A dynamic import stays lazy: the module runs when imported, not when the thread starts.
      assert.equal(probe.lazyBefore, false);
      assert.equal(probe.lazyAfter, true);
      assert.equal(probe.lazyValue, 42);
    });
  }

  it('bundles once: content-addressed under the cache, JavaScript only', async () => {
    const a = await threadEntry(PROBE);
    assert.equal(await threadEntry(PROBE), a);
    assert.equal(dirname(dirname(a)), threadCacheDir());
    assert.match(basename(dirname(a)), /^thread-probe-[0-9a-f]{16}$/);
    const files = readdirSync(dirname(a));
    assert.ok(
      files.every((f) => /\.mjs(\.map)?$/.test(f)),
      files.join(', '),
    );
    assert.ok(
      files.some((f) => f.startsWith('chunk-')),
      'the lazy module is its own chunk',
    );
  });

  it('a name of its own: its own directory and module, so entries with the same file name (main.ts) do not share one', async () => {
    const named = await threadEntry(PROBE, 'bundle', { name: 'thread-probe-named' });
    assert.match(basename(dirname(named)), /^thread-probe-named-[0-9a-f]{16}$/);
    assert.equal(basename(named), 'thread-probe-named.mjs');
    assert.notEqual(dirname(named), dirname(await threadEntry(PROBE)));
    assert.deepEqual(await runThread(named), await runThread(await threadEntry(PROBE)));
    await assert.rejects(threadEntry(PROBE, 'bundle', { name: '../escape' }), /bad name/);
  });

  it("bundled itself (a service's main bundle contains it), it still pins import.meta.url in what it compiles", async () => {
    const nested = await threadEntry(new URL('./fixtures/thread-entry-nested.ts', import.meta.url));
    assert.deepEqual(await runThread(nested), await runThread(await threadEntry(PROBE)));
  });

  it('returns a JavaScript entry as it is', async () => {
    const js = new URL('../../../node_modules/esbuild/lib/main.js', import.meta.url);
    assert.ok(existsSync(js));
    assert.equal(await threadEntry(js), js.pathname);
  });

  it('a missing entry fails the compilation, naming the file', async () => {
    await assert.rejects(threadEntry(new URL('./fixtures/does-not-exist.ts', import.meta.url)), /does-not-exist/);
  });
});
