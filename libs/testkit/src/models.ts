/**
 * For model tests: resolve a model's files from the cache once (before the tests), and skip with the
 * reason when they are not there (npm test fetches them first; a bare `tsx --test` may not have).
 */
import { before, type TestContext } from 'node:test';
import { resolveModel, sha256File } from '@newsfuse/models/registry';

export interface ModelGate {
  /** Skip the test when the model is missing; true when skipped (the test then returns). */
  skip(t: TestContext): boolean;
  /** sha256 of the first file (the model itself). */
  readonly sha256: string;
}

export function requireModel(label: string, files: readonly string[]): ModelGate {
  let unavailable: string | null = null;
  let sha256 = '';
  before(async () => {
    try {
      const paths = await Promise.all(files.map((f) => resolveModel(f)));
      sha256 = await sha256File(paths[0]!);
    } catch (err) {
      unavailable = `${label} model cache could not be fetched (${(err as Error).message.split('\n')[0]}); run npm run models:fetch`;
    }
  });
  return {
    skip(t) {
      if (unavailable) t.skip(unavailable);
      return unavailable !== null;
    },
    get sha256() {
      return sha256;
    },
  };
}

export const vectorNorm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
