/**
 * Redis state of ingest: article versions and fingerprints, guid aliases, story fingerprints and the
 * feeds' conditional-GET validators. Every key starts with NEWSFUSE_PREFIX and carries a TTL.
 *
 *   {prefix}:ingest:a:{articleId}    hash f (content fingerprint), v (version),    TTL refreshed on sight
 *                                    s ('p' claimed, not yet confirmed published; 'd' published)
 *   {prefix}:ingest:alias:{hash}     articleId first seen for a feed's guid       SET NX EX
 *   {prefix}:ingest:story:{fp}       set of articleIds carrying the same story    TTL
 *   {prefix}:ingest:feed:{hash}      hash etag, lastModified, intervalMs, nextAt, hintMs
 */
import { key, type Redis } from '@newsfuse/shared';
import { sha256hex } from '@newsfuse/shared/hash';

const sha256hexShort = (s: string) => sha256hex(s).slice(0, 32);
import type { IngestStore, VersionClaim } from '@newsfuse/stage-ingest/ingestor';
import type { FeedStateStore } from '@newsfuse/stage-ingest/poller';
import type { FeedState } from '@newsfuse/stage-ingest/scheduler';

/**
 * The claim. Same fingerprint: its version, duplicate if confirmed ('d', or a record from before the
 * state field existed), pending if not ('p': publish again). Other content: previous + 1, pending.
 * Replayed by a client after a lost reply, it finds its own pending record: re-publish, never a loss.
 */
const CLAIM = `
local cur = redis.call('HMGET', KEYS[1], 'f', 'v', 's')
local ttl = tonumber(ARGV[2])
if cur[1] == ARGV[1] then
  redis.call('EXPIRE', KEYS[1], ttl)
  if cur[3] == 'p' then return {tonumber(cur[2]) or 1, 2} end
  return {tonumber(cur[2]) or 1, 1}
end
local v = (tonumber(cur[2]) or 0) + 1
redis.call('HSET', KEYS[1], 'f', ARGV[1], 'v', v, 's', 'p')
redis.call('EXPIRE', KEYS[1], ttl)
return {v, 0}
`;

/** Confirms a claim once the broker acknowledged its publish (a no-op if a newer claim replaced it). */
const CONFIRM = `
local cur = redis.call('HMGET', KEYS[1], 'f', 'v')
if cur[1] ~= ARGV[1] or tonumber(cur[2]) ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 's', 'd')
return 1
`;

export interface RedisStoreOptions {
  redis: Redis;
  prefix: string;
  ttlSeconds: number;
}

export function createRedisIngestStore({ redis, prefix, ttlSeconds }: RedisStoreOptions): IngestStore {
  const k = (...parts: string[]) => key({ NEWSFUSE_PREFIX: prefix }, 'ingest', ...parts);
  return {
    async claim(articleId, fingerprint): Promise<VersionClaim> {
      const [version, state] = (await redis.eval(CLAIM, 1, k('a', articleId), fingerprint, ttlSeconds)) as [number, number];
      return { version: Number(version), duplicate: Number(state) === 1, pending: Number(state) === 2 };
    },
    async confirm(articleId, fingerprint, version) {
      await redis.eval(CONFIRM, 1, k('a', articleId), fingerprint, version);
    },
    async alias(alias, articleId) {
      const name = k('alias', sha256hexShort(alias));
      const set = await redis.set(name, articleId, 'EX', ttlSeconds, 'NX');
      if (set === 'OK') return articleId;
      const existing = await redis.get(name);
      if (existing) await redis.expire(name, ttlSeconds);
      return existing ?? articleId;
    },
    async related(story, articleId) {
      const name = k('story', story);
      const [[, members]] = (await redis.multi().smembers(name).sadd(name, articleId).expire(name, ttlSeconds).exec()) as [
        [unknown, string[]],
      ];
      return (members ?? []).filter((m) => m !== articleId);
    },
  };
}

export function createRedisFeedStateStore({
  redis,
  prefix,
  ttlSeconds,
}: RedisStoreOptions): FeedStateStore & { remove(url: string): Promise<void> } {
  const k = (url: string) => key({ NEWSFUSE_PREFIX: prefix }, 'ingest', 'feed', sha256hexShort(url));
  return {
    async load(url) {
      const h = await redis.hgetall(k(url));
      if (!h || Object.keys(h).length === 0) return undefined;
      const num = (v: string | undefined) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
      const out: Awaited<ReturnType<FeedStateStore['load']>> = {};
      if (h.etag) out.etag = h.etag;
      if (h.lastModified) out.lastModified = h.lastModified;
      const intervalMs = num(h.intervalMs);
      const nextAt = num(h.nextAt);
      const hintMs = num(h.hintMs);
      if (intervalMs !== undefined) out.intervalMs = intervalMs;
      if (nextAt !== undefined) out.nextAt = nextAt;
      if (hintMs !== undefined) out.hintMs = hintMs;
      return out;
    },
    async save(s: FeedState) {
      const name = k(s.url);
      const fields: Record<string, string> = {
        url: s.url,
        intervalMs: String(s.intervalMs),
        nextAt: String(s.nextAt),
        failures: String(s.failures),
        lastOutcome: s.lastOutcome ?? '',
        etag: s.etag ?? '',
        lastModified: s.lastModified ?? '',
        hintMs: s.hintMs ? String(s.hintMs) : '',
      };
      await redis.multi().hset(name, fields).expire(name, ttlSeconds).exec();
    },
    async remove(url) {
      await redis.del(k(url));
    },
  };
}
