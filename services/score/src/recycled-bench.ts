/**
 * The recycled-photo index benchmark, run by `npm run bench:recycled` (bench/recycled-index.ts) as the
 * score service's own entry point, so the bench measures this service's Redis adapter without
 * importing it. Loads `--photos` synthetic photos (10 hashes each: a random balanced 64-bit frame hash
 * and nine crop hashes 6–16 bits from it) into the real Redis under a unique prefix, measures the
 * memory (INFO used_memory before and after; MEMORY USAGE of sampled keys) and the lookup latency (hits:
 * stored photos with 4 bits flipped; misses: fresh photos), then deletes every key under the prefix.
 * Prints one JSON line on stdout.
 *
 *   tsx services/score/src/recycled-bench.ts --photos 100000 --lookups 2000
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { createRedis } from '@newsfuse/shared';
import type { NearDupHashes } from '@newsfuse/models/image/neardup';
import { loadScoreConfig } from './config.ts';
import { createRedisRecycled } from './adapters/recycled-redis.ts';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '100000' },
    lookups: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
  },
});
const photos = Number(values.photos);
const lookups = Number(values.lookups);
const cfg = loadScoreConfig();
const redis = createRedis(cfg);
const prefix = `nfbench-recycled-${randomBytes(4).toString('hex')}`;

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
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length) n += await redis.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function main() {
  const index = createRedisRecycled(redis, { prefix, maxImages: photos + lookups + 10 });
  const before = await usedMemory();
  const stored: number[][] = [];
  const t0 = Date.now();
  const conc = Number(values.concurrency);
  let next = 0;
  const base = Date.parse('2026-01-01T00:00:00Z');
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < photos) {
        const i = next++;
        const p = photo();
        if (stored.length < lookups) stored.push(p.bits);
        await index.observe(
          {
            articleId: `bench-article-${i}`,
            version: 1,
            title: 'bench',
            source: 'bench',
            publishedAt: new Date(base + i * 1000).toISOString(),
          },
          [{ index: 0, hashes: p.hashes }],
        );
        if (i % 20000 === 0 && i > 0) process.stderr.write(`loaded ${i} photos (${Math.round((Date.now() - t0) / 1000)} s)\n`);
      }
    }),
  );
  const loadSeconds = (Date.now() - t0) / 1000;
  const after = await usedMemory();
  // MEMORY USAGE of a sample of keys of each kind.
  const sample = async (pattern: string) => {
    const [, keys] = await redis.scan('0', 'MATCH', `${prefix}:${pattern}`, 'COUNT', 20000);
    const sizes = await Promise.all(keys.slice(0, 200).map((k) => redis.memory('USAGE', k, 'SAMPLES', 0)));
    const members = await Promise.all(keys.slice(0, 200).map((k) => (pattern.startsWith('b:') ? redis.zcard(k) : Promise.resolve(1))));
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
  const bandF = await sample('b:f:*');
  const bandC = await sample('b:c:*');
  const record = await sample('p:*');

  const hitUs: number[] = [];
  const missUs: number[] = [];
  let hits = 0;
  for (let i = 0; i < lookups; i++) {
    const q = photo();
    const isHit = i % 2 === 0;
    const hashes: NearDupHashes = isHit ? { ...q.hashes, full: toHex(flipped(stored[i % stored.length]!, 4)) } : q.hashes;
    const s = process.hrtime.bigint();
    const m = await index.lookup(hashes);
    const us = Number(process.hrtime.bigint() - s) / 1000;
    (isHit ? hitUs : missUs).push(us);
    if (isHit && m) hits++;
  }
  const all = [...hitUs, ...missUs];
  const bandKeys = Number(await redis.eval(`return #redis.call('KEYS', ARGV[1])`, 0, `${prefix}:b:*`));
  console.log(
    JSON.stringify({
      photos,
      hashes: photos * 10,
      bandMembers: photos * 40,
      bandKeys,
      loadSeconds,
      usedMemoryBytes: after - before,
      bytesPerPhoto: (after - before) / photos,
      bytesPerHash: (after - before) / (photos * 10),
      memoryUsage: { bandF, bandC, record },
      lookup: {
        n: all.length,
        p50: quantile(all, 0.5),
        p95: quantile(all, 0.95),
        p99: quantile(all, 0.99),
        hitP99: quantile(hitUs, 0.99),
        missP99: quantile(missUs, 0.99),
        hitRate: hits / hitUs.length,
      },
    }),
  );
}

try {
  await main();
} finally {
  const n = await clean();
  process.stderr.write(`deleted ${n} keys under ${prefix}\n`);
  await redis.quit();
}
