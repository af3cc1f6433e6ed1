/**
 * Where the relevance dev set lives and how the pipeline names its photos (no model code here).
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGENET_DEV, REPO_ROOT, SHARED_DIR, imagenetLabels, sharedMissing, type ImagenetLabel } from '@newsfuse/testkit/paths';

export { IMAGENET_DEV, REPO_ROOT, SHARED_DIR };
export const EVAL_CACHE = join(REPO_ROOT, '.cache', 'eval');

/** Writes a cache file through a temporary file and a rename: a reader never sees it half-written. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, path);
}

/** Why the shared data cannot be used, or false when it can. */
export const missingShared = sharedMissing('the relevance evaluation');

export type DevLabel = ImagenetLabel;
export const devLabels = imagenetLabels;

export const opaqueUrl = (hash: string) => `https://eval.invalid/sha256/${hash}`;
