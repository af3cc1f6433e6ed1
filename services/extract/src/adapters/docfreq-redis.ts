/**
 * The document-frequency table in Redis, shared by every extract worker (the DocFreq port of
 * @newsfuse/models/text/docfreq).
 */
import type { Redis } from 'ioredis';
import type { DocFreq } from '@newsfuse/models/text/docfreq';

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
