/**
 * The story clusterer's state in Redis, shared by every score process. Each language has a key space
 * of its own (its stories are in its own sentence space): English under `<prefix>:stories` (as before
 * languages were kept apart), any other language under `<prefix>:stories:<lang>` (`…:stories:zh`):
 *
 *   rev              counter, incremented by every committed assignment (the optimistic-concurrency token)
 *   active           sorted set story ID → last seen (event time, ms); at most maxActive members
 *   c                hash story ID → compact centroid (int8 + scale, 388 bytes for 384-d, 516 for 512-d)
 *   m                hash story ID → JSON {language, n, first, last, terms, label}
 *
 * and, for every language, under `<prefix>:stories`:
 *
 *   a:<id>:<version> the recorded assignment of one article version (JSON topic), TTL = assignTtlSeconds
 *
 * An assignment reads a consistent snapshot (MULTI: rev, active, c), picks the story with the pure
 * functions of stories.ts, and commits with one Lua script that writes only if `rev` is unchanged and
 * the article version has no recorded assignment yet; otherwise it re-reads and retries. So two
 * articles of the same new story arriving at once in two processes cannot both found it: the second
 * commit sees a changed `rev`, re-reads, and joins the story the first one founded. The script also
 * evicts closed and surplus stories and refreshes the keys' TTLs (an idle deployment's state expires).
 */
import { NewsFuseError, type Redis } from '@newsfuse/shared';
import {
  DEFAULT_STORY_OPTIONS,
  decodeCentroid,
  encodeCentroid,
  foundStory,
  joinStory,
  nearestStory,
  topicOf,
  usableEmbedding,
  type Story,
  type StoryClusterer,
  type StoryMeta,
  type StoryOptions,
  type StoryTopic,
} from '@newsfuse/stage-score/stories';

/** The key space of a language's stories: English keeps the prefix itself, others `<prefix>:<lang>`. */
export const storyKeySpace = (prefix: string, language: string): string => (language === 'en' ? prefix : `${prefix}:${language}`);

export interface RedisStoriesOptions extends Partial<StoryOptions> {
  /** Key prefix, e.g. `nf:stories`. */
  prefix: string;
  /** How long an (articleId, version)'s assignment is remembered. */
  assignTtlSeconds: number;
  /** Commit attempts before giving up with a retriable error (the message is redelivered). */
  maxAttempts?: number;
  /** Told of each outcome: a story founded or joined, a recorded assignment reused, a commit conflict retried. */
  onOutcome?: (outcome: StoryOutcome) => void;
}

export type StoryOutcome = 'founded' | 'joined' | 'recorded' | 'conflict';

const COMMIT = `
local existing = redis.call('GET', KEYS[5])
if existing then return {'assigned', existing} end
local rev = tonumber(redis.call('GET', KEYS[1]) or '0')
if rev ~= tonumber(ARGV[1]) then return {'conflict', ''} end
redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[4], ARGV[2], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[2])
local function drop(ids)
  for _, id in ipairs(ids) do
    redis.call('ZREM', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('HDEL', KEYS[4], id)
  end
end
local newest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if newest[2] then
  drop(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. tostring(tonumber(newest[2]) - tonumber(ARGV[9]) + 1)))
end
local surplus = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[10])
if surplus > 0 then drop(redis.call('ZRANGE', KEYS[2], 0, surplus - 1)) end
redis.call('SET', KEYS[5], ARGV[6], 'EX', ARGV[7])
for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[8]) end
return {'ok', ARGV[6]}
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createRedisStories(redis: Redis, options: RedisStoriesOptions): StoryClusterer {
  const opts = { ...DEFAULT_STORY_OPTIONS, ...options };
  const maxAttempts = options.maxAttempts ?? 50;
  const keysOf = (language: string) => {
    const space = storyKeySpace(opts.prefix, language);
    return { rev: `${space}:rev`, active: `${space}:active`, c: `${space}:c`, m: `${space}:m` };
  };
  const assignmentKey = (id: string, version: number) => `${opts.prefix}:a:${id}:${version}`;
  // Story state outlives its window by a day, so a quiet night does not lose open stories.
  const keyTtlSeconds = Math.ceil(opts.windowMs / 1000) + 24 * 3600;

  const infra = (err: unknown) =>
    err instanceof NewsFuseError
      ? err
      : new NewsFuseError('INFRA_UNAVAILABLE', `story state in Redis: ${String(err)}`, { retriable: true, cause: err });

  type Candidate = { id: string; language: string; centroid: Float32Array; last: number };
  /** A consistent view of one language's stories. */
  async function snapshot(language: string): Promise<{ rev: number; stories: Candidate[] }> {
    const k = keysOf(language);
    const res = await redis.multi().get(k.rev).zrange(k.active, 0, -1, 'WITHSCORES').hgetallBuffer(k.c).exec();
    if (!res) throw new Error('snapshot transaction aborted');
    for (const [err] of res) if (err) throw err;
    const rev = Number(res[0]![1] ?? 0);
    const flat = res[1]![1] as string[];
    const blobs = res[2]![1] as Record<string, Buffer>;
    const stories: Candidate[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const blob = blobs[flat[i]!];
      if (blob && blob.length > 4) stories.push({ id: flat[i]!, language, centroid: decodeCentroid(blob), last: Number(flat[i + 1]) });
    }
    return { rev, stories };
  }

  async function metaOf(language: string, id: string, centroid: Float32Array): Promise<Story | null> {
    const raw = await redis.hget(keysOf(language).m, id);
    if (!raw) return null;
    // Stories recorded before they carried a language are in the English key space.
    const meta = JSON.parse(raw) as Omit<StoryMeta, 'id' | 'language'> & { language?: string };
    return { ...meta, language: meta.language ?? language, id, centroid };
  }

  const tell = (o: StoryOutcome) => options.onOutcome?.(o);

  async function attempt(input: Parameters<StoryClusterer['assign']>[0]): Promise<StoryTopic | 'conflict'> {
    const known = await redis.get(assignmentKey(input.articleId, input.version));
    if (known) {
      tell('recorded');
      return JSON.parse(known) as StoryTopic;
    }
    const { rev, stories } = await snapshot(input.language);
    const near = nearestStory(input.embedding, input.language, stories, input.at, opts);
    const current = near ? await metaOf(input.language, near.id, stories.find((s) => s.id === near.id)!.centroid) : null;
    // A story evicted between the snapshot and the metadata read: the commit would conflict anyway.
    if (near && !current) return 'conflict';
    const story = current ? joinStory(current, input, opts) : foundStory(input, opts);
    const topic = topicOf(story);
    const meta: Omit<StoryMeta, 'id'> = {
      language: story.language,
      n: story.n,
      first: story.first,
      last: story.last,
      terms: story.terms,
      label: story.label,
    };
    const k = keysOf(input.language);
    const [status, value] = (await redis.eval(
      COMMIT,
      5,
      k.rev,
      k.active,
      k.c,
      k.m,
      assignmentKey(input.articleId, input.version),
      rev,
      story.id,
      encodeCentroid(story.centroid),
      JSON.stringify(meta),
      story.last,
      JSON.stringify(topic),
      options.assignTtlSeconds,
      keyTtlSeconds,
      opts.windowMs,
      opts.maxActive,
    )) as [string, string];
    if (status === 'conflict') return 'conflict';
    if (status === 'assigned') {
      tell('recorded');
      return JSON.parse(value) as StoryTopic;
    }
    tell(current ? 'joined' : 'founded');
    return topic;
  }

  return {
    async assign(input) {
      if (!usableEmbedding(input.embedding)) return null;
      for (let i = 0; i < maxAttempts; i++) {
        let result: StoryTopic | 'conflict';
        try {
          result = await attempt(input);
        } catch (err) {
          throw infra(err);
        }
        if (result !== 'conflict') return result;
        tell('conflict');
        // Back off a little, with jitter, so contending processes interleave.
        await sleep(Math.random() * Math.min(50, 2 * (i + 1)));
      }
      throw new NewsFuseError('INFRA_UNAVAILABLE', `story assignment of ${input.articleId} v${input.version} kept conflicting`, {
        retriable: true,
      });
    },
  };
}
