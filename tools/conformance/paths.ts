/**
 * Where the shared test data lives: `../shared` beside the repository (NEWSFUSE_SHARED_DIR overrides).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..');
export const SHARED_DIR = process.env.NEWSFUSE_SHARED_DIR ?? path.resolve(REPO_ROOT, '..', 'shared');
export const BASELINE_FILE = path.join(here, 'baseline.json');

export function feedsRoot(): string | undefined {
  const p = path.join(SHARED_DIR, 'data', 'feeds');
  return existsSync(p) ? p : undefined;
}

export function readabilityRoot(): string | undefined {
  const p = path.join(SHARED_DIR, 'data', 'articles', 'readability', 'test-pages');
  return existsSync(p) ? p : undefined;
}
