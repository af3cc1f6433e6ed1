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
 * The hash is of esbuild's output, so knowing it takes a build; a start does not rebuild a bundle whose
 * inputs are unchanged. Beside the bundles, `<name>.inputs.json` records what the last bundle of that
 * name was made from (InputRecord below): each file compiled in, with the sha256 of the bytes esbuild
 * was given (the plugin reads them), the package.json/tsconfig.json files that steer resolution and
 * compilation, the names in each input's directory, this module and esbuild's version. When every one
 * of them still matches, the recorded bundle is used and esbuild is not started (a few ms of reading and
 * hashing against ~0.2–0.5 s of esbuild; bench/thread-entry.ts); otherwise the entry is built as before
 * and the record rewritten. The record is written to a temporary name and renamed too: processes that
 * start at once may both build, each writes the same directory and a record true of it.
 *
 * `THREAD_LOADER=tsx` (extract's config) selects the earlier arrangement (a thread registers tsx and imports the
 * TypeScript entry); the bench runs both side by side.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Metafile, Plugin } from 'esbuild';

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

/** esbuild's loader for a project file it is given the contents of (the others esbuild reads itself). */
const LOADERS: Record<string, 'ts' | 'js' | 'json'> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.json': 'json',
};

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/**
 * esbuild plugin: bundle the project's packages and relative files; leave other packages to node_modules;
 * pin import.meta.url to the source file. It reads every project file itself and notes the hash of the
 * bytes compiled in `loaded` (path → sha256), so the record of a bundle's inputs is of what was compiled.
 */
function projectOnly(loaded: Map<string, string>): Plugin {
  return {
    name: 'newsfuse-project-only',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) =>
        args.path.startsWith('@newsfuse/') ? undefined : { path: args.path, external: true },
      );
      build.onLoad({ filter: /\.(?:ts|mts|cts|js|mjs|cjs|json)$/ }, async (args) => {
        if (args.path.includes('/node_modules/') || args.namespace !== 'file') return undefined;
        const bytes = await readFile(args.path);
        loaded.set(args.path, sha256(bytes));
        const source = bytes.toString('utf8');
        return {
          contents: source.match(META_URL) ? source.replaceAll(META_URL, JSON.stringify(pathToFileURL(args.path).href)) : source,
          loader: LOADERS[extname(args.path)]!,
        };
      });
    },
  };
}

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
    // another process pruning at the same time may have removed it since readdir
    const st = await stat(join(root, d)).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > DAY_MS) await rm(join(root, d), { recursive: true, force: true });
  }
}

const entryName = (file: string) => basename(file).replace(/\.[^.]+$/, '');

/** Compilations running in this process. */
let building = 0;

async function bundle(file: string, name: string): Promise<string> {
  // a record that cannot be read or checked means a build
  const reused = await recordedBundle(file, name).catch(() => undefined);
  if (reused) return reused;
  const esbuild = await import('esbuild');
  const cwd = process.cwd();
  const loaded = new Map<string, string>();
  building++;
  let result: Awaited<ReturnType<typeof esbuild.build<{ write: false; metafile: true }>>>;
  try {
    result = await esbuild.build({
      entryPoints: { [name]: file },
      absWorkingDir: cwd,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outdir: '/',
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunk-[hash]',
      write: false,
      metafile: true,
      // Stack traces name the bundle's lines; `node --enable-source-maps` maps them back to the sources.
      sourcemap: 'linked',
      sourcesContent: false,
      // the sources' paths are relative to outdir `/`: absolute again wherever the bundle is written
      sourceRoot: '/',
      legalComments: 'none',
      logLevel: 'silent',
      plugins: [projectOnly(loaded)],
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
  const out = join(dir, `${name}.mjs`);
  // without a record the next start builds again: never a reason to fail this one
  await writeRecord(name, file, out, result.metafile, cwd, loaded).catch(() => undefined);
  return out;
}

/**
 * What a bundle was made from, kept beside the bundles as `<name>.inputs.json` (the last bundle made under
 * that name): every file esbuild compiled into it, with the sha256 of the bytes compiled; the files that
 * steer resolution and compilation (package.json, tsconfig.json and jsconfig.json of each input's directory
 * and its ancestors, a tsconfig's `extends`), hashed or noted absent; the names in each input's directory
 * (a file added beside an input could change what an import resolves to); and the recipe — this module's
 * own file and esbuild's package.json (its version). A start whose entry has a record that still matches
 * every one of them uses the recorded bundle without running esbuild.
 */
interface InputRecord {
  version: typeof RECORD_VERSION;
  entry: string;
  /** The bundle, relative to the cache directory: `<name>-<hash>/<name>.mjs`. */
  bundle: string;
  /** Absolute path → sha256 of its contents, or null: absent. */
  files: Record<string, string | null>;
  /** Absolute path → sha256 of its sorted entry names, or null: absent. */
  dirs: Record<string, string | null>;
}

const RECORD_VERSION = 1;
const recordPath = (name: string) => join(threadCacheDir(), `${name}.inputs.json`);

/** sha256 of a file's contents; null when there is none (a directory or an unreadable path is noted as such). */
async function fileHash(path: string): Promise<string | null> {
  try {
    return sha256(await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : `error:${code}`;
  }
}

/** sha256 of a directory's sorted entry names; null when there is none. */
async function dirHash(path: string): Promise<string | null> {
  try {
    return sha256((await readdir(path)).sort().join('\0'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : `error:${code}`;
  }
}

/** This module's file (the TypeScript source, or the launcher's compiled copy of it) and esbuild's package.json. */
const recipeFiles = () => [fileURLToPath(import.meta.url), require.resolve('esbuild/package.json')];

/** The bundle recorded for `file` under `name` when none of its inputs changed; otherwise undefined (build). */
async function recordedBundle(file: string, name: string): Promise<string | undefined> {
  let record: InputRecord;
  try {
    record = JSON.parse(await readFile(recordPath(name), 'utf8')) as InputRecord;
  } catch {
    return undefined;
  }
  if (record.version !== RECORD_VERSION || record.entry !== file) return undefined;
  const [dir, bundleFile, ...more] = String(record.bundle).split('/');
  if (more.length || bundleFile !== `${name}.mjs` || !dir?.startsWith(`${name}-`) || !/^[0-9a-f]{16}$/.test(dir.slice(name.length + 1)))
    return undefined;
  if (!recipeFiles().every((f) => f in record.files)) return undefined;
  const same = await Promise.all([
    ...Object.entries(record.files).map(async ([f, h]) => (await fileHash(f)) === h),
    ...Object.entries(record.dirs).map(async ([d, h]) => (await dirHash(d)) === h),
  ]);
  if (!same.every(Boolean)) return undefined;
  const out = join(threadCacheDir(), record.bundle);
  // in use: not removed by pruneOld for another day; and still there
  const now = new Date();
  const touched = await utimes(dirname(out), now, now).then(
    () => true,
    () => false,
  );
  return touched && existsSync(out) ? out : undefined;
}

/** Write the record of the bundle `out` made for `file` (see InputRecord), unless an input is one esbuild read itself. */
async function writeRecord(
  name: string,
  file: string,
  out: string,
  metafile: Metafile,
  cwd: string,
  loaded: ReadonlyMap<string, string>,
): Promise<void> {
  const files: InputRecord['files'] = {};
  for (const input of Object.keys(metafile.inputs)) {
    const path = resolve(cwd, input);
    const hash = loaded.get(path);
    // not read by the plugin (another namespace, a file type it leaves to esbuild): no record, always built
    if (hash === undefined) return;
    files[path] = hash;
  }
  const inputDirs = new Set(Object.keys(files).map((f) => dirname(f)));
  const configs = new Set<string>();
  const walked = new Set<string>();
  for (const d of inputDirs)
    for (let a = d; !walked.has(a); a = dirname(a)) {
      walked.add(a);
      for (const c of ['package.json', 'tsconfig.json', 'jsconfig.json']) configs.add(join(a, c));
    }
  for (const c of configs) files[c] ??= await fileHash(c);
  // a tsconfig's `extends` (and theirs): a relative path is recorded; any other (a package) leaves no record
  const pending = [...configs].filter((c) => /[tj]sconfig\.json$/.test(c) && files[c]);
  while (pending.length) {
    const c = pending.pop()!;
    const text = await readFile(c, 'utf8').catch(() => '');
    const ext = /"extends"\s*:\s*(\[[^\]]*\]|"[^"]*")/.exec(text);
    if (!ext) continue;
    for (const m of ext[1]!.matchAll(/"([^"]*)"/g)) {
      if (!m[1]!.startsWith('.')) return;
      const base = resolve(dirname(c), m[1]!);
      for (const f of base.endsWith('.json') ? [base] : [base, `${base}.json`])
        if (!(f in files)) {
          files[f] = await fileHash(f);
          if (files[f]) pending.push(f);
        }
    }
  }
  for (const f of recipeFiles()) files[f] ??= await fileHash(f);
  const dirs: InputRecord['dirs'] = {};
  for (const d of inputDirs) dirs[d] = await dirHash(d);
  const record: InputRecord = { version: RECORD_VERSION, entry: file, bundle: relative(threadCacheDir(), out), files, dirs };
  const path = recordPath(name);
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, `${JSON.stringify(record, null, 1)}\n`);
  // atomic: a reader sees a whole record, the last writer's (each one true of its own bundle)
  await rename(tmp, path).catch(async (err: unknown) => {
    await rm(tmp, { force: true });
    throw err;
  });
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
