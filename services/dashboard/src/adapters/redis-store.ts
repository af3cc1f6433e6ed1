/**
 * Redis layout of the dashboard (every key under `${NEWSFUSE_PREFIX}:dash:`):
 *
 *   seen:{articleId}:{version}     string, SET NX EX — an (articleId, version) is counted once
 *   art:{articleId}                string (JSON Contribution), EX — lets a newer version undo the older one
 *   b:{m|h}:{a|t|s}:{id}:{start}   hash of counters/sums per 1-minute / 1-hour bucket, EXPIREAT start+size+retention
 *   idx:{t|s}                      sorted set id → last seen (ms); lbl:{t|s} hash id → label (pruned together)
 *   mm                             sorted set articleId → emittedAt (ms), capped to DASHBOARD_MISMATCH_KEEP
 *   mm:i:{articleId}               string (JSON MismatchItem), EX DASHBOARD_MISMATCH_TTL_SECONDS
 *   rev                            counter, bumped by every write (the live page's change token)
 *   dl:seen:{partition}:{offset}   dead-letter message mark, SET NX EX
 *   dl:total                       hash "stage|code" → count (bounded: stages and codes are normalised)
 *   dl:h:{hourStart}               same per hour, EXPIREAT after 8 days
 *   dl:latest                      list of the latest 50 dead letters (JSON)
 *
 * Writes for one event run in one MULTI (atomic on the server); reads are pipelined.
 */
import { key, type BaseConfig, type Redis } from '@newsfuse/shared';
import {
  parseFields,
  type AggregateOptions,
  type AggregateStore,
  type ApplyPlan,
  type BucketFields,
  type BucketRef,
  type Contribution,
  type IndexEntry,
  type MismatchItem,
  type Scope,
} from '../aggregate.ts';
import { countsFromHash, mergeCounts, type DeadLetterCount, type DeadLetterEntry, type DeadLetterPlan } from '../deadletters.ts';
import type { AggregateReader } from '../views.ts';

const FLOAT_FIELDS = new Set<string>(['rel_sum', 'sent_sum', 'e2e_sum']);
const RES = { minute: 'm', hour: 'h' } as const;
const SCOPE: Record<Scope, string> = { all: 'a', topic: 't', source: 's' };
const IDX = { topic: 't', source: 's' } as const;
const DL_LATEST = 50;
const DL_HOUR_RETENTION_SECONDS = 8 * 24 * 3600;
const DL_SEEN_TTL_SECONDS = 7 * 24 * 3600;

export interface DeadLetterSummary {
  total: number;
  last24h: number;
  byStageCode: DeadLetterCount[];
  byStageCode24h: DeadLetterCount[];
  latest: DeadLetterEntry[];
}

export interface DashboardStore extends AggregateStore, AggregateReader {
  /** Counts one dead-letter record once; false when this message was already counted. */
  recordDeadLetter(plan: DeadLetterPlan): Promise<boolean>;
  deadLetters(nowMs: number): Promise<DeadLetterSummary>;
  /** Drops index entries not seen within the hour retention and beyond the cap. */
  prune(nowMs: number, opts: AggregateOptions): Promise<{ removed: number }>;
  /** Every key of this deployment's dashboard (for tests and tooling). */
  readonly prefix: string;
}

function check(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('MULTI aborted');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

export function createRedisStore(redis: Redis, cfg: Pick<BaseConfig, 'NEWSFUSE_PREFIX'>): DashboardStore {
  const k = (...parts: (string | number)[]) => key(cfg, 'dash', ...parts);
  const bucketKey = (r: BucketRef) => k('b', RES[r.res], SCOPE[r.scope], r.id, r.start);
  const seenKey = (articleId: string, version: number) => k('seen', articleId, version);

  return {
    prefix: k(''),

    async claim(articleId, version, ttlSeconds) {
      const res = check(
        await redis.pipeline().set(seenKey(articleId, version), '1', 'EX', ttlSeconds, 'NX').get(k('art', articleId)).exec(),
      );
      const fresh = res[0] === 'OK';
      let previous: Contribution | null = null;
      if (typeof res[1] === 'string') {
        try {
          previous = JSON.parse(res[1]) as Contribution;
        } catch {
          previous = null;
        }
      }
      return { fresh, previous };
    },

    async release(articleId, version) {
      await redis.del(seenKey(articleId, version));
    },

    async apply(p: ApplyPlan, opts: AggregateOptions) {
      const m = redis.multi();
      for (const d of p.deltas) {
        const bk = bucketKey(d);
        for (const [field, value] of Object.entries(d.fields)) {
          if (FLOAT_FIELDS.has(field)) m.hincrbyfloat(bk, field, value);
          else m.hincrby(bk, field, Math.round(value));
        }
        // Always (re)set the expiry: a delta that lands on a bucket that just expired gets deleted again.
        m.expireat(bk, d.expireAt);
      }
      const c = p.contribution;
      m.set(k('art', c.articleId), JSON.stringify(c), 'EX', p.contributionTtlSeconds);
      for (const t of p.index.topics) {
        m.zadd(k('idx', IDX.topic), 'GT', t.at, t.id);
        m.hset(k('lbl', IDX.topic), t.id, t.label);
      }
      for (const s of p.index.sources) {
        m.zadd(k('idx', IDX.source), 'GT', s.at, s.id);
        m.hset(k('lbl', IDX.source), s.id, s.label);
      }
      if (p.mismatch.upsert) {
        const item = p.mismatch.upsert;
        m.zadd(k('mm'), Date.parse(item.emittedAt) || c.at, item.articleId);
        m.set(k('mm', 'i', item.articleId), JSON.stringify(item), 'EX', opts.mismatchTtlSeconds);
        m.zremrangebyrank(k('mm'), 0, -(opts.mismatchKeep + 1));
      } else if (p.mismatch.remove) {
        m.zrem(k('mm'), p.mismatch.remove);
        m.del(k('mm', 'i', p.mismatch.remove));
      }
      m.incr(k('rev'));
      check(await m.exec());
    },

    async buckets(refs) {
      const out: BucketFields[] = [];
      for (let i = 0; i < refs.length; i += 2000) {
        const pl = redis.pipeline();
        for (const r of refs.slice(i, i + 2000)) pl.hgetall(bucketKey(r));
        for (const v of check(await pl.exec())) out.push(parseFields(v as Record<string, string>));
      }
      return out;
    },

    async index(scope, sinceMs, limit) {
      const raw = await redis.zrevrangebyscore(k('idx', IDX[scope]), '+inf', Math.floor(sinceMs), 'WITHSCORES', 'LIMIT', 0, limit);
      const ids: string[] = [];
      const at: number[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) {
        ids.push(raw[i]!);
        at.push(Number(raw[i + 1]));
      }
      if (ids.length === 0) return [];
      const labels = await redis.hmget(k('lbl', IDX[scope]), ...ids);
      return ids.map((id, i): IndexEntry => ({ id, label: labels[i] ?? id, at: at[i] ?? 0 }));
    },

    async label(scope, id) {
      return redis.hget(k('lbl', IDX[scope]), id);
    },

    async mismatches(limit) {
      const ids = await redis.zrevrange(k('mm'), 0, Math.max(0, limit - 1));
      if (ids.length === 0) return [];
      const raw = await redis.mget(...ids.map((id) => k('mm', 'i', id)));
      const out: MismatchItem[] = [];
      for (const r of raw) {
        if (!r) continue;
        try {
          out.push(JSON.parse(r) as MismatchItem);
        } catch {
          // skip a damaged entry
        }
      }
      return out;
    },

    async revision() {
      return Number((await redis.get(k('rev'))) ?? 0);
    },

    async recordDeadLetter(p) {
      const ok = await redis.set(k('dl', 'seen', p.seenId), '1', 'EX', DL_SEEN_TTL_SECONDS, 'NX');
      if (ok !== 'OK') return false;
      const field = `${p.entry.stage}|${p.entry.code}`;
      try {
        check(
          await redis
            .multi()
            .hincrby(k('dl', 'total'), field, 1)
            .hincrby(k('dl', 'h', p.hour), field, 1)
            .expireat(k('dl', 'h', p.hour), p.hour + 3600 + DL_HOUR_RETENTION_SECONDS)
            .lpush(k('dl', 'latest'), JSON.stringify(p.entry))
            .ltrim(k('dl', 'latest'), 0, DL_LATEST - 1)
            .incr(k('rev'))
            .exec(),
        );
      } catch (err) {
        await redis.del(k('dl', 'seen', p.seenId)).catch(() => undefined);
        throw err;
      }
      return true;
    },

    async deadLetters(nowMs) {
      const hour = Math.floor(nowMs / 3_600_000) * 3600;
      const pl = redis.pipeline().hgetall(k('dl', 'total')).lrange(k('dl', 'latest'), 0, 19);
      for (let h = hour - 24 * 3600; h <= hour; h += 3600) pl.hgetall(k('dl', 'h', h));
      const res = check(await pl.exec());
      const total = countsFromHash(res[0] as Record<string, string>);
      const latest: DeadLetterEntry[] = [];
      for (const s of res[1] as string[]) {
        try {
          latest.push(JSON.parse(s) as DeadLetterEntry);
        } catch {
          // skip
        }
      }
      // The oldest hour bucket only partly belongs to the last 24 h; it is left out.
      const hours = (res.slice(3) as Record<string, string>[]).map(countsFromHash);
      const last24 = mergeCounts(hours);
      return {
        total: total.reduce((a, c) => a + c.count, 0),
        last24h: last24.reduce((a, c) => a + c.count, 0),
        byStageCode: total,
        byStageCode24h: last24,
        latest,
      };
    },

    async prune(nowMs, opts) {
      let removed = 0;
      const cutoff = nowMs - opts.hourRetentionSeconds * 1000;
      for (const scope of ['topic', 'source'] as const) {
        const idx = k('idx', IDX[scope]);
        const lbl = k('lbl', IDX[scope]);
        const old = await redis.zrangebyscore(idx, '-inf', `(${cutoff}`);
        const card = await redis.zcard(idx);
        const over = card - old.length - opts.maxIndex;
        const extra = over > 0 ? await redis.zrange(idx, old.length, old.length + over - 1) : [];
        const ids = [...old, ...extra];
        for (let i = 0; i < ids.length; i += 500) {
          const chunk = ids.slice(i, i + 500);
          check(
            await redis
              .multi()
              .zrem(idx, ...chunk)
              .hdel(lbl, ...chunk)
              .exec(),
          );
          removed += chunk.length;
        }
      }
      return { removed };
    },
  };
}
