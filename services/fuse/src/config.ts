import { z } from 'zod';
import { BaseConfigSchema, intVar, loadConfig } from '@newsfuse/shared';
import { STRATEGY_NAMES } from './strategies.ts';

export const FuseConfigSchema = BaseConfigSchema.extend({
  HTTP_PORT: intVar(8083),
  FUSION_STRATEGY: z.enum(STRATEGY_NAMES as [string, ...string[]]).default('baseline'),
  FUSE_CONCURRENCY: intVar(8, 1),
});
export type FuseConfig = z.infer<typeof FuseConfigSchema>;
export const loadFuseConfig = (env?: Record<string, string | undefined>) => loadConfig(FuseConfigSchema, env);
