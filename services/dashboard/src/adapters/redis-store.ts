/**
 * Redis layout of the dashboard (every key under `${NEWSFUSE_PREFIX}:dash:`):
 *
 *   seen:{articleId}:{version}     string, EX — an (articleId, version) is counted once (set by APPLY_ONCE)
 *   art:{articleId}                string (JSON Contribution), EX — lets a newer version undo the older one
 *   b:{m|h}:{a|t|s}:{id}:{start}   hash of counters/sums per 1-minute / 1-hour bucket, EXPIREAT start+size+retention
 *   idx:{t|s}                      sorted set id → last seen (ms); lbl:{t|s} hash id → label (pruned together)
 *   mm                             sorted set articleId → emittedAt (ms), capped to DASHBOARD_MISMATCH_KEEP
 *   mm:i:{articleId}               string (JSON MismatchItem), EX DASHBOARD_MISMATCH_TTL_SECONDS
 *   rc, rc:i:{articleId}           the same for articles with recycled or reused photos (JSON RecycledItem),
 *                                  capped and expiring like the mismatch feed
 *   rev                            counter, bumped by every write (the live page's change token)
 *   dl:seen:{partition}:{offset}   dead-letter message mark, EX (set by APPLY_ONCE)
 *   dl:total                       hash "stage|code" → count (bounded: stages and codes are normalised)
 *   dl:h:{hourStart}               same per hour, EXPIREAT after 8 days
 *   dl:latest                      list of the latest 50 dead letters (JSON)
 *
 * Writes for one event run in one script, APPLY_ONCE, that also sets the event's dedup mark: the
 * mark and the counters change together or not at all, and a replay of the script is a no-op.
 * (Neither a separate SET NX claim nor a MULTI is safe here: across a Redis restart ioredis re-sends
 * the commands whose replies were lost, so an executed SET NX comes back "already set" — the event
 * was dropped as a duplicate — and an executed MULTI runs twice — the event was counted twice.
 * A process dying between claim and write also left a mark with nothing counted.) Reads are pipelined.
 */
import { decodeSupervision, key, supervisionKey, type BaseConfig, type Redis, type SupervisedService } from '@newsfuse/shared';
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
  type RecycledItem,
  type Scope,
} from '@newsfuse/stage-dashboard/aggregate';
import {
  countsFromHash,
  mergeCounts,
  type DeadLetterCount,
  type DeadLetterEntry,
  type DeadLetterPlan,
} from '@newsfuse/stage-dashboard/deadletters';
import type { AggregateReader } from '@newsfuse/stage-dashboard/views';

const FLOAT_FIELDS = new Set<string>(['rel_sum', 'sent_sum', 'e2e_sum']);
const RES = { minute: 'm', hour: 'h' } as const;
const SCOPE: Record<Scope, string> = { all: 'a', topic: 't', source: 's', language: 'l' };
const IDX = { topic: 't', source: 's', language: 'l' } as const;
const DL_LATEST = 50;
const DL_HOUR_RETENTION_SECONDS = 8 * 24 * 3600;
const DL_SEEN_TTL_SECONDS = 7 * 24 * 3600;

/**
 * KEYS[1] the dedup mark, ARGV[1] its TTL in seconds, ARGV[2..] the writes, each as `argc name args...`.
 * Runs the writes and sets the mark unless the mark exists; returns 1 when it wrote, 0 otherwise.
 */
const APPLY_ONCE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return 1
`;

type Write = (string | number)[];

/** Runs `writes` and sets `mark` atomically, once; true when this call wrote. */
async function applyOnce(redis: Redis, mark: string, ttlSeconds: number, writes: Write[]): Promise<boolean> {
  const args: (string | number)[] = [];
  for (const w of writes) args.push(w.length, ...w);
  return Number(await redis.eval(APPLY_ONCE, 1, mark, ttlSeconds, ...args)) === 1;
}

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
  /** What the main job's supervisors (`npm start`, one per machine) report about their services. */
  supervision(): Promise<SupervisedService[]>;
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

  /** The newest entries of a capped list (`mm` mismatches, `rc` recycled photos): ids by time, items by id. */
  async function latest<T>(list: 'mm' | 'rc', limit: number): Promise<T[]> {
    const ids = await redis.zrevrange(k(list), 0, Math.max(0, limit - 1));
    if (ids.length === 0) return [];
    const raw = await redis.mget(...ids.map((id) => k(list, 'i', id)));
    const out: T[] = [];
    for (const r of raw) {
      if (!r) continue;
      try {
        out.push(JSON.parse(r) as T);
      } catch {
        // skip a damaged entry
      }
    }
    return out;
  }

  /**
   * The writes of a capped list (`mm` mismatches, `rc` recycled photos) for one event: upsert the
   * article's item (ordered by emittedAt, else `at`; expiring; the list trimmed to the newest
   * mismatchKeep) or remove it.
   */
  function listWrites(
    list: 'mm' | 'rc',
    change: { upsert?: { articleId: string; emittedAt: string }; remove?: string },
    at: number,
    opts: AggregateOptions,
  ): Write[] {
    const item = change.upsert;
    if (item)
      return [
        ['ZADD', k(list), Date.parse(item.emittedAt) || at, item.articleId],
        ['SET', k(list, 'i', item.articleId), JSON.stringify(item), 'EX', opts.mismatchTtlSeconds],
        ['ZREMRANGEBYRANK', k(list), 0, -(opts.mismatchKeep + 1)],
      ];
    if (change.remove)
      return [
        ['ZREM', k(list), change.remove],
        ['DEL', k(list, 'i', change.remove)],
      ];
    return [];
  }

  return {
    prefix: k(''),

    // Reads only: the mark is set by apply(), in the same script as the counters.
    async claim(articleId, version) {
      const res = check(await redis.pipeline().exists(seenKey(articleId, version)).get(k('art', articleId)).exec());
      const fresh = Number(res[0]) === 0;
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

    // Nothing to undo: a failed apply() wrote neither the counters nor the mark.
    async release() {},

    async apply(p: ApplyPlan, opts: AggregateOptions) {
      const w: Write[] = [];
      for (const d of p.deltas) {
        const bk = bucketKey(d);
        for (const [field, value] of Object.entries(d.fields)) {
          if (FLOAT_FIELDS.has(field)) w.push(['HINCRBYFLOAT', bk, field, value]);
          else w.push(['HINCRBY', bk, field, Math.round(value)]);
        }
        // Always (re)set the expiry: a delta that lands on a bucket that just expired gets deleted again.
        w.push(['EXPIREAT', bk, d.expireAt]);
      }
      const c = p.contribution;
      w.push(['SET', k('art', c.articleId), JSON.stringify(c), 'EX', p.contributionTtlSeconds]);
      for (const t of p.index.topics) {
        w.push(['ZADD', k('idx', IDX.topic), 'GT', t.at, t.id]);
        w.push(['HSET', k('lbl', IDX.topic), t.id, t.label]);
      }
      for (const s of p.index.sources) {
        w.push(['ZADD', k('idx', IDX.source), 'GT', s.at, s.id]);
        w.push(['HSET', k('lbl', IDX.source), s.id, s.label]);
      }
      for (const l of p.index.languages) {
        w.push(['ZADD', k('idx', IDX.language), 'GT', l.at, l.id]);
        w.push(['HSET', k('lbl', IDX.language), l.id, l.label]);
      }
      w.push(...listWrites('mm', p.mismatch, c.at, opts), ...listWrites('rc', p.recycled, c.at, opts));
      w.push(['INCR', k('rev')]);
      await applyOnce(redis, seenKey(c.articleId, c.version), opts.dedupTtlSeconds, w);
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

    mismatches: (limit) => latest<MismatchItem>('mm', limit),

    recycled: (limit) => latest<RecycledItem>('rc', limit),

    async revision() {
      return Number((await redis.get(k('rev'))) ?? 0);
    },

    async recordDeadLetter(p) {
      const field = `${p.entry.stage}|${p.entry.code}`;
      return applyOnce(redis, k('dl', 'seen', p.seenId), DL_SEEN_TTL_SECONDS, [
        ['HINCRBY', k('dl', 'total'), field, 1],
        ['HINCRBY', k('dl', 'h', p.hour), field, 1],
        ['EXPIREAT', k('dl', 'h', p.hour), p.hour + 3600 + DL_HOUR_RETENTION_SECONDS],
        ['LPUSH', k('dl', 'latest'), JSON.stringify(p.entry)],
        ['LTRIM', k('dl', 'latest'), 0, DL_LATEST - 1],
        ['INCR', k('rev')],
      ]);
    },

    async supervision() {
      return decodeSupervision(await redis.hgetall(supervisionKey(cfg)));
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
      for (const scope of ['topic', 'source', 'language'] as const) {
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
