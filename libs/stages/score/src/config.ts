/** The story clusterer's settings (a schema; the score service and the one-shot CLI load it). */
import { z } from 'zod';
import { boolFlag, intVar } from '@newsfuse/shared/config';
import { DEFAULT_STORY_OPTIONS, DEFAULT_STORY_SIMILARITY_ZH, type StoryOptions } from './stories.ts';

export const StoryConfigSchema = z.object({
  /** Stories: cosine (title+lead embeddings) at or above which an article joins a story (docs/stories.md). */
  STORY_SIMILARITY: z.coerce.number().gt(0).max(1).default(DEFAULT_STORY_OPTIONS.similarity),
  /** The same for Chinese articles (bge-small-zh cosines live on a higher scale; docs/stories.md). */
  STORY_SIMILARITY_ZH: z.coerce.number().gt(0).max(1).default(DEFAULT_STORY_SIMILARITY_ZH),
  /** A story with no new member for this long (event time) is closed. */
  STORY_WINDOW_HOURS: z.coerce
    .number()
    .gt(0)
    .max(24 * 365)
    .default(DEFAULT_STORY_OPTIONS.windowMs / 3600_000),
  /** At most this many active stories in Redis; the least recently seen are evicted. */
  STORY_MAX_ACTIVE: intVar(DEFAULT_STORY_OPTIONS.maxActive, 1),
  /** `false` turns story clustering off (topics are categories/keywords only). */
  STORIES: boolFlag.default(true),
});
export type StoryConfig = z.infer<typeof StoryConfigSchema>;

/** The clusterer's options from the configuration. */
export function storyOptionsOf(
  cfg: Pick<StoryConfig, 'STORY_SIMILARITY' | 'STORY_SIMILARITY_ZH' | 'STORY_WINDOW_HOURS' | 'STORY_MAX_ACTIVE'>,
): StoryOptions {
  return {
    ...DEFAULT_STORY_OPTIONS,
    similarity: cfg.STORY_SIMILARITY,
    similarityByLanguage: { zh: cfg.STORY_SIMILARITY_ZH },
    windowMs: Math.round(cfg.STORY_WINDOW_HOURS * 3600_000),
    maxActive: cfg.STORY_MAX_ACTIVE,
  };
}
