/**
 * The recycled-photo index at scale (`npm run bench:recycled`): runs the score service's benchmark
 * entry point (services/score/src/recycled-bench.ts; the bench does not import service internals)
 * against the real Redis (REDIS_URL, default redis://127.0.0.1:6379) and prints a table with a column
 * per design (v2: the current index, v1: the previous one, loaded with the same photos and taking turns
 * on the same lookups in the same run): lookup latency p50/p95/p99 in µs, and memory per photo and per
 * hash (INFO used_memory, MEMORY USAGE). Every key is written under a unique prefix and deleted at the
 * end (Redis is shared).
 *
 *   npm run bench:recycled                            100,000 photos = 1 M hashes, 2,000 lookups
 *   npm run bench:recycled -- --photos 10000          a quick run
 *   npm run bench:recycled -- --designs v2            the current design only
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@newsfuse/testkit/paths';

const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', join(REPO_ROOT, 'services', 'score', 'src', 'recycled-bench.ts'), ...process.argv.slice(2)],
  {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
);
if (res.status !== 0) {
  console.error(`recycled-bench exited with ${res.status}`);
  process.exit(1);
}
interface DesignResult {
  photos: number;
  hashes: number;
  bandMembers: number;
  bandKeys: number;
  loadSeconds: number;
  usedMemoryBytes: number;
  bytesPerPhoto: number;
  bytesPerHash: number;
  memoryUsage: Record<'bandF' | 'bandC' | 'record', { keys: number; bytesPerKey: number; bytesPerMember: number }>;
  lookup: {
    n: number;
    p50: number;
    p95: number;
    p99: number;
    max: number;
    hitP99: number;
    missP99: number;
    hitRate: number;
    clientCpuUs: number;
    redisCommand: string;
    redisCalls: number;
    redisUs: number;
  };
}
const out = JSON.parse(res.stdout.trim().split('\n').pop()!) as {
  photos: number;
  lookups: number;
  designs: ('v1' | 'v2')[];
  loadAverage: number[];
} & Partial<Record<'v1' | 'v2', DesignResult>>;
const NAME = {
  v2: 'v2 (current): 182 string buckets, one MGET',
  v1: 'v1 (previous): 172 sorted sets, one Lua read',
};
const f0 = (x: number) => Math.round(x).toLocaleString('en');
const rs = out.designs.map((d) => out[d]!);
const row = (label: string, cell: (r: DesignResult) => string) => `| ${label} | ${rs.map(cell).join(' | ')} |`;
const r0 = rs[0]!;
console.log(`Recycled-photo index, ${f0(r0.photos)} photos = ${f0(r0.hashes)} hashes per design, ${f0(out.lookups)} lookups per design taking turns; load average at the end ${out.loadAverage.map((x) => x.toFixed(1)).join(', ')} (${(await import('node:os')).cpus().length} cores); command: npm run bench:recycled -- ${process.argv.slice(2).join(' ') || '(defaults)'}

| figure | ${out.designs.map((d) => NAME[d]).join(' | ')} |
| --- | ${out.designs.map(() => '---').join(' | ')} |
${row('band members / band keys', (r) => `${f0(r.bandMembers)} / ${f0(r.bandKeys)}`)}
${row('lookup p50', (r) => `${f0(r.lookup.p50)} µs`)}
${row('lookup p95', (r) => `${f0(r.lookup.p95)} µs`)}
${row('lookup p99', (r) => `${f0(r.lookup.p99)} µs`)}
${row('lookup max', (r) => `${f0(r.lookup.max)} µs`)}
${row('lookup p99, hits / misses', (r) => `${f0(r.lookup.hitP99)} / ${f0(r.lookup.missP99)} µs`)}
${row('CPU per lookup: Node (process.cpuUsage)', (r) => `${f0(r.lookup.clientCpuUs)} µs`)}
${row('CPU per lookup: Redis (INFO commandstats)', (r) => `${f0(r.lookup.redisUs)} µs a ${r.lookup.redisCommand.toUpperCase()} (${f0(r.lookup.redisCalls)} calls)`)}
${row('hits found (stored photo, frame 4 bits off)', (r) => `${(r.lookup.hitRate * 100).toFixed(1)} % of ${f0(r.lookup.n / 2)}`)}
${row('Redis memory (INFO used_memory, after − before load)', (r) => `${(r.usedMemoryBytes / 2 ** 20).toFixed(1)} MiB`)}
${row('bytes per photo (10 hashes, band members, record)', (r) => f0(r.bytesPerPhoto))}
${row('bytes per hash', (r) => f0(r.bytesPerHash))}
${row('MEMORY USAGE: frame band key / member', (r) => `${f0(r.memoryUsage.bandF.bytesPerKey)} / ${r.memoryUsage.bandF.bytesPerMember.toFixed(1)} bytes`)}
${row('MEMORY USAGE: crop band key / member', (r) => `${f0(r.memoryUsage.bandC.bytesPerKey)} / ${r.memoryUsage.bandC.bytesPerMember.toFixed(1)} bytes`)}
${row('MEMORY USAGE: photo record', (r) => `${f0(r.memoryUsage.record.bytesPerKey)} bytes`)}
${row('load (observe, 16 concurrent)', (r) => `${r.loadSeconds.toFixed(0)} s`)}`);
