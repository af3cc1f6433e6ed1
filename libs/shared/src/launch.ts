/**
 * How a service process is started, by every launcher of the services — the supervisor (`npm start`),
 * the test and bench harness (@newsfuse/testkit/harness), the bench's extract-alone runs, the Docker
 * image and docker-compose.yml, each service's `npm start`:
 *
 *  - its command line (`serviceArgs`): node runs scripts/bin/service.mjs, which bundles the service's
 *    TypeScript to JavaScript (@newsfuse/pipeline/thread-entry) and imports it — no TypeScript loader in
 *    the process; `SERVICE_LOADER=tsx` (read by the launchers) starts it the earlier way, through tsx;
 *  - settings it must get from whoever starts it, because they are read before any of its code runs:
 *    glibc's malloc reads MALLOC_ARENA_MAX when the process starts. A value already in the launcher's
 *    environment wins, so an operator can still set another.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * MALLOC_ARENA_MAX=2: glibc gives each thread that allocates its own malloc arena, up to 8 per core,
 * and memory freed in one arena stays there; extract runs a dozen threads (job threads, the model
 * host, onnxruntime's and libuv's pools). Two arenas: extract alone peaked 27–83 MB lower in the bench,
 * run in both orders, with no more CPU per image (docs/model-host.md, Memory). The other services
 * have few threads and are unaffected.
 */
export const SERVICE_LAUNCH_ENV: Readonly<Record<string, string>> = Object.freeze({ MALLOC_ARENA_MAX: '2' });

/** The launch settings `env` does not set already (spread them under `env`). */
export function launchDefaults(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(SERVICE_LAUNCH_ENV).filter(([k]) => env[k] === undefined || env[k] === ''));
}

/** How a service's main thread loads its code: `bundle` (compiled to JavaScript at start) or `tsx` (the earlier way). */
export const SERVICE_LOADERS = ['bundle', 'tsx'] as const;
export type ServiceLoader = (typeof SERVICE_LOADERS)[number];

/** SERVICE_LOADER from a launcher's environment (default `bundle`); any other value throws, naming the variable. */
export function serviceLoaderOf(env: Readonly<Record<string, string | undefined>>): ServiceLoader {
  const v = env.SERVICE_LOADER;
  if (v === undefined || v === '') return 'bundle';
  if ((SERVICE_LOADERS as readonly string[]).includes(v)) return v as ServiceLoader;
  throw new Error(`SERVICE_LOADER: expected ${SERVICE_LOADERS.join(' or ')}, got "${v}"`);
}

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** scripts/bin/service.mjs, the launcher the `bundle` way runs. */
export const SERVICE_LAUNCHER = join(REPO_ROOT, 'scripts', 'bin', 'service.mjs');

/**
 * node's arguments (after any of the caller's own flags) that run `entry` — a service's name, or the
 * path of a TypeScript entry such as bench/lib/alone.ts — as the process's main module: through
 * scripts/bin/service.mjs with source maps on (`bundle`), or `--import tsx` and the TypeScript file (`tsx`).
 */
export function serviceArgs(entry: string, loader: ServiceLoader = 'bundle'): string[] {
  if (loader === 'bundle') return ['--enable-source-maps', SERVICE_LAUNCHER, entry];
  const file = /^[a-z][a-z0-9-]*$/.test(entry) ? join(REPO_ROOT, 'services', entry, 'src', 'main.ts') : entry;
  return ['--import', 'tsx', file];
}
