/**
 * Ingest configuration: every variable, its default and its bounds, validated once and frozen.
 */
import { z } from 'zod';
import { BaseConfigSchema, FetchPolicyConfigSchema, boolFlag, intVar, loadConfig, ConfigError } from '@newsfuse/shared';

export const IngestConfigSchema = BaseConfigSchema.extend(FetchPolicyConfigSchema.shape).extend({
  HTTP_PORT: intVar(8081),
  KAFKA_CLIENT_ID: z.string().default('newsfuse-ingest'),
  /** Bearer token for POST /articles. Without it the push endpoint answers 401 to everyone. */
  PUSH_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Feeds to poll, comma-separated. */
  FEEDS: z.string().default(''),
  /** A file with one feed URL per line (blank lines and # comments ignored); added to FEEDS. */
  FEEDS_FILE: z.string().optional(),
  POLL_ENABLED: boolFlag.default(true),
  /** Adaptive polling interval bounds and starting point, per feed. */
  POLL_MIN_SECONDS: intVar(60, 1),
  POLL_MAX_SECONDS: intVar(3600, 1),
  POLL_DEFAULT_SECONDS: intVar(300, 1),
  /** Error back-off: base and cap (exponential with jitter). */
  POLL_BACKOFF_BASE_SECONDS: intVar(30, 1),
  POLL_BACKOFF_MAX_SECONDS: intVar(6 * 3600, 1),
  /** Feeds fetched at once overall, and per host; minimum gap between two requests to one host. */
  POLL_CONCURRENCY: intVar(4, 1),
  POLL_PER_HOST_CONCURRENCY: intVar(1, 1),
  POLL_PER_HOST_GAP_MS: intVar(1000, 0),
  FEED_TIMEOUT_MS: intVar(15_000, 100),
  FEED_MAX_BYTES: intVar(5 * 1024 * 1024, 1024),
  FEED_MAX_ITEMS: intVar(500, 1),
  /** How long an article's identity, fingerprint and version are remembered (refreshed on sight). */
  INGEST_DEDUP_TTL_SECONDS: intVar(14 * 86_400, 60),
  /** Fetch each new article's page for full text, byline, og:image and language. */
  FETCH_ARTICLE_PAGES: boolFlag.default(false),
  ARTICLE_TIMEOUT_MS: intVar(15_000, 100),
  ARTICLE_MAX_BYTES: intVar(3 * 1024 * 1024, 1024),
  /** Largest accepted POST /articles body. */
  PUSH_MAX_BYTES: intVar(1_048_576, 1024),
  USER_AGENT: z.string().default('NewsFuse/0.1 (+news feed reader; polite polling)'),
  /**
   * Fault injection for the crash tests: the process kills itself (SIGKILL) right after its Nth version
   * claim, before publishing it. 0 (the default) never does.
   */
  INGEST_CRASH_AFTER_CLAIMS: intVar(0),
});
export type IngestConfig = z.infer<typeof IngestConfigSchema>;

export function loadIngestConfig(env: Record<string, string | undefined> = process.env): Readonly<IngestConfig> {
  const cfg = loadConfig(IngestConfigSchema, env, { DEDUP_TTL_SECONDS: 'INGEST_DEDUP_TTL_SECONDS' });
  if (cfg.POLL_MIN_SECONDS > cfg.POLL_MAX_SECONDS) throw new ConfigError('POLL_MIN_SECONDS', 'must not exceed POLL_MAX_SECONDS');
  for (const url of feedList(cfg.FEEDS)) {
    try {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new ConfigError('FEEDS', `not an http(s) URL: ${url}`);
    }
  }
  return cfg;
}

/** Splits a comma/newline list of feeds; `#` starts a comment. */
export function feedList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

/** `newsfuse parse-feed` (parse-feed.ts): the ingest settings, quieter by default. */
export const loadParseFeedConfig = (env: Record<string, string | undefined> = process.env) =>
  loadIngestConfig({ LOG_LEVEL: 'warn', ...env });
