import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

  it('a start whose inputs are unchanged uses the recorded bundle without esbuild; a changed input builds again', async () => {
    // A fixture entry in the repository (bare imports resolve from its node_modules), compiled by
    // thread-entry's own bundle in fresh node processes: threadEntry remembers an entry per process.
    const dir = fileURLToPath(new URL(`../../../test-output/thread-entry-${process.pid}-${Date.now().toString(36)}/`, import.meta.url));
    const name = `thread-entry-inputs-${process.pid}`;
    const removeBundles = () => {
      for (const d of readdirSync(threadCacheDir()))
        if (d.startsWith(`${name}-`) || d.startsWith(`${name}.`)) rmSync(join(threadCacheDir(), d), { recursive: true, force: true });
    };
    mkdirSync(dir, { recursive: true });
    try {
      const te = await threadEntry(new URL('./thread-entry.ts', import.meta.url), 'bundle', {
        name: `thread-entry-under-test-${process.pid}`,
      });
      const entry = join(dir, 'entry.ts');
      const dep = join(dir, 'dep.ts');
      writeFileSync(
        entry,
        `import { NewsFuseError } from '@newsfuse/shared/errors';\nimport { version } from './dep.ts';\nexport const report = { version, code: new NewsFuseError('MODEL_HOST_FAILED', 'x').code };\n`,
      );
      writeFileSync(dep, 'export const version: number = 1;\n');
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
      // a resolve hook that refuses esbuild: a child run with it fails if threadEntry needed a build
      writeFileSync(
        join(dir, 'no-esbuild-hooks.mjs'),
        `export async function resolve(s, c, next) { if (s === 'esbuild') throw new Error('esbuild was called'); return next(s, c); }\n`,
      );
      writeFileSync(
        join(dir, 'no-esbuild.mjs'),
        `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'no-esbuild-hooks.mjs')).href)});\n`,
      );
      const code = `const { threadEntry } = await import(${JSON.stringify(pathToFileURL(te).href)});
        const bundle = await threadEntry(${JSON.stringify(entry)}, 'bundle', { name: ${JSON.stringify(name)} });
        const { report } = await import(bundle);
        console.log(JSON.stringify({ bundle, ...report }));`;
      /** One start in a fresh process; `noEsbuild`: esbuild cannot be loaded in it. */
      const start = (noEsbuild = false) =>
        new Promise<{ bundle: string; version: number; code: string }>((resolve, reject) => {
          const args = [...(noEsbuild ? ['--import', join(dir, 'no-esbuild.mjs')] : []), '--input-type=module', '-e', code];
          const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.once('close', (status) => (status === 0 ? resolve(JSON.parse(out)) : reject(new Error(err))));
        });
      const needsEsbuild = async (what: string) => assert.rejects(start(true), /esbuild was called/, what);

      const a = await start();
      assert.deepEqual([a.version, a.code], [1, 'MODEL_HOST_FAILED']);
      assert.ok(existsSync(join(threadCacheDir(), `${name}.inputs.json`)), 'the inputs are recorded beside the bundles');
      assert.equal((await start(true)).bundle, a.bundle, 'unchanged: the same bundle, no esbuild');
      utimesSync(dep, new Date(), new Date(Date.now() + 5000));
      assert.equal((await start(true)).bundle, a.bundle, 'touched, same contents: no esbuild');

      writeFileSync(dep, 'export const version: number = 2;\n');
      await needsEsbuild('a changed source');
      // two processes starting at once build the same bundle; either record then serves the next start
      const [b, b2] = await Promise.all([start(), start()]);
      assert.equal(b.version, 2);
      assert.equal(b2.bundle, b.bundle);
      assert.notEqual(dirname(b.bundle), dirname(a.bundle), 'a new content-addressed directory');
      assert.ok(existsSync(a.bundle), 'the older bundle stays (a process may still run from it)');
      assert.deepEqual(await start(true), b);
      const record = JSON.parse(readFileSync(join(threadCacheDir(), `${name}.inputs.json`), 'utf8')) as {
        files: Record<string, string | null>;
      };
      assert.ok(entry in record.files && dep in record.files, 'the sources are recorded');
      assert.ok(fileURLToPath(new URL('../../shared/src/errors.ts', import.meta.url)) in record.files, "a project package's file too");

      writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
      await needsEsbuild('a changed package.json of an input');
      assert.equal((await start()).version, 2);
      assert.equal((await start(true)).version, 2);

      writeFileSync(join(dir, 'dep.js'), 'export const version = 3;\n');
      await needsEsbuild('a file added beside an input');
      assert.equal((await start()).bundle, b.bundle, 'the same output: the same directory');
      assert.equal((await start(true)).bundle, b.bundle);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      removeBundles();
      for (const d of readdirSync(threadCacheDir()))
        if (d.startsWith(`thread-entry-under-test-${process.pid}`)) rmSync(join(threadCacheDir(), d), { recursive: true, force: true });
    }
  });
});
