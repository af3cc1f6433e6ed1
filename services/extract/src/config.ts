import { z } from 'zod';
import { BaseConfigSchema, boolFlag, intVar, loadConfig } from '@newsfuse/shared/config';
import { AnalysisConfigSchema } from '@newsfuse/models/config';

export const ExtractConfigSchema = BaseConfigSchema.extend(AnalysisConfigSchema.shape).extend({
  HTTP_PORT: intVar(8082),
  /** Run the CPU-heavy processors in worker threads (BullMQ sandboxed processors). */
  EXTRACT_SANDBOX: boolFlag.default(true),
  JOB_ATTEMPTS: intVar(3, 1),
  JOB_BACKOFF_MS: intVar(1000, 10),
  /** Extract's job lock; a job whose process died is taken over once its lock expires (checked every JOB_STALLED_INTERVAL_MS). */
  EXTRACT_JOB_LOCK_MS: intVar(60_000, 1000),
  JOB_STALLED_INTERVAL_MS: intVar(30_000, 500),
  /**
   * How long finished jobs (and their results, ~75 kB per article) stay in Redis; fuse has read the
   * children's results by then. An hour bounds Redis to about 75 kB × articles per hour
   * (docs/benchmarks.md); was 24 h.
   */
  KEEP_COMPLETED_SECONDS: intVar(3600, 10),
  KEEP_FAILED_SECONDS: intVar(7 * 24 * 3600, 10),
  /** Kafka intake pauses while more than this many extract jobs wait (backpressure). */
  QUEUE_HIGH_WATER: intVar(2000, 1),
  /**
   * How old the intake's count of waiting jobs may be before it counts again (ms); in between it adds up
   * the jobs it let in (@newsfuse/stage-extract/room). 0: count before every article (two Redis round
   * trips each), as before 2026-12-04 night.
   */
  QUEUE_COUNT_MS: intVar(200, 0),
});
export type ExtractConfig = z.infer<typeof ExtractConfigSchema>;
export const loadExtractConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(ExtractConfigSchema, env, { JOB_LOCK_MS: 'EXTRACT_JOB_LOCK_MS' });
