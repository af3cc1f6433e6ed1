/**
 * The chosen parser (feedsmith + libs/stages/ingest/src/feed/) must not regress below the figures measured by
 * `npm run feeds:conformance -- --update-baseline` (baseline.json), folder by folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadCases } from './cases.ts';
import { feedsmithParser } from './parsers.ts';
import { pct, score } from './compare.ts';
import { BASELINE_FILE, feedsRoot, SHARED_DIR } from './paths.ts';

const root = feedsRoot();
const skip = root ? false : `shared test data absent (${SHARED_DIR}/data/feeds)`;

test('feed conformance does not regress below the baseline, per folder', { skip }, async () => {
  const baseline = JSON.parse(readFileSync(BASELINE_FILE, 'utf8')) as { folders: Record<string, { cases: number; checks: number }> };
  const { folders } = await score(feedsmithParser, loadCases(root!));
  for (const [folder, min] of Object.entries(baseline.folders)) {
    const f = folders.find((x) => x.folder === folder);
    assert.ok(f, `folder ${folder} has cases`);
    assert.ok(pct(f.passed, f.cases) >= min.cases, `${folder}: cases passed ${pct(f.passed, f.cases)}% < baseline ${min.cases}%`);
    assert.ok(
      pct(f.passedChecks, f.checks) >= min.checks,
      `${folder}: checks passed ${pct(f.passedChecks, f.checks)}% < baseline ${min.checks}%`,
    );
  }
});
