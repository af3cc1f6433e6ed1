/**
 * Where a process's threads spent their CPU: reads the V8 CPU profiles that `node --cpu-prof
 * --cpu-prof-dir=DIR …` writes (one file per thread, in the order the threads started) and prints, per
 * thread, its sampled time busy and idle, its garbage collection, and the functions with the most self
 * time. E.g. extract's work alone in each job-thread arrangement (docs/model-host.md, "Shared job threads"):
 *
 *   env EXTRACT_THREADS=shared node --cpu-prof --cpu-prof-dir=/tmp/prof/shared scripts/bin/service.mjs bench/lib/alone.ts --kind img1 --articles 30
 *   npx tsx bench/cpu-profile.ts /tmp/prof/shared [--top 12] [--callers writeBuffer,writeUtf8String]
 *
 * `--callers` adds, per thread, where the self time of the named functions came from: the first caller
 * outside Node's own modules (with its package), e.g. which library's Redis or Kafka commands a
 * thread's socket writes were.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

interface CpuProfile {
  nodes: Array<{ id: number; children?: number[]; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '12' }, callers: { type: 'string' } },
});
const callersOf = new Set(values.callers?.split(',').filter(Boolean) ?? []);
const dir = positionals[0];
if (!dir) throw new Error('usage: npx tsx bench/cpu-profile.ts <dir of .cpuprofile files> [--top N]');
const top = Number(values.top);

/** A frame outside Node's own modules: its function and package (or file). */
const isNodeInternal = (url: string) => url === '' || url.startsWith('node:') || !url.includes('/');
const packageOf = (url: string) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? basename(url);
const label = (f: CpuProfile['nodes'][number]['callFrame']) => `${f.functionName || '(anonymous)'} (${packageOf(f.url)})`;

/**
 * Self time of the functions named in `names`, by who called them: the callers outside Node's own
 * modules in runs of one package (or file) each, the first three runs, each named by its outermost frame
 * — e.g. ioredis's command ← BullMQ's job completion ← the service.
 */
function callers(profile: CpuProfile, names: Set<string>): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const out = new Map<string, number>();
  for (const n of profile.nodes) {
    const us = self.get(n.id);
    if (!us || !names.has(n.callFrame.functionName)) continue;
    // the callers outside Node's modules, in runs of one package each, each run named by its outermost frame
    const runs: Array<{ pkg: string; frame: string }> = [];
    for (let id = parent.get(n.id); id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (isNodeInternal(f.url)) continue;
      const pkg = packageOf(f.url);
      if (runs.at(-1)?.pkg === pkg) runs.at(-1)!.frame = label(f);
      else if (runs.length === 3) break;
      else runs.push({ pkg, frame: label(f) });
    }
    const chain = runs.map((r) => r.frame);
    const key = `${n.callFrame.functionName} ← ${chain.join(' ← ') || '(Node only)'}`;
    out.set(key, (out.get(key) ?? 0) + us);
  }
  return out;
}

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort()) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfUs = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = frames.get(id)!;
    const key = `${f.functionName || '(anonymous)'} ${basename(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`.trim();
    selfUs.set(key, (selfUs.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const ms = (us: number) => Math.round(us / 1000);
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = selfUs.get('(idle)') ?? 0;
  const gc = selfUs.get('(garbage collector)') ?? 0;
  console.log(
    `\n${file}: sampled ${ms(total)} ms, busy ${ms(total - idle)} ms (${Math.round((100 * (total - idle)) / total)} %), garbage collection ${ms(gc)} ms`,
  );
  console.log('| self ms | function |\n|---|---|');
  for (const [key, us] of [...selfUs.entries()]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    console.log(`| ${ms(us)} | ${key.replaceAll('|', '\\|')} |`);
  if (callersOf.size) {
    console.log('\n| self ms | function ← its callers |\n|---|---|');
    for (const [key, us] of [...callers(profile, callersOf).entries()].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`| ${ms(us)} | ${key.replaceAll('|', '\\|')} |`);
  }
}
