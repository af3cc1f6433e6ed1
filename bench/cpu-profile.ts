/**
 * Where a process's threads spent their CPU: reads the V8 CPU profiles that `node --cpu-prof
 * --cpu-prof-dir=DIR …` writes (one file per thread, in the order the threads started) and prints, per
 * thread, its sampled time busy and idle, its garbage collection, and the functions with the most self
 * time. E.g. extract's work alone in each job-thread arrangement (docs/model-host.md, "Shared job threads"):
 *
 *   env EXTRACT_THREADS=shared node --cpu-prof --cpu-prof-dir=/tmp/prof/shared scripts/bin/service.mjs bench/lib/alone.ts --kind img1 --articles 30
 *   npx tsx bench/cpu-profile.ts /tmp/prof/shared [--top 12]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '12' } } });
const dir = positionals[0];
if (!dir) throw new Error('usage: npx tsx bench/cpu-profile.ts <dir of .cpuprofile files> [--top N]');
const top = Number(values.top);

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
}
