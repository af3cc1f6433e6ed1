/**
 * How long `threadEntry` (libs/pipeline/src/thread-entry.ts) takes for each service's main bundle, as
 * scripts/bin/service.mjs calls it at a start: cold (no bundle in the cache) and warm (the bundle of the
 * same sources is there). Each call runs in a fresh process (threadEntry remembers an entry per process);
 * the time is the call alone, esbuild's start included. The bundles are written under names of their own
 * (`bench-<service>-main`), so a cold round deletes nothing a running service uses.
 *
 *   npx tsx bench/thread-entry.ts [--rounds N] [--services ingest,score]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { threadCacheDir, threadEntry } from '@newsfuse/pipeline/thread-entry';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { median } from './lib/procs.ts';

const SERVICES = ['ingest', 'extract', 'fuse', 'score', 'dashboard'];
const benchName = (service: string) => `bench-${service}-main`;

/** Everything in the cache under the bench's name for `service` (its bundles and what is kept beside them). */
function clear(service: string): void {
  const name = benchName(service);
  let names: string[] = [];
  try {
    names = readdirSync(threadCacheDir());
  } catch {
    return;
  }
  for (const d of names)
    if (d === name || d.startsWith(`${name}-`) || d.startsWith(`${name}.`))
      rmSync(join(threadCacheDir(), d), { recursive: true, force: true });
}

/** One threadEntry call in a fresh process: its milliseconds. */
function once(service: string): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', service], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`child for ${service} failed: ${r.stderr}`);
  return Number(r.stdout.trim().split('\n').pop());
}

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    services: { type: 'string', default: SERVICES.join(',') },
  },
});

if (values.child) {
  const file = join(REPO_ROOT, 'services', values.child, 'src', 'main.ts');
  const t0 = performance.now();
  await threadEntry(file, 'bundle', { name: benchName(values.child) });
  process.stdout.write(`${(performance.now() - t0).toFixed(1)}\n`);
} else {
  const rounds = Number(values.rounds);
  const rows: string[][] = [];
  for (const service of values.services!.split(',')) {
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < rounds; i++) {
      clear(service);
      cold.push(once(service));
      warm.push(once(service));
    }
    clear(service);
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
    rows.push([service, median(cold).toFixed(0), range(cold), median(warm).toFixed(0), range(warm)]);
  }
  const header = ['service main bundle', 'cold ms (median)', 'cold range', 'warm ms (median)', 'warm range'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join(' | ')} |`;
  console.log(`threadEntry per service main bundle, ${rounds} rounds, each call in a fresh process`);
  console.log(line(header));
  console.log(`|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}
