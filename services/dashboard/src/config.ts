import { z } from 'zod';
import { BaseConfigSchema, boolFlag, intVar, loadConfig } from '@newsfuse/shared';

export const DashboardConfigSchema = BaseConfigSchema.extend({
  HTTP_PORT: intVar(8080),
  /** Optional bearer token for the page, the JSON API and Bull Board (/healthz and /metrics stay open). */
  DASHBOARD_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  /** Bull Board at /queues; read-only unless explicitly turned off. */
  DASHBOARD_BULLBOARD: boolFlag.default(true),
  DASHBOARD_BULLBOARD_READONLY: boolFlag.default(true),
  /** How long 1-minute buckets live (default 24 h) and 1-hour buckets live (default 30 days). */
  DASHBOARD_MINUTE_RETENTION_SECONDS: intVar(24 * 3600, 3600),
  DASHBOARD_HOUR_RETENTION_SECONDS: intVar(30 * 24 * 3600, 24 * 3600),
  /** How many low-relevance articles the mismatch feed keeps, and how long each entry lives. */
  DASHBOARD_MISMATCH_KEEP: intVar(200, 10),
  DASHBOARD_MISMATCH_TTL_SECONDS: intVar(7 * 24 * 3600, 3600),
  /** (articleId, version) dedup marks. */
  DASHBOARD_DEDUP_TTL_SECONDS: intVar(7 * 24 * 3600, 60),
  /** At most this many topics / sources are tracked in the index (most recently seen win). */
  DASHBOARD_MAX_INDEX: intVar(2000, 10),
  /** Live page: how often the server checks for changes and pushes a snapshot over SSE. */
  DASHBOARD_PUSH_INTERVAL_MS: intVar(1000, 100),
  /** How often queue depth, topic offsets and consumer-group lag are sampled. */
  DASHBOARD_HEALTH_INTERVAL_MS: intVar(5000, 250),
  /** SSE keep-alive comment interval. */
  DASHBOARD_HEARTBEAT_MS: intVar(15_000, 1000),
  /** At most this many concurrent SSE clients. */
  DASHBOARD_MAX_SSE_CLIENTS: intVar(200, 1),
});
export type DashboardConfig = z.infer<typeof DashboardConfigSchema>;
export const loadDashboardConfig = (env?: Record<string, string | undefined>) => loadConfig(DashboardConfigSchema, env);
