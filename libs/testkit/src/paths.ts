/**
 * Where things are, for tests, tools, scripts and the benchmark: the repository root and the shared
 * test data (`../shared` beside the repository; NEWSFUSE_SHARED_DIR overrides, e.g. to check the skip
 * path). Libraries that need a path of their own (the model registry's manifest and cache, the weights
 * directory) keep it; nothing else defines the root or the shared-data folder.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (no trailing separator). */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The shared test data folder: `../shared` beside the repository unless NEWSFUSE_SHARED_DIR says otherwise. */
export const SHARED_DIR = resolve(process.env.NEWSFUSE_SHARED_DIR ?? join(REPO_ROOT, '..', 'shared'));

/** A path under `<SHARED_DIR>/data`. */
export const sharedData = (...parts: string[]): string => join(SHARED_DIR, 'data', ...parts);

/** Why `purpose` cannot run (the shared folder is absent), or false when it can: node:test's `skip` option, or a script's exit message. */
export function sharedMissing(purpose: string): string | false {
  return existsSync(SHARED_DIR)
    ? false
    : `shared data folder not found at ${SHARED_DIR} (needed for ${purpose}: ../shared beside the repo)`;
}

/** The labelled ImageNet dev photos (one per class). */
export const IMAGENET_DEV = sharedData('relevance', 'imagenet-dev');

export interface ImagenetLabel {
  file: string;
  synset: string;
  label: string;
  lemmas: string[];
  gloss: string;
}

export async function imagenetLabels(): Promise<ImagenetLabel[]> {
  return JSON.parse(await readFile(join(IMAGENET_DEV, 'labels.json'), 'utf8')) as ImagenetLabel[];
}

export function imagenetImage(file: string): Promise<Buffer> {
  return readFile(join(IMAGENET_DEV, 'images', file));
}

/** The ImageNet dev photos' file names (JPEGs, sorted), the first `limit` of them when given. */
export function imagenetFiles(limit?: number): string[] {
  const files = readdirSync(join(IMAGENET_DEV, 'images'))
    .filter((f) => /\.jpe?g$/i.test(f))
    .sort();
  return limit === undefined ? files : files.slice(0, limit);
}
