/**
 * Where the relevance dev set lives and how the pipeline names its photos (no model code here).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SHARED_DIR = resolve(REPO_ROOT, '..', 'shared');
export const IMAGENET_DEV = join(SHARED_DIR, 'data', 'relevance', 'imagenet-dev');
export const EVAL_CACHE = join(REPO_ROOT, '.cache', 'eval');

/** Why the shared data cannot be used, or false when it can. */
export const missingShared: string | false = existsSync(SHARED_DIR)
  ? false
  : `shared data folder not found at ${SHARED_DIR} (the relevance evaluation needs ../shared beside the repo)`;

export interface DevLabel {
  file: string;
  synset: string;
  label: string;
  lemmas: string[];
  gloss: string;
}

export const opaqueUrl = (hash: string) => `https://eval.invalid/sha256/${hash}`;

export async function devLabels(): Promise<DevLabel[]> {
  return JSON.parse(await readFile(join(IMAGENET_DEV, 'labels.json'), 'utf8')) as DevLabel[];
}
