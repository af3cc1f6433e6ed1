/**
 * scripts/bin/service.mjs, the launcher of every service process (@newsfuse/shared/launch): a TypeScript
 * entry runs bundled, with no TypeScript loader, and behaves as it did through tsx — its arguments,
 * source-mapped stack traces, signals and exit codes; a changed source gets a new bundle; the orphan
 * guard of `npm start` still stops a service whose supervisor died. A real service through it:
 * tests/launcher.test.ts.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVICE_LAUNCHER, serviceArgs, type ServiceLoader } from '@newsfuse/shared/launch';
import { threadCacheDir } from '@newsfuse/pipeline/thread-entry';
import { spawnLines, type LineChild } from '@newsfuse/testkit/child';
import { OUTPUT, uniqueId, waitFor } from '@newsfuse/testkit/harness';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import type { Report } from './fixtures/launcher-probe.ts';

const PROBE = join(REPO_ROOT, 'scripts/bin/fixtures/launcher-probe.ts');
const ORPHAN_GUARD = join(REPO_ROOT, 'scripts/supervisor/orphan-guard.mjs');

interface Run extends LineChild {
  /** The entry's report (its first stdout line). */
  report(): Promise<Report>;
}

/** Children still running when the tests end (a failed assertion before `terminate`) are killed. */
const running = new Set<ChildProcess>();
after(() => {
  for (const c of running) c.kill('SIGKILL');
});

function run(nodeArgs: string[], env: Record<string, string> = {}): Run {
  const r = spawnLines(process.execPath, nodeArgs, { cwd: REPO_ROOT, env: { ...process.env, ...env } });
  running.add(r.child);
  r.child.once('exit', () => running.delete(r.child));
  return {
    ...r,
    report: async () => JSON.parse(await r.waitLine(/^\{/, 60_000, 'the probe to report', 50)) as Report,
  };
}

/** SIGTERM, then the exit. */
async function terminate(r: Run) {
  r.child.kill('SIGTERM');
  return r.exit;
}

const scratch = join(OUTPUT, uniqueId('launcher-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Bundles of entries this test wrote, and their records (their names start with `prefix`), are removed afterwards. */
function removeBundles(prefix: string) {
  for (const d of existsSync(threadCacheDir()) ? readdirSync(threadCacheDir()) : [])
    if (d.startsWith(prefix)) rmSync(join(threadCacheDir(), d), { recursive: true, force: true });
}

describe('scripts/bin/service.mjs', () => {
  it('runs a TypeScript entry bundled: no loader, its arguments, source-mapped stacks; SIGTERM exits with its code', async () => {
    const r = run([...serviceArgs(PROBE, 'bundle'), '--flag', 'value'], { PROBE_EXIT_CODE: '3' });
    const report = await r.report();
    // The code runs from a bundle in the cache, as plain JavaScript (node's only flag: source maps).
    assert.equal(dirname(dirname(report.filename)), threadCacheDir());
    assert.match(basename(dirname(report.filename)), /^launcher-probe-[0-9a-f]{16}$/);
    assert.equal(basename(report.filename), 'launcher-probe.mjs');
    assert.deepEqual(report.execArgv, ['--enable-source-maps']);
    // What the entry sees is what `node --import tsx <entry> args…` gave it.
    assert.equal(report.url, `file://${PROBE}`);
    assert.deepEqual(report.argv, [PROBE, '--flag', 'value']);
    assert.equal(report.codedError, 'MODEL_HOST_FAILED', 'a project package is compiled in');
    assert.match(report.stack, new RegExp(`\\(${PROBE.replace(/[.]/g, '\\.')}:\\d+:\\d+\\)`), 'the stack names the TypeScript source');
    assert.deepEqual(await terminate(r), { code: 3, signal: null });
    assert.deepEqual(r.lines.slice(1), ['sigterm']);
  });

  it("leaves no esbuild service process beside the entry, also after the entry compiled a thread's entry (extract)", async () => {
    const esbuildChildren = (pid: number) =>
      spawnSync('ps', ['-o', 'args=', '--ppid', String(pid)], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((l) => /esbuild --service/.test(l));
    for (const env of [{}, { PROBE_COMPILE: '1' }] as Array<Record<string, string>>) {
      const r = run(serviceArgs(PROBE, 'bundle'), env);
      const report = await r.report();
      if ('PROBE_COMPILE' in env) assert.match(report.threadBundle ?? '', /launcher-probe-thread\.mjs$/);
      const pid = r.child.pid!;
      // stopped when the compilation ends; the kernel may list it until node has reaped it
      await waitFor(() => (esbuildChildren(pid).length === 0 ? true : undefined), 10_000, 'esbuild to stop').catch(() => undefined);
      assert.deepEqual(esbuildChildren(pid), [], JSON.stringify(env));
      assert.deepEqual(await terminate(r), { code: 0, signal: null });
    }
  });

  for (const [how, args, env] of [
    ['node --import tsx (the launchers with SERVICE_LOADER=tsx)', serviceArgs(PROBE, 'tsx'), {}],
    ['service.mjs with SERVICE_LOADER=tsx', [SERVICE_LAUNCHER, PROBE], { SERVICE_LOADER: 'tsx' satisfies ServiceLoader }],
  ] as const)
    it(`the earlier way, ${how}: the TypeScript file itself`, async () => {
      const r = run([...args], { ...env, PROBE_EXIT_CODE: '0' });
      const report = await r.report();
      assert.equal(report.filename, PROBE);
      assert.equal(report.argv[0], PROBE);
      assert.deepEqual(await terminate(r), { code: 0, signal: null });
    });

  it('a changed source gets a new bundle; the same source reuses it', async () => {
    const name = uniqueId('launcherchanged');
    const entry = join(scratch, `${name}.ts`);
    mkdirSync(scratch, { recursive: true });
    const source = (version: number) =>
      `import { NewsFuseError } from '@newsfuse/shared/errors';\n` +
      `const version: number = ${version};\n` +
      `process.stdout.write(JSON.stringify({ filename: import.meta.filename, version, code: new NewsFuseError('MODEL_HOST_FAILED', 'x').code }) + '\\n');\n`;
    // a resolve hook that refuses esbuild: a start with it fails if it needed a compilation
    const hooks = join(scratch, 'no-esbuild-hooks.mjs');
    const noEsbuild = join(scratch, 'no-esbuild.mjs');
    writeFileSync(
      hooks,
      `export async function resolve(s, c, next) { if (s === 'esbuild') throw new Error('esbuild was called'); return next(s, c); }\n`,
    );
    writeFileSync(noEsbuild, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const once = async (withoutEsbuild = false) => {
      const r = run([...(withoutEsbuild ? ['--import', noEsbuild] : []), ...serviceArgs(entry, 'bundle')]);
      assert.deepEqual(await r.exit, { code: 0, signal: null }, r.stderr());
      return JSON.parse(r.lines[0]!) as { filename: string; version: number; code: string };
    };
    try {
      writeFileSync(entry, source(1));
      const a = await once();
      assert.equal(a.version, 1);
      assert.equal((await once(true)).filename, a.filename, 'same source, same bundle, and no esbuild at the start');
      writeFileSync(entry, source(2));
      const b = await once();
      assert.equal(b.version, 2);
      assert.notEqual(dirname(b.filename), dirname(a.filename), 'a new content-addressed directory');
      assert.ok(existsSync(a.filename), 'the older bundle stays (a process may still run from it)');
      assert.match(basename(dirname(b.filename)), new RegExp(`^${name}-[0-9a-f]{16}$`));
      assert.equal((await once(true)).filename, b.filename);
      // the check is real: a changed source with esbuild refused fails to start
      writeFileSync(entry, source(3));
      const refused = run(['--import', noEsbuild, ...serviceArgs(entry, 'bundle')]);
      assert.equal((await refused.exit).code, 1);
      assert.match(refused.stderr(), /could not compile .*esbuild was called/);
    } finally {
      // its bundles and the record of their inputs
      removeBundles(name);
    }
  });

  it('fails with exit code 1 and says why: an entry that throws, one that does not compile, an unknown service', async () => {
    const thrown = run(serviceArgs(PROBE, 'bundle'), { PROBE_THROW: '1' });
    assert.equal((await thrown.exit).code, 1);
    assert.match(thrown.stderr(), /probe failed at start/);
    assert.ok(thrown.stderr().includes(`(${PROBE}:`), thrown.stderr());

    mkdirSync(scratch, { recursive: true });
    const broken = join(scratch, 'broken.ts');
    writeFileSync(broken, 'const x: number = ;\n');
    const bad = run(serviceArgs(broken, 'bundle'));
    assert.equal((await bad.exit).code, 1);
    assert.match(bad.stderr(), /^service: could not compile .*broken\.ts/);

    const unknown = run(serviceArgs('no-such-service', 'bundle'));
    assert.equal((await unknown.exit).code, 1);
    assert.match(unknown.stderr(), /no service "no-such-service"/);

    const loader = run([SERVICE_LAUNCHER, PROBE], { SERVICE_LOADER: 'ts-node' });
    assert.equal((await loader.exit).code, 1);
    assert.match(loader.stderr(), /SERVICE_LOADER: expected bundle or tsx, got "ts-node"/);
  });

  it("npm start's orphan guard still stops a bundled service whose supervisor died (SIGTERM, a normal exit)", async () => {
    mkdirSync(scratch, { recursive: true });
    const marker = join(scratch, `orphan-${process.pid}.txt`);
    // A stand-in supervisor: starts the service as scripts/run.ts does, prints its pid, then is killed -9.
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(process.execPath, ${JSON.stringify(['--import', ORPHAN_GUARD, ...serviceArgs(PROBE, 'bundle')])}, { stdio: 'ignore', env: { ...process.env, PROBE_SIGTERM_FILE: ${JSON.stringify(marker)} } });
         console.log(c.pid); setInterval(() => {}, 1000);`,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const pid = await waitFor(
      () => (out.includes('\n') ? Number(out.trim()) : undefined),
      30_000,
      'the stand-in supervisor to start the service',
    );
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const marks = () => (existsSync(marker) ? readFileSync(marker, 'utf8') : '');
    await waitFor(() => (marks() === 'ready\n' ? true : undefined), 60_000, 'the service to install its SIGTERM handler');
    parent.kill('SIGKILL');
    await waitFor(() => (alive() ? undefined : true), 30_000, 'the orphaned service to stop');
    assert.equal(marks(), 'ready\nsigterm\n', 'stopped by SIGTERM through its own handler');
  });
});
