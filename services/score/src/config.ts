import { z } from 'zod';
import { BaseConfigSchema, intVar, loadConfig } from '@newsfuse/shared';
import { StoryConfigSchema } from '@newsfuse/stage-score/config';

export const ScoreConfigSchema = BaseConfigSchema.extend(StoryConfigSchema.shape).extend({
  HTTP_PORT: intVar(8084),
  /**
   * Calibrated relevance at or above this is `relevant`. Unset (the default): the threshold chosen on
   * the development data for the event's strategy (calibration.json; docs/evaluation.md).
   */
  RELEVANCE_THRESHOLD: z.coerce.number().min(0).max(1).optional(),
  /** How long the (articleId, version) dedup marks live. */
  SCORE_DEDUP_TTL_SECONDS: intVar(7 * 24 * 3600, 60),
});
export type ScoreConfig = z.infer<typeof ScoreConfigSchema>;
export const loadScoreConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(ScoreConfigSchema, env, { DEDUP_TTL_SECONDS: 'SCORE_DEDUP_TTL_SECONDS' });
