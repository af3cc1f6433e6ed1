/**
 * Settings a service process must get from whoever starts it, because they are read before any of its
 * code runs: glibc's malloc reads MALLOC_ARENA_MAX when the process starts. Every launcher of the
 * services applies them — the supervisor (`npm start`), the test and bench harness
 * (@newsfuse/testkit/harness), the bench's extract-alone runs, and the Docker image (its ENV) — and a
 * value already in the launcher's environment wins, so an operator can still set another.
 *
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
