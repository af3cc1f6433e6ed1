/**
 * The recycled-photo index at scale (`npm run bench:recycled`): runs the score service's benchmark
 * entry point (services/score/src/recycled-bench.ts; the bench does not import service internals)
 * against the real Redis (REDIS_URL, default redis://127.0.0.1:6379) and prints a table: lookup
 * latency p50/p95/p99 in µs, and memory per photo and per hash (INFO used_memory, MEMORY USAGE).
 * Every key is written under a unique prefix and deleted at the end (Redis is shared).
 *
 *   npm run bench:recycled                      100,000 photos = 1 M hashes, 2,000 lookups
 *   npm run bench:recycled -- --photos 10000    a quick run
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
const r = JSON.parse(res.stdout.trim().split('\n').pop()!) as {
  photos: number;
  hashes: number;
  bandMembers: number;
  bandKeys: number;
  loadSeconds: number;
  usedMemoryBytes: number;
  bytesPerPhoto: number;
  bytesPerHash: number;
  memoryUsage: Record<'bandF' | 'bandC' | 'record', { keys: number; bytesPerKey: number; bytesPerMember: number }>;
  lookup: { n: number; p50: number; p95: number; p99: number; hitP99: number; missP99: number; hitRate: number };
};
const f0 = (x: number) => Math.round(x).toLocaleString('en');
console.log(`Recycled-photo index, ${f0(r.photos)} photos = ${f0(r.hashes)} hashes (${f0(r.bandMembers)} band members in ${f0(r.bandKeys)} keys); command: npm run bench:recycled -- ${process.argv.slice(2).join(' ') || '(defaults)'}

| figure | value |
| --- | --- |
| lookup p50 (172 band keys, one Lua read + verification) | ${f0(r.lookup.p50)} µs |
| lookup p95 | ${f0(r.lookup.p95)} µs |
| lookup p99 | ${f0(r.lookup.p99)} µs |
| lookup p99, hits / misses | ${f0(r.lookup.hitP99)} / ${f0(r.lookup.missP99)} µs |
| hits found (stored photo, frame 4 bits off) | ${(r.lookup.hitRate * 100).toFixed(1)} % of ${f0(r.lookup.n / 2)} |
| Redis memory (INFO used_memory, after − before) | ${(r.usedMemoryBytes / 2 ** 20).toFixed(1)} MiB |
| bytes per photo (10 hashes, 40 band members, record) | ${f0(r.bytesPerPhoto)} |
| bytes per hash | ${f0(r.bytesPerHash)} |
| MEMORY USAGE: frame band key / member | ${f0(r.memoryUsage.bandF.bytesPerKey)} / ${r.memoryUsage.bandF.bytesPerMember.toFixed(1)} bytes |
| MEMORY USAGE: crop band key / member | ${f0(r.memoryUsage.bandC.bytesPerKey)} / ${r.memoryUsage.bandC.bytesPerMember.toFixed(1)} bytes |
| MEMORY USAGE: photo record | ${f0(r.memoryUsage.record.bytesPerKey)} bytes |
| load (observe, 16 concurrent) | ${r.loadSeconds.toFixed(0)} s |`);
