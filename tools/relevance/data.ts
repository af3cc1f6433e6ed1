/**
 * Where the relevance dev set lives and how the pipeline names its photos (no model code here).
 */
import { join } from 'node:path';
import { IMAGENET_DEV, REPO_ROOT, SHARED_DIR, imagenetLabels, sharedMissing, type ImagenetLabel } from '@newsfuse/testkit/paths';

export { IMAGENET_DEV, REPO_ROOT, SHARED_DIR };
export const EVAL_CACHE = join(REPO_ROOT, '.cache', 'eval');

/** Why the shared data cannot be used, or false when it can. */
export const missingShared = sharedMissing('the relevance evaluation');

export type DevLabel = ImagenetLabel;
export const devLabels = imagenetLabels;

export const opaqueUrl = (hash: string) => `https://eval.invalid/sha256/${hash}`;
