/**
 * Configuration: defaults in one place, validated once at start-up, a coded error naming the bad
 * variable, then frozen.
 */
import { z } from 'zod';
import { ConfigError } from './errors.ts';

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

/** Settings common to every service. */
export const BaseConfigSchema = z.object({
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().default('newsfuse'),
  KAFKA_PARTITIONS: int(4, 1),
  /** Consumer group session timeout: how soon the group notices a consumer that died without leaving. */
  KAFKA_SESSION_TIMEOUT_MS: int(30_000, 6_000),
  /**
   * Retries of a Kafka request (a send, a metadata refresh) before it fails: 10 is about 100 s of
   * broker outage. A consumer then redelivers its input rather than dead-lettering it.
   */
  KAFKA_RETRIES: int(10, 0),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Prefix for every Redis key and BullMQ queue, so tests and deployments can share a server. */
  NEWSFUSE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/)
    .default('nf'),
  /** Suffix appended to every topic name (tests use a unique one). */
  TOPIC_SUFFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: int(0),
  SHUTDOWN_TIMEOUT_MS: int(20_000, 100),
});
export type BaseConfig = z.infer<typeof BaseConfigSchema>;

/** Which private addresses and hosts an outbound fetch (feeds, pages, images) may reach; see net.ts. */
export const FetchPolicyConfigSchema = z.object({
  NEWSFUSE_FETCH_ALLOW_PRIVATE: bool.default(false),
  /** Comma-separated host names (or IP literals) allowed even though they resolve to private addresses. */
  NEWSFUSE_FETCH_ALLOW_HOSTS: z.string().default(''),
});
export type FetchPolicyConfig = z.infer<typeof FetchPolicyConfigSchema>;

export { bool as boolFlag, int as intVar };

/** Validates `env` against `schema`; throws ConfigError naming the first bad variable. */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
  /** Old variable → its new name: setting the old one stops the process naming the new one (rejectRenamed). */
  renamed: Record<string, string> = {},
): Readonly<z.infer<S>> {
  rejectRenamed(env, renamed);
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(String(issue?.path[0] ?? '(config)'), issue?.message ?? 'invalid');
  }
  return Object.freeze(result.data);
}

/**
 * Variables that were renamed because one name meant different things in different services: setting
 * the old name stops the process with a ConfigError naming the new one, instead of being ignored.
 */
export function rejectRenamed(env: Record<string, string | undefined>, renamed: Record<string, string>): void {
  for (const [old, now] of Object.entries(renamed))
    if (env[old] !== undefined && env[old] !== '') throw new ConfigError(old, `renamed to ${now} (its meaning differs per service)`);
}

export function topicName(cfg: Pick<BaseConfig, 'TOPIC_SUFFIX'>, base: string): string {
  return cfg.TOPIC_SUFFIX ? `${base}.${cfg.TOPIC_SUFFIX}` : base;
}
