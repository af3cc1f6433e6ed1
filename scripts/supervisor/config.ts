/**
 * The main job's configuration (`npm start`): which services to run, their ports, the restart policy,
 * and where the feeds come from. The only place under scripts/supervisor/ and scripts/run.ts that
 * reads process.env; validated once, a bad value names the variable.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { BaseConfigSchema, boolFlag, intVar, loadConfig } from '@newsfuse/shared';
import { SERVICE_LOADERS } from '@newsfuse/shared/launch';
import type { RestartPolicy } from './policy.ts';
import { DEFAULT_RESTART_POLICY } from './policy.ts';

/** Start order: the consumers first, ingest last; stopping goes the other way (ingest first). */
export const SERVICE_NAMES = ['dashboard', 'score', 'fuse', 'extract', 'ingest'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** A comma-separated subset of the five services ("extract,fuse"); empty = all five. */
export function parseServiceList(raw: string, what = 'NEWSFUSE_SERVICES'): ServiceName[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(SERVICE_NAMES as readonly string[]).includes(n));
  if (bad.length > 0)
    throw new Error(`${what}: unknown service ${bad.map((b) => `"${b}"`).join(', ')} (known: ${SERVICE_NAMES.join(', ')})`);
  return SERVICE_NAMES.filter((n) => names.includes(n));
}

const port = (def: number) => intVar(def, 0).refine((p) => p <= 65_535, 'must be a port number');

export const RunConfigSchema = z.object({
  /** Run only these services (same as `--only`): a role on one machine of several. */
  NEWSFUSE_SERVICES: z.string().default(''),
  /** The name this machine's records carry on the dashboard (default: the hostname). */
  NEWSFUSE_HOST: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default(hostname() || 'localhost'),
  NEWSFUSE_RESTART_BACKOFF_MS: intVar(DEFAULT_RESTART_POLICY.backoffMs, 0),
  NEWSFUSE_RESTART_MAX_BACKOFF_MS: intVar(DEFAULT_RESTART_POLICY.maxBackoffMs, 0),
  NEWSFUSE_RESTART_LIMIT: intVar(DEFAULT_RESTART_POLICY.limit, 0),
  NEWSFUSE_RESTART_WINDOW_MS: intVar(DEFAULT_RESTART_POLICY.windowMs, 1),
  /** How long a stopping service may drain before it is killed. */
  NEWSFUSE_STOP_TIMEOUT_MS: intVar(25_000, 100),
  /** How long a (re)started service may take to answer /healthz ready. */
  NEWSFUSE_READY_TIMEOUT_MS: intVar(180_000, 1_000),
  DASHBOARD_PORT: port(8080),
  INGEST_PORT: port(8081),
  EXTRACT_PORT: port(8082),
  FUSE_PORT: port(8083),
  SCORE_PORT: port(8084),
  DEMO_PORT: port(0),
  FEEDS: z.string().optional(),
  FEEDS_FILE: z.string().optional(),
  NEWSFUSE_FETCH_ALLOW_HOSTS: z.string().optional(),
  POLL_MIN_SECONDS: z.string().default('30'),
  POLL_DEFAULT_SECONDS: z.string().default('60'),
  /** Set = the broker/Redis to use; with `--only` both are required. */
  KAFKA_BROKERS: z.string().optional(),
  REDIS_URL: z.string().optional(),
  NEWSFUSE_PREFIX: BaseConfigSchema.shape.NEWSFUSE_PREFIX,
  TOPIC_SUFFIX: BaseConfigSchema.shape.TOPIC_SUFFIX,
  /** How the services' main threads load their code: bundled to JavaScript at start, or through tsx (the earlier way). */
  SERVICE_LOADER: z.enum(SERVICE_LOADERS).default('bundle'),
  /** Print each scored article (the default when the whole pipeline runs here). */
  NEWSFUSE_WATCH: boolFlag.optional(),
});
export type RunConfig = Readonly<z.infer<typeof RunConfigSchema>>;

export const loadRunConfig = (env: Record<string, string | undefined> = process.env): RunConfig => {
  const cfg = loadConfig(RunConfigSchema, env);
  parseServiceList(cfg.NEWSFUSE_SERVICES);
  return cfg;
};

export function restartPolicyOf(cfg: RunConfig): RestartPolicy {
  return {
    backoffMs: cfg.NEWSFUSE_RESTART_BACKOFF_MS,
    maxBackoffMs: Math.max(cfg.NEWSFUSE_RESTART_MAX_BACKOFF_MS, cfg.NEWSFUSE_RESTART_BACKOFF_MS),
    limit: cfg.NEWSFUSE_RESTART_LIMIT,
    windowMs: cfg.NEWSFUSE_RESTART_WINDOW_MS,
  };
}

export function portOf(cfg: RunConfig, name: ServiceName): number {
  const ports: Record<ServiceName, number> = {
    dashboard: cfg.DASHBOARD_PORT,
    ingest: cfg.INGEST_PORT,
    extract: cfg.EXTRACT_PORT,
    fuse: cfg.FUSE_PORT,
    score: cfg.SCORE_PORT,
  };
  return ports[name];
}

/** The environment the services inherit (everything this process was given). */
export const inheritedEnv = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
