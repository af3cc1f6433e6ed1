/**
 * The CLI's configuration: the model settings the extract service reads (AnalysisConfigSchema) and the
 * story clusterer's (StoryConfigSchema). Fetching from loopback or private hosts stays off unless
 * NEWSFUSE_FETCH_ALLOW_* says otherwise, as in the services.
 */
import { loadConfig } from '@newsfuse/shared';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import { StoryConfigSchema } from '@newsfuse/stage-score/config';

export const CliConfigSchema = AnalysisConfigSchema.extend(StoryConfigSchema.shape);
export const loadCliConfig = (env?: Record<string, string | undefined>) => loadConfig(CliConfigSchema, env);
