/**
 * Entries compiled to JavaScript, for worker threads and for the services' main threads. tsx's loader
 * costs a process its loader-hooks thread and compiles every module at start, and it is not active in
 * worker threads: a thread that registers it gets its own loader-hooks thread and compiles every module
 * again (tens of MB and ~1 CPU-s per thread, measured in docs/model-host.md). `threadEntry` instead
 * bundles the entry module once, with esbuild, and returns the path of a plain ES module that a
 * `Worker` (or BullMQ's sandbox) loads without any loader — and that scripts/bin/service.mjs imports
 * as a service's main thread (docs/operations.md, How a service is started).
 *
 * The bundle keeps what the sources do at run time:
 *  - the project's own packages (`@newsfuse/*`) are compiled in; every other package stays an import of
 *    node_modules (native addons, package data files and version lookups work as before);
 *  - a dynamic `import()` stays lazy (code splitting: a model engine that is not selected is not loaded);
 *  - `import.meta.url` keeps the URL of the source file it is written in, so files found relative to a
 *    module (weights, lexicons, `createRequire`) are found as before.
 *
 * Output is content-addressed under node_modules/.cache/newsfuse-threads/<name>-<hash>/: two processes
 * that compile the same sources share one directory, a changed source gets a new one, and a directory is
 * written under a temporary name and renamed into place, so a reader never sees half of it. A directory
 * is touched each time it is used, and one of the same name not used for a day is removed.
 *
 * `THREAD_LOADER=tsx` (extract's config) selects the earlier arrangement (a thread registers tsx and imports the
 * TypeScript entry); the bench runs both side by side.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

export type ThreadLoader = 'bundle' | 'tsx';

const require = createRequire(import.meta.url);

/** The repository's node_modules (where esbuild is installed): bare imports in a bundle resolve from here. */
function nodeModulesDir(): string {
  const pkg = require.resolve('esbuild/package.json');
  return dirname(dirname(pkg));
}

/** Where compiled entries live (node_modules/.cache, the usual place for tools' build caches). */
export function threadCacheDir(): string {
  return join(nodeModulesDir(), '.cache', 'newsfuse-threads');
}

/**
 * `import.meta.url` in a source, written so that this module's own text does not contain it: a service's
 * main bundle compiles this file with the plugin below, which would otherwise rewrite the plugin's needle.
 */
const META_URL = /\bimport\.meta\.url\b/g;

/** esbuild plugin: bundle the project's packages and relative files; leave other packages to node_modules; pin import.meta.url to the source file. */
const projectOnly: Plugin = {
  name: 'newsfuse-project-only',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@newsfuse/') ? undefined : { path: args.path, external: true }));
    build.onLoad({ filter: /\.(?:ts|mts|js|mjs)$/ }, async (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.match(META_URL)) return undefined;
      const ext = extname(args.path);
      return {
        contents: source.replaceAll(META_URL, JSON.stringify(pathToFileURL(args.path).href)),
        loader: ext === '.ts' || ext === '.mts' ? 'ts' : 'js',
      };
    });
  },
};

const compiled = new Map<string, Promise<string>>();

export interface ThreadEntryOptions {
  /**
   * The name of the compiled module and of its cache directory (default: the entry's file name without
   * its extension). Entries with the same file name need their own, e.g. each service's `main.ts`: old
   * directories are removed by name.
   */
  name?: string;
}

/**
 * The path of a JavaScript module a worker thread can load for the TypeScript module `entry` (a file URL
 * or path). A `.js`/`.mjs` entry is returned as it is. Compiled once per process and entry.
 */
export function threadEntry(entry: URL | string, loader: ThreadLoader = 'bundle', opts: ThreadEntryOptions = {}): Promise<string> {
  const file = entry instanceof URL ? fileURLToPath(entry) : entry;
  if (/\.(?:mjs|js)$/.test(file)) return Promise.resolve(file);
  const name = opts.name ?? entryName(file);
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return Promise.reject(new Error(`threadEntry: bad name "${name}"`));
  const key = `${loader}:${name}:${file}`;
  let done = compiled.get(key);
  if (!done) {
    done = loader === 'tsx' ? tsxShim(file, name) : bundle(file, name);
    compiled.set(key, done);
    done.catch(() => compiled.delete(key));
  }
  return done;
}

/** Write `files` (relative path → contents) to `<cache>/<name>-<hash of contents>/` unless already there; return that directory. */
async function writeOnce(name: string, files: ReadonlyArray<{ path: string; contents: Uint8Array | string }>): Promise<string> {
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.path).update('\0').update(f.contents).update('\0');
  const dir = join(threadCacheDir(), `${name}-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(dir)) {
    // in use: not removed by pruneOld for another day
    const now = new Date();
    await utimes(dir, now, now).catch(() => undefined);
    return dir;
  }
  await pruneOld(name);
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  for (const f of files) {
    const out = join(tmp, f.path);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, f.contents);
  }
  try {
    await rename(tmp, dir);
  } catch (err) {
    // Another process put the same contents in place first.
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw err;
  }
  return dir;
}

const DAY_MS = 86_400_000;

/** Remove compilations of the same entry last used more than a day ago (older sources). */
async function pruneOld(name: string): Promise<void> {
  const root = threadCacheDir();
  if (!existsSync(root)) return;
  for (const d of await readdir(root)) {
    if (!d.startsWith(`${name}-`) || !/^[0-9a-f]{16}$/.test(d.slice(name.length + 1))) continue;
    const { mtimeMs } = await stat(join(root, d));
    if (Date.now() - mtimeMs > DAY_MS) await rm(join(root, d), { recursive: true, force: true });
  }
}

const entryName = (file: string) => basename(file).replace(/\.[^.]+$/, '');

/** Compilations running in this process. */
let building = 0;

async function bundle(file: string, name: string): Promise<string> {
  const esbuild = await import('esbuild');
  building++;
  let result: Awaited<ReturnType<typeof esbuild.build<{ write: false }>>>;
  try {
    result = await esbuild.build({
      entryPoints: { [name]: file },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outdir: '/',
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunk-[hash]',
      write: false,
      // Stack traces name the bundle's lines; `node --enable-source-maps` maps them back to the sources.
      sourcemap: 'linked',
      sourcesContent: false,
      // the sources' paths are relative to outdir `/`: absolute again wherever the bundle is written
      sourceRoot: '/',
      legalComments: 'none',
      logLevel: 'silent',
      plugins: [projectOnly],
    });
  } finally {
    // esbuild's service process (a child process with memory of its own) is not kept for the life of the
    // process (extract's, which compiles its threads' entries at start): it is stopped once no compilation
    // is running, and the next compilation starts it again.
    if (--building === 0) await esbuild.stop();
  }
  const files = result.outputFiles.map((f) => ({ path: relative('/', f.path), contents: f.contents }));
  files.sort((a, b) => a.path.localeCompare(b.path));
  const dir = await writeOnce(name, files);
  return join(dir, `${name}.mjs`);
}

/** The earlier arrangement: a module that registers tsx in the thread, then imports the TypeScript entry. */
async function tsxShim(file: string, entry: string): Promise<string> {
  const name = `${entry}.tsx`;
  const contents = [
    "import { register } from 'tsx/esm/api';",
    'register();',
    `const m = await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'export default m.default;',
    '',
  ].join('\n');
  const dir = await writeOnce(name, [{ path: `${name}.mjs`, contents }]);
  return join(dir, `${name}.mjs`);
}
