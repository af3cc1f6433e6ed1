/**
 * Where the conformance data lives: the feeds and Readability test pages of the shared test data
 * (`@newsfuse/testkit/paths`), and the committed baseline beside this file.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, SHARED_DIR, sharedData } from '@newsfuse/testkit/paths';

export { REPO_ROOT, SHARED_DIR };
export const BASELINE_FILE = fileURLToPath(new URL('./baseline.json', import.meta.url));

export function feedsRoot(): string | undefined {
  const p = sharedData('feeds');
  return existsSync(p) ? p : undefined;
}

export function readabilityRoot(): string | undefined {
  const p = sharedData('articles', 'readability', 'test-pages');
  return existsSync(p) ? p : undefined;
}
