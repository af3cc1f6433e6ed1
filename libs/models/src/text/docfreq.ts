/**
 * Document-frequency tables for TF-IDF: how many observed documents contain each term.
 * The analyzer takes one as a collaborator: the service passes the Redis-backed table (shared by
 * all workers), tests pass the in-memory one.
 */
import type { Redis } from 'ioredis';

export interface DocFreq {
  /** Record one document containing `terms` (duplicates are counted once); total += 1. */
  observe(terms: Iterable<string>): Promise<void>;
  /** Number of observed documents containing each term, aligned with `terms` (0 if unseen). */
  get(terms: readonly string[]): Promise<number[]>;
  /** Number of observed documents. */
  total(): Promise<number>;
}

export function createMemoryDocFreq(seed?: { docs: Iterable<Iterable<string>> }): DocFreq & {
  readonly size: number;
} {
  const counts = new Map<string, number>();
  let docs = 0;
  const observeSync = (terms: Iterable<string>): void => {
    for (const t of new Set(terms)) counts.set(t, (counts.get(t) ?? 0) + 1);
    docs += 1;
  };
  for (const d of seed?.docs ?? []) observeSync(d);
  return {
    observe: async (terms) => observeSync(terms),
    get: async (terms) => terms.map((t) => counts.get(t) ?? 0),
    total: async () => docs,
    get size() {
      return counts.size;
    },
  };
}

export interface RedisDocFreqOptions {
  /** Key prefix; the table uses `<prefix>:terms` (hash term → count) and `<prefix>:total`. */
  prefix?: string;
  /** HMGET/HINCRBY batch size per pipeline chunk (default 1000). */
  chunk?: number;
}

/**
 * Redis-backed table: one hash of term → document count plus a document counter. `observe` sends
 * all HINCRBYs and the INCR in one pipeline (one round trip). Counts only grow; a shared table is
 * approximately right under concurrent writers, which is all IDF needs.
 */
export function createRedisDocFreq(redis: Redis, options: RedisDocFreqOptions = {}): DocFreq {
  const prefix = options.prefix ?? 'newsfuse:df';
  const hashKey = `${prefix}:terms`;
  const totalKey = `${prefix}:total`;
  const chunk = options.chunk ?? 1000;

  return {
    async observe(terms) {
      const unique = [...new Set(terms)];
      const p = redis.pipeline();
      for (const t of unique) p.hincrby(hashKey, t, 1);
      p.incr(totalKey);
      const res = await p.exec();
      const failed = res?.find(([err]) => err);
      if (failed) throw failed[0]!;
    },
    async get(terms) {
      if (terms.length === 0) return [];
      const p = redis.pipeline();
      for (let i = 0; i < terms.length; i += chunk) p.hmget(hashKey, ...terms.slice(i, i + chunk));
      const res = (await p.exec()) ?? [];
      const out: number[] = [];
      for (const [err, vals] of res) {
        if (err) throw err;
        for (const v of vals as (string | null)[]) out.push(v === null ? 0 : Number(v));
      }
      return out;
    },
    async total() {
      const v = await redis.get(totalKey);
      return v === null ? 0 : Number(v);
    },
  };
}
