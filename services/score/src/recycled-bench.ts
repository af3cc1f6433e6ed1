/**
 * The recycled-photo index benchmark, run by `npm run bench:recycled` (bench/recycled-index.ts) as the
 * score service's own entry point, so the bench measures this service's Redis adapters without
 * importing them. Generates `--photos` synthetic photos (10 hashes each: a random balanced 64-bit frame
 * hash and nine crop hashes 6–16 bits from it) and loads them into the real Redis, once per design
 * (`--designs`, default both: `v2` the current adapter, `v1` the previous one kept for this comparison),
 * each under its own unique prefix. Measures each design's memory (INFO used_memory before and after its
 * load; MEMORY USAGE of sampled keys) and lookup latency (hits: stored photos with 4 bits of the frame
 * flipped; misses: fresh photos), the designs taking turns on the same queries, so that the load of a
 * shared machine weighs on both alike. Then deletes every key under the prefixes. Prints one JSON line
 * on stdout.
 *
 *   tsx services/score/src/recycled-bench.ts --photos 100000 --lookups 2000 [--designs v1,v2]
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { createRedis } from '@newsfuse/shared';
import type { NearDupHashes } from '@newsfuse/models/image/neardup';
import { loadScoreConfig } from './config.ts';
import { createRedisRecycled, type RecycledIndex } from './adapters/recycled-redis.ts';
import { createRedisRecycledV1 } from './adapters/recycled-redis-v1.ts';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '100000' },
    lookups: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    designs: { type: 'string', default: 'v2,v1' },
  },
});
const photos = Number(values.photos);
const lookups = Number(values.lookups);
const cfg = loadScoreConfig();
const redis = createRedis(cfg);
const run = `nfbench-recycled-${randomBytes(4).toString('hex')}`;
type Design = 'v1' | 'v2';
const designs = values.designs.split(',').map((d) => d.trim()) as Design[];
if (designs.some((d) => d !== 'v1' && d !== 'v2')) throw new Error(`--designs: v1 and/or v2, not ${values.designs}`);
const prefixOf = (d: Design) => `${run}:${d}`;
/** Band bucket key patterns per design: frame buckets, crop buckets. */
const BAND_PATTERNS: Record<Design, [string, string]> = { v1: ['b:f:*', 'b:c:*'], v2: ['b:f*', 'b:c*'] };
const MEMBERS: Record<Design, number> = { v1: 40, v2: 41 };

let seed = 15;
const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const toHex = (bits: number[]) => {
  let hex = '';
  for (let i = 0; i < 64; i += 4) hex += ((bits[i]! << 3) | (bits[i + 1]! << 2) | (bits[i + 2]! << 1) | bits[i + 3]!).toString(16);
  return hex;
};
function balanced(): number[] {
  const bits: number[] = Array.from({ length: 64 }, (_, i) => (i < 32 ? 1 : 0));
  for (let i = 63; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [bits[i], bits[j]] = [bits[j]!, bits[i]!];
  }
  return bits;
}
const flipped = (bits: number[], n: number) => {
  const out = [...bits];
  for (let k = 0; k < n; k++) out[Math.floor(rand() * 64)]! ^= 1;
  return out;
};
function photo(): { bits: number[]; hashes: NearDupHashes } {
  const bits = balanced();
  return {
    bits,
    hashes: { v: 1, full: toHex(bits), views: Array.from({ length: 9 }, () => toHex(flipped(bits, 6 + Math.floor(rand() * 11)))) },
  };
}

async function clean(): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${run}:*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length) n += await redis.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

async function countKeys(pattern: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 10000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function load(d: Design, index: RecycledIndex, all: NearDupHashes[]) {
  const before = await usedMemory();
  const t0 = Date.now();
  let next = 0;
  const base = Date.parse('2026-01-01T00:00:00Z');
  await Promise.all(
    Array.from({ length: Number(values.concurrency) }, async () => {
      while (next < all.length) {
        const i = next++;
        await index.observe(
          {
            articleId: `bench-article-${i}`,
            version: 1,
            title: 'bench',
            source: 'bench',
            publishedAt: new Date(base + i * 1000).toISOString(),
          },
          [{ index: 0, hashes: all[i]! }],
        );
        if (i % 20000 === 0 && i > 0) process.stderr.write(`${d}: loaded ${i} photos (${Math.round((Date.now() - t0) / 1000)} s)\n`);
      }
    }),
  );
  const loadSeconds = (Date.now() - t0) / 1000;
  const after = await usedMemory();
  const prefix = prefixOf(d);
  // MEMORY USAGE of a sample of keys of each kind.
  const sample = async (pattern: string, membersOf: (k: string) => Promise<number>) => {
    const [, keys] = await redis.scan('0', 'MATCH', `${prefix}:${pattern}`, 'COUNT', 20000);
    const sizes = await Promise.all(keys.slice(0, 200).map((k) => redis.memory('USAGE', k, 'SAMPLES', 0)));
    const members = await Promise.all(keys.slice(0, 200).map(membersOf));
    const bytes = sizes.reduce<number>((a, b) => a + Number(b ?? 0), 0);
    return {
      keys: keys.length,
      bytesPerKey: bytes / Math.max(1, sizes.length),
      bytesPerMember:
        bytes /
        Math.max(
          1,
          members.reduce((a, b) => a + b, 0),
        ),
    };
  };
  const bandMembers = (k: string) => (d === 'v1' ? redis.zcard(k) : redis.strlen(k).then((n) => n / 16));
  const [fPattern, cPattern] = BAND_PATTERNS[d];
  const bandF = await sample(fPattern, bandMembers);
  const bandC = await sample(cPattern, bandMembers);
  const record = await sample('p:*', async () => 1);
  const bandKeys = await countKeys(`${prefix}:b:*`);
  return {
    photos: all.length,
    hashes: all.length * 10,
    bandMembers: all.length * MEMBERS[d],
    bandKeys,
    loadSeconds,
    usedMemoryBytes: after - before,
    bytesPerPhoto: (after - before) / all.length,
    bytesPerHash: (after - before) / (all.length * 10),
    memoryUsage: { bandF, bandC, record },
  };
}

async function main() {
  const indexes: Record<Design, RecycledIndex> = {
    v1: createRedisRecycledV1(redis, { prefix: prefixOf('v1'), maxImages: photos + lookups + 10 }),
    v2: createRedisRecycled(redis, { prefix: prefixOf('v2'), maxImages: photos + lookups + 10 }),
  };
  const generated = Array.from({ length: photos }, () => photo());
  const stored = generated.slice(0, lookups).map((p) => p.bits);
  const all = generated.map((p) => p.hashes);
  const loaded: Partial<Record<Design, Awaited<ReturnType<typeof load>>>> = {};
  for (const d of designs) loaded[d] = await load(d, indexes[d], all);

  const us: Record<Design, { hit: number[]; miss: number[]; hits: number }> = {
    v1: { hit: [], miss: [], hits: 0 },
    v2: { hit: [], miss: [], hits: 0 },
  };
  const cpu: Record<Design, number> = { v1: 0, v2: 0 };
  // Redis time per lookup command (INFO commandstats: usec of MGET for v2, of EVAL for v1's Lua read).
  const COMMAND: Record<Design, string> = { v1: 'eval', v2: 'mget' };
  const commandStats = async () => {
    const info = await redis.info('commandstats');
    const stat = (cmd: string) => {
      const m = new RegExp(`cmdstat_${cmd}:calls=(\\d+),usec=(\\d+)`).exec(info);
      return m ? { calls: Number(m[1]), usec: Number(m[2]) } : { calls: 0, usec: 0 };
    };
    return { v1: stat(COMMAND.v1), v2: stat(COMMAND.v2) };
  };
  const statsBefore = await commandStats();
  for (let i = 0; i < lookups; i++) {
    const q = photo();
    const isHit = i % 2 === 0;
    const hashes: NearDupHashes = isHit ? { ...q.hashes, full: toHex(flipped(stored[i % stored.length]!, 4)) } : q.hashes;
    // Take turns: which design goes first alternates every two lookups.
    const order = i % 4 < 2 ? designs : [...designs].reverse();
    for (const d of order) {
      const c0 = process.cpuUsage();
      const s = process.hrtime.bigint();
      const m = await indexes[d].lookup(hashes);
      const t = Number(process.hrtime.bigint() - s) / 1000;
      const c = process.cpuUsage(c0);
      cpu[d] += c.user + c.system;
      (isHit ? us[d].hit : us[d].miss).push(t);
      if (isHit && m) us[d].hits++;
    }
  }
  const statsAfter = await commandStats();
  const out: Record<string, unknown> = { photos, lookups, designs };
  for (const d of designs) {
    const all = [...us[d].hit, ...us[d].miss];
    out[d] = {
      ...loaded[d],
      lookup: {
        n: all.length,
        p50: quantile(all, 0.5),
        p95: quantile(all, 0.95),
        p99: quantile(all, 0.99),
        max: quantile(all, 1),
        hitP99: quantile(us[d].hit, 0.99),
        missP99: quantile(us[d].miss, 0.99),
        hitRate: us[d].hits / us[d].hit.length,
        clientCpuUs: cpu[d] / all.length,
        redisCommand: COMMAND[d],
        redisCalls: statsAfter[d].calls - statsBefore[d].calls,
        redisUs: (statsAfter[d].usec - statsBefore[d].usec) / Math.max(1, statsAfter[d].calls - statsBefore[d].calls),
      },
    };
  }
  out.loadAverage = (await import('node:os')).loadavg();
  console.log(JSON.stringify(out));
}

try {
  await main();
} finally {
  const n = await clean();
  process.stderr.write(`deleted ${n} keys under ${run}\n`);
  await redis.quit();
}
