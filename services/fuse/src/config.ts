import { z } from 'zod';
import { BaseConfigSchema, intVar, loadConfig } from '@newsfuse/shared';
import { DEFAULT_STRATEGY, STRATEGY_NAMES } from '@newsfuse/stage-fuse/strategies';

export const FuseConfigSchema = BaseConfigSchema.extend({
  HTTP_PORT: intVar(8083),
  /** baseline | early | late | hybrid; the default is the strategy that won the relevance evaluation (docs/evaluation.md). */
  FUSION_STRATEGY: z.enum(STRATEGY_NAMES as [string, ...string[]]).default(DEFAULT_STRATEGY),
  FUSE_CONCURRENCY: intVar(8, 1),
  /** Fuse's job lock; a job whose process died is taken over once its lock expires (checked every JOB_STALLED_INTERVAL_MS). */
  FUSE_JOB_LOCK_MS: intVar(30_000, 1000),
  JOB_STALLED_INTERVAL_MS: intVar(30_000, 500),
});
export type FuseConfig = z.infer<typeof FuseConfigSchema>;
export const loadFuseConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(FuseConfigSchema, env, { JOB_LOCK_MS: 'FUSE_JOB_LOCK_MS' });
