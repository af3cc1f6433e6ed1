import { z } from 'zod';
import { BaseConfigSchema, boolFlag, intVar, loadConfig } from '@newsfuse/shared';
import { StoryConfigSchema } from '@newsfuse/stage-score/config';
import { DEFAULT_RECYCLED_OPTIONS, type RecycledOptions } from '@newsfuse/stage-score/recycled';

const DAY_MS = 24 * 3600_000;

/** The recycled-photo index (docs/recycled-photos.md). */
export const RecycledConfigSchema = z.object({
  /** `false` turns the index off (no lookups, no `relevance.recycled`). */
  RECYCLED: boolFlag.default(true),
  /** A stored photo at most this many bits (of 64) from the article's photo is the same photo. */
  RECYCLED_MAX_DISTANCE: z.coerce.number().int().min(0).max(24).default(DEFAULT_RECYCLED_OPTIONS.maxDistance),
  /** A photo first seen in another story at least this many days earlier (publication dates) is recycled. */
  RECYCLED_MIN_AGE_DAYS: z.coerce
    .number()
    .min(0)
    .max(3650)
    .default(DEFAULT_RECYCLED_OPTIONS.minAgeMs / DAY_MS),
  /** The index forgets a photo this many days after storing it. */
  RECYCLED_WINDOW_DAYS: z.coerce
    .number()
    .gt(0)
    .max(3650)
    .default(DEFAULT_RECYCLED_OPTIONS.windowMs / DAY_MS),
  /** The memory budget: at most this many photos (about 2.6 kB each in Redis; `npm run bench:recycled`). */
  RECYCLED_MAX_PHOTOS: intVar(DEFAULT_RECYCLED_OPTIONS.maxImages, 1),
  /** A recycled photo's relevance is multiplied by 1 − this. */
  RECYCLED_PENALTY: z.coerce.number().min(0).max(1).default(DEFAULT_RECYCLED_OPTIONS.penalty),
});
export type RecycledConfig = z.infer<typeof RecycledConfigSchema>;

export function recycledOptionsOf(cfg: RecycledConfig): RecycledOptions {
  return {
    maxDistance: cfg.RECYCLED_MAX_DISTANCE,
    minAgeMs: Math.round(cfg.RECYCLED_MIN_AGE_DAYS * DAY_MS),
    windowMs: Math.round(cfg.RECYCLED_WINDOW_DAYS * DAY_MS),
    maxImages: cfg.RECYCLED_MAX_PHOTOS,
    penalty: cfg.RECYCLED_PENALTY,
  };
}

export const ScoreConfigSchema = BaseConfigSchema.extend(StoryConfigSchema.shape)
  .extend(RecycledConfigSchema.shape)
  .extend({
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
