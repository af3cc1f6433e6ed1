/**
 * The recycled-photo index in Redis (docs/recycled-photos.md), shared by every score process. The
 * bands, probes, member encoding, verification and decision are the pure functions of
 * libs/stages/score/src/recycled.ts; this adapter only stores and reads. Keys, under `<prefix>`:
 *
 *   serial                 counter: the next photo's serial
 *   photos                 sorted set serial → stored at (processing time, ms): the window and the budget
 *   p:<serial>             hash: `first` (FirstSeen JSON), `n` (articles seen in), `h` (the 10 hashes, hex)
 *   b:<ns><band>:<value>   string: one band bucket, the concatenation of its 16-byte members
 *                          (hash, serial, stored at in seconds)
 *   a:<articleId>          set of the serials this article was counted for (TTL = window)
 *
 * A lookup is one MGET of the 182 band buckets of a photo's hashes; the verification (members stored
 * within the window, at most maxDistance bits away, the closest) runs here on the bytes. The commit is
 * one Lua script per article: new photos get a serial, a record and their 41 band members (appended to
 * the bucket strings); a photo seen before has its count incremented only if the article was not
 * counted for it yet (`a:<articleId>`), so a redelivered message, or a new version of the article, does
 * not count twice. The same script evicts photos older than the window and beyond the budget (at most
 * 100 a call), cutting their members out of the buckets, and refreshes TTLs, so an idle index expires
 * on its own.
 *
 * Not atomic across the lookup and the commit: two articles with the same new photo committed at the
 * same moment by two processes both store it (each is `original`); the next article finds the older.
 */
import { NewsFuseError, type Redis } from '@newsfuse/shared';
import type { NearDupHashes } from '@newsfuse/models/image/neardup';
import {
  CROP_BANDS,
  DEFAULT_RECYCLED_OPTIONS,
  FRAME_BANDS,
  MEMBER_BYTES,
  bandKey,
  bestMatch,
  firstSeenOf,
  judge,
  probesOf,
  usableHashes,
  type ArticleContext,
  type FirstSeen,
  type Match,
  type RecycledImage,
  type RecycledOptions,
} from '@newsfuse/stage-score/recycled';

export interface RedisRecycledOptions extends Partial<RecycledOptions> {
  /** Key prefix, e.g. `nf:recycled`. */
  prefix: string;
}

export interface RecycledIndex {
  /** The decision for each photo of an article (photos without usable hashes are left out), recording them. */
  observe(ctx: ArticleContext, images: { index: number; hashes: NearDupHashes | undefined }[], now?: number): Promise<RecycledImage[]>;
  /** The closest stored photo within maxDistance, if any (reads only). */
  lookup(hashes: NearDupHashes, now?: number): Promise<Match | null>;
}

// The band layouts in Lua: {width, …} per namespace, from the same constants as the lookup's.
const LAYOUT = `local LAYOUT = { f = {${FRAME_BANDS.join(', ')}}, c = {${CROP_BANDS.join(', ')}} }`;

const COMMIT = `
${LAYOUT}
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local maxImages = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local prefix = ARGV[5]
local n = tonumber(ARGV[6])
local oldest = now - window
local BITS = {}
for d = 0, 15 do
  local s = ''
  for b = 3, 0, -1 do s = s .. tostring(math.floor(d / 2 ^ b) % 2) end
  BITS[string.format('%x', d)] = s
end
local function u32(x)
  return string.char(math.floor(x / 16777216) % 256, math.floor(x / 65536) % 256, math.floor(x / 256) % 256, x % 256)
end
-- The 8 bytes of a hash, followed by the serial: the first 12 bytes of its members.
local function head(hex, s)
  local b = {}
  for k = 1, 16, 2 do b[#b + 1] = string.char(tonumber(string.sub(hex, k, k + 1), 16)) end
  return table.concat(b) .. u32(s)
end
-- Calls fn(key, hex) for each band bucket of each of a photo's hashes (frame first, then the crops).
local function each(h, fn)
  for j = 0, (string.len(h) / 16) - 1 do
    local hex = string.sub(h, 16 * j + 1, 16 * j + 16)
    local bits = string.gsub(hex, '.', BITS)
    local ns = (j == 0) and 'f' or 'c'
    local at = 1
    for band, width in ipairs(LAYOUT[ns]) do
      local v = tonumber(string.sub(bits, at, at + width - 1), 2)
      at = at + width
      fn(prefix .. ':b:' .. ns .. (band - 1) .. ':' .. string.format('%04x', v), hex)
    end
  end
end
local function evict(s)
  local pk = prefix .. ':p:' .. s
  local h = redis.call('HGET', pk, 'h')
  if h then
    each(h, function(k, hex)
      local v = redis.call('GET', k)
      if v then
        local m = head(hex, tonumber(s))
        local kept = {}
        for o = 1, string.len(v), ${MEMBER_BYTES} do
          if string.sub(v, o, o + 11) ~= m then kept[#kept + 1] = string.sub(v, o, o + ${MEMBER_BYTES - 1}) end
        end
        if #kept == 0 then redis.call('DEL', k) else redis.call('SET', k, table.concat(kept), 'KEEPTTL') end
      end
    end)
  end
  redis.call('DEL', pk)
  redis.call('ZREM', KEYS[2], s)
end
local out = {}
local i = 7
local at = u32(math.floor(now / 1000))
for img = 1, n do
  local kind = ARGV[i]
  if kind == 'new' then
    local s = redis.call('INCR', KEYS[1])
    local pk = prefix .. ':p:' .. s
    redis.call('HSET', pk, 'first', ARGV[i + 2], 'n', 1, 'h', ARGV[i + 1])
    redis.call('EXPIRE', pk, ttl)
    each(ARGV[i + 1], function(k, hex)
      -- GET + SET rather than APPEND: APPEND leaves up to as much free space again in the string.
      redis.call('SET', k, (redis.call('GET', k) or '') .. head(hex, s) .. at, 'EX', ttl)
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

export function createRedisRecycled(redis: Redis, options: RedisRecycledOptions): RecycledIndex {
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
    const buckets = await redis.mgetBuffer(...probes.map((pr) => `${p}:b:${bandKey(pr.ns, pr.band, pr.value)}`));
    return bestMatch(probes, buckets, opts.maxDistance, Math.ceil((now - opts.windowMs) / 1000));
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
