/**
 * `npm run test:chaos`: the chaos and hostile-input suite at full size (CHAOS_FULL=1) — every
 * tests/chaos*.test.ts and tests/hostile/*.test.ts through the normal test command — then the combined
 * summary table (the one docs/reliability.md quotes). `npm test` runs the same files at reduced size.
 *
 *   npm run test:chaos                    full sizes
 *   CHAOS_FULL=0 npm run test:chaos       reduced sizes (what npm test runs)
 */
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { SUMMARY_DIR, readSummaries, renderSummary } from '../tests/chaos.harness.ts';

const testFiles = (dir: string, pattern: RegExp) =>
  readdirSync(join(REPO_ROOT, dir))
    .filter((n) => pattern.test(n))
    .sort()
    .map((n) => join(dir, n));
// tests/chaos*.test.ts, tests/hostile*.test.ts and the hostile files per attack surface in tests/hostile/.
const files = [...testFiles('tests', /^(chaos|hostile).*\.test\.ts$/), ...testFiles('tests/hostile', /\.test\.ts$/)];
rmSync(SUMMARY_DIR, { recursive: true, force: true });
const started = Date.now();
const env = { ...process.env, CHAOS_FULL: process.env.CHAOS_FULL ?? '1' };
const testScript = join(REPO_ROOT, 'scripts/test.ts');
const child = spawn(process.execPath, ['--import', 'tsx', testScript, ...files], { cwd: REPO_ROOT, env, stdio: 'inherit' });
const stop = () => child.kill('SIGTERM');
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
child.once('exit', (code, signal) => {
  const parts = readSummaries();
  process.stdout.write(`\n## Chaos and hostile-input summary (CHAOS_FULL=${env.CHAOS_FULL})\n\n`);
  process.stdout.write(parts.length > 0 ? `${renderSummary(parts)}\n` : 'no summary was written (the suite did not get that far)\n');
  process.stdout.write(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s; ${files.join(', ')}\n`);
  process.exit(code ?? (signal ? 1 : 0));
});
