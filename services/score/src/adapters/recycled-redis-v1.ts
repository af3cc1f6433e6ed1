/**
 * The previous Redis design of the recycled-photo index (until December 2026: band buckets as sorted
 * sets, a lookup of 172 ZRANGEs in one Lua script, the verification in Node), kept only so that
 * `npm run bench:recycled` can run it side by side with the current one (recycled-redis.ts) in one run
 * on the same machine. The score service does not use it. Keys, under `<prefix>`:
 *
 *   serial, photos, p:<serial>, a:<articleId>   as in recycled-redis.ts
 *   b:<ns>:<band>:<value>  sorted set of 12-byte members (hash + serial) → stored at: one band bucket
 */
import { NewsFuseError, type Redis } from '@newsfuse/shared';
import type { NearDupHashes } from '@newsfuse/models/image/neardup';
import { DEFAULT_RECYCLED_OPTIONS, firstSeenOf, judge, usableHashes, type FirstSeen, type Match } from '@newsfuse/stage-score/recycled';
import { bandKey, bestMatch, probesOf, MEMBER_BYTES } from '@newsfuse/stage-score/recycled-v1';
import type { RecycledIndex, RedisRecycledOptions } from './recycled-redis.ts';

const READ = `
local out = {}
for i, k in ipairs(KEYS) do
  out[i] = table.concat(redis.call('ZRANGE', k, ARGV[1], '+inf', 'BYSCORE'))
end
return out
`;

const COMMIT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local maxImages = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local prefix = ARGV[5]
local n = tonumber(ARGV[6])
local oldest = now - window
local function member(hex, s)
  local b = {}
  for k = 1, 16, 2 do b[#b + 1] = string.char(tonumber(string.sub(hex, k, k + 1), 16)) end
  b[#b + 1] = string.char(math.floor(s / 16777216) % 256, math.floor(s / 65536) % 256, math.floor(s / 256) % 256, s % 256)
  return table.concat(b)
end
local function each(h, s, fn)
  for j = 0, (string.len(h) / 16) - 1 do
    local hex = string.sub(h, 16 * j + 1, 16 * j + 16)
    local ns = (j == 0) and 'f' or 'c'
    local m = member(hex, s)
    for band = 0, 3 do fn(prefix .. ':b:' .. ns .. ':' .. band .. ':' .. string.sub(hex, 4 * band + 1, 4 * band + 4), m) end
  end
end
local function evict(s)
  local pk = prefix .. ':p:' .. s
  local h = redis.call('HGET', pk, 'h')
  if h then each(h, tonumber(s), function(k, m) redis.call('ZREM', k, m) end) end
  redis.call('DEL', pk)
  redis.call('ZREM', KEYS[2], s)
end
local out = {}
local i = 7
for img = 1, n do
  local kind = ARGV[i]
  if kind == 'new' then
    local s = redis.call('INCR', KEYS[1])
    local pk = prefix .. ':p:' .. s
    redis.call('HSET', pk, 'first', ARGV[i + 2], 'n', 1, 'h', ARGV[i + 1])
    redis.call('EXPIRE', pk, ttl)
    each(ARGV[i + 1], s, function(k, m)
      redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. oldest)
      redis.call('ZADD', k, now, m)
      redis.call('EXPIRE', k, ttl)
    end)
    redis.call('ZADD', KEYS[2], now, s)
    redis.call('SADD', KEYS[3], s)
    out[img] = {s, 1}
    i = i + 3
  else
    local s = ARGV[i + 1]
    local pk = prefix .. ':p:' .. s
    if redis.call('SISMEMBER', KEYS[3], s) == 0 and redis.call('EXISTS', pk) == 1 then
      redis.call('HINCRBY', pk, 'n', 1)
      redis.call('SADD', KEYS[3], s)
    end
    out[img] = {tonumber(s), tonumber(redis.call('HGET', pk, 'n') or '1')}
    i = i + 2
  end
end
redis.call('EXPIRE', KEYS[3], ttl)
for _, s in ipairs(redis.call('ZRANGE', KEYS[2], '-inf', '(' .. oldest, 'BYSCORE', 'LIMIT', 0, 100)) do evict(s) end
local surplus = math.min(100, redis.call('ZCARD', KEYS[2]) - maxImages)
if surplus > 0 then
  for _, s in ipairs(redis.call('ZRANGE', KEYS[2], 0, surplus - 1)) do evict(s) end
end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
return out
`;

type Step = { kind: 'new'; hashes: NearDupHashes } | { kind: 'seen'; serial: number; first: FirstSeen; distance: number };

export function createRedisRecycledV1(redis: Redis, options: RedisRecycledOptions): RecycledIndex {
  const opts = { ...DEFAULT_RECYCLED_OPTIONS, ...options };
  const p = options.prefix;
  // Everything outlives the window by a day; records are evicted by the commit script before that.
  const ttlSeconds = Math.ceil(opts.windowMs / 1000) + 24 * 3600;
  const infra = (err: unknown) =>
    err instanceof NewsFuseError
      ? err
      : new NewsFuseError('INFRA_UNAVAILABLE', `recycled-photo index in Redis: ${String(err)}`, { retriable: true, cause: err });

  async function lookup(hashes: NearDupHashes, now = Date.now()): Promise<Match | null> {
    const probes = probesOf(hashes);
    const keys = probes.map((pr) => `${p}:b:${bandKey(pr.ns, pr.band, pr.value)}`);
    const blobs = (await redis.callBuffer('EVAL', READ, keys.length, ...keys, now - opts.windowMs)) as Buffer[];
    const members = blobs.map((b) => {
      const out: Uint8Array[] = [];
      for (let o = 0; o + MEMBER_BYTES <= b.length; o += MEMBER_BYTES) out.push(b.subarray(o, o + MEMBER_BYTES));
      return out;
    });
    return bestMatch(probes, members, opts.maxDistance);
  }

  return {
    lookup: async (hashes, now) => {
      try {
        return await lookup(hashes, now);
      } catch (err) {
        throw infra(err);
      }
    },
    async observe(ctx, images, now = Date.now()) {
      const usable = images.filter((i): i is { index: number; hashes: NearDupHashes } => usableHashes(i.hashes));
      if (usable.length === 0) return [];
      try {
        const steps: Step[] = [];
        for (const img of usable) {
          const match = await lookup(img.hashes, now);
          const raw = match ? await redis.hget(`${p}:p:${match.serial}`, 'first') : null;
          // A match whose record has just been evicted counts as unseen.
          steps.push(
            match && raw
              ? { kind: 'seen', serial: match.serial, first: JSON.parse(raw) as FirstSeen, distance: match.distance }
              : { kind: 'new', hashes: img.hashes },
          );
        }
        const first = firstSeenOf(ctx);
        const args: (string | number)[] = [now, opts.windowMs, opts.maxImages, ttlSeconds, p, steps.length];
        for (const s of steps)
          if (s.kind === 'new') args.push('new', s.hashes.full + s.hashes.views.join(''), JSON.stringify(first));
          else args.push('seen', s.serial);
        const res = (await redis.eval(COMMIT, 3, `${p}:serial`, `${p}:photos`, `${p}:a:${ctx.articleId}`, ...args)) as [number, number][];
        return steps.map((s, i) => {
          const count = Number(res[i]![1]);
          return s.kind === 'new'
            ? judge(ctx, usable[i]!.index, first, count, 0, opts)
            : judge(ctx, usable[i]!.index, s.first, count, s.distance, opts);
        });
      } catch (err) {
        throw infra(err);
      }
    },
  };
}
