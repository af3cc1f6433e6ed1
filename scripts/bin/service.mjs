#!/usr/bin/env node
// Starts a NewsFuse service's main thread from plain JavaScript, with no TypeScript loader in the process:
//
//   node --enable-source-maps scripts/bin/service.mjs <ingest|extract|fuse|score|dashboard> [args…]
//   node --enable-source-maps scripts/bin/service.mjs path/to/entry.ts [args…]   (the bench's extract-alone run)
//
// The entry is bundled by @newsfuse/pipeline/thread-entry, the bundler of extract's worker threads
// (project packages compiled in, other packages left to node_modules, import.meta.url pinned to each
// source file, dynamic imports split; content-addressed under node_modules/.cache/newsfuse-threads), and
// imported here, so this process is the service: signals and the exit code are its own; a bundle whose
// inputs are unchanged since it was made is used without running esbuild. thread-entry.ts is TypeScript
// itself, so it is first compiled on its own (esbuild, no bundling) to a file beside the bundles keyed
// by its source (a start with the same source runs no esbuild for it either). `--enable-source-maps`
// makes stack traces name the TypeScript sources (and is inherited by worker threads).
//
// SERVICE_LOADER=tsx runs the entry the earlier way instead: tsx's loader registered in this process
// (the launchers that build node's command line — the supervisor, the test and bench harness — use
// `node --import tsx <entry>` for it). Launch settings read before any code runs (MALLOC_ARENA_MAX,
// libs/shared/src/launch.ts) are the caller's to set.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const USAGE = 'usage: node --enable-source-maps scripts/bin/service.mjs <service name | path/to/entry.ts> [args…]';

function fail(message) {
  process.stderr.write(`service: ${message}\n`);
  process.exit(1);
}

/** The entry file and its bundle's name: `extract` → services/extract/src/main.ts, "extract-main". */
function entryOf(arg) {
  if (!arg || arg.startsWith('-')) fail(USAGE);
  if (/^[a-z][a-z0-9-]*$/.test(arg)) {
    const file = join(REPO, 'services', arg, 'src', 'main.ts');
    if (!existsSync(file)) fail(`no service "${arg}" (${file} not found)`);
    return { file, name: `${arg}-main` };
  }
  const file = resolve(arg);
  if (!existsSync(file)) fail(`${file} not found`);
  return { file, name: basename(file).replace(/\.[^.]+$/, '') };
}

/**
 * thread-entry.ts as JavaScript: <cache>/launcher/thread-entry-<hash>.mjs, the hash of its source, the
 * transform's options and esbuild's version, so a start with the same source runs no esbuild (written
 * once per key; older ones removed after a day).
 */
async function compiledThreadEntry() {
  const source = join(REPO, 'libs/pipeline/src/thread-entry.ts');
  const text = readFileSync(source, 'utf8');
  const esbuildPkg = createRequire(import.meta.url).resolve('esbuild/package.json');
  const options = { loader: 'ts', format: 'esm', platform: 'node', target: 'node20', sourcefile: source, sourcemap: 'inline' };
  const key = createHash('sha256')
    .update(text)
    .update('\0')
    .update(JSON.stringify(options))
    .update('\0')
    .update(JSON.parse(readFileSync(esbuildPkg, 'utf8')).version)
    .digest('hex');
  const dir = join(dirname(dirname(esbuildPkg)), '.cache', 'newsfuse-threads', 'launcher');
  const file = join(dir, `thread-entry-${key.slice(0, 16)}.mjs`);
  const now = new Date();
  if (existsSync(file)) {
    utimesSync(file, now, now);
    return file;
  }
  const { transform } = await import('esbuild');
  const { code } = await transform(text, options);
  mkdirSync(dir, { recursive: true });
  for (const old of readdirSync(dir)) {
    const p = join(dir, old);
    // another service starting at the same time may rename or remove an entry between readdir and stat
    const st = statSync(p, { throwIfNoEntry: false });
    if (st && now.getTime() - st.mtimeMs > 86_400_000) rmSync(p, { force: true });
  }
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, code);
  renameSync(tmp, file);
  return file;
}

const { file, name } = entryOf(process.argv[2]);
// The entry's own arguments follow its path, as with `node --import tsx <entry> args…`.
process.argv.splice(1, 2, file);
const loader = process.env.SERVICE_LOADER || 'bundle';
if (loader === 'tsx') {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(file).href);
} else if (loader === 'bundle') {
  let bundle;
  try {
    const { threadEntry } = await import(pathToFileURL(await compiledThreadEntry()).href);
    bundle = await threadEntry(file, 'bundle', { name });
  } catch (err) {
    fail(`could not compile ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  await import(pathToFileURL(bundle).href);
} else fail(`SERVICE_LOADER: expected bundle or tsx, got "${loader}"`);
