/**
 * Test helpers: where the shared labelled photos live. Tests that need them skip (with a
 * message) only when the shared folder itself is absent.
 */
import { modelEnv } from '../config.ts';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** `../shared` beside the repo; NEWSFUSE_SHARED_DIR overrides (e.g. to check the skip path). */
export const SHARED_DIR = resolve(modelEnv().NEWSFUSE_SHARED_DIR ?? join(REPO_ROOT, '..', 'shared'));
export const IMAGENET_DEV = join(SHARED_DIR, 'data', 'relevance', 'imagenet-dev');

/** A reason to skip when ../shared is missing, else false (node:test's `skip` option). */
export const skipWithoutShared: string | false = existsSync(SHARED_DIR)
  ? false
  : `shared data folder not found at ${SHARED_DIR} (tests using the labelled photos need ../shared beside the repo)`;

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
