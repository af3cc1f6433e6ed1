/**
 * The house rules fail `npm run lint` when broken: each probe writes one deliberately wrong module into
 * the tree, runs the same checker the lint command runs on it, and removes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@newsfuse/testkit/paths';

const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);

function probe(path: string, source: string, run: (file: string) => { status: number | null; out: string }) {
  const file = join(REPO_ROOT, path);
  writeFileSync(file, source);
  try {
    return run(path);
  } finally {
    rmSync(file, { force: true });
  }
}

const depcruise = (file: string) => {
  const r = spawnSync(bin('depcruise'), [file, '--config', '.dependency-cruiser.cjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};
const eslint = (file: string) => {
  const r = spawnSync(bin('eslint'), [file], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};

const cases: { rule: string; path: string; source: string; check: typeof depcruise }[] = [
  {
    rule: 'services-do-not-import-each-other',
    path: 'services/fuse/src/house-probe.ts',
    source: "import { loadScoreConfig } from '../../score/src/config.ts';\nexport const probe = loadScoreConfig;\n",
    check: depcruise,
  },
  {
    rule: 'libs-import-only-libs',
    path: 'libs/pipeline/src/house-probe.ts',
    source: "import { loadFuseConfig } from '../../../services/fuse/src/config.ts';\nexport const probe = loadFuseConfig;\n",
    check: depcruise,
  },
  {
    rule: 'stages-are-pure',
    path: 'libs/stages/score/src/house-probe.ts',
    source: "import { readFileSync } from 'node:fs';\nexport const probe = readFileSync;\n",
    check: depcruise,
  },
  {
    rule: 'nothing-imports-service-internals',
    path: 'scripts/house-probe.ts',
    source: "import { loadExtractConfig } from '../services/extract/src/config.ts';\nexport const probe = loadExtractConfig;\n",
    check: depcruise,
  },
  {
    rule: 'no-restricted-properties',
    path: 'libs/stages/fuse/src/house-probe.ts',
    source: 'export const probe = process.env.FUSION_STRATEGY;\n',
    check: eslint,
  },
];

for (const c of cases)
  test(`lint fails on a deliberately wrong module: ${c.rule} (${c.path})`, () => {
    const r = probe(c.path, c.source, c.check);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, new RegExp(c.rule), r.out);
  });

test('the real tree passes the dependency rules', () => {
  const r = spawnSync(bin('depcruise'), ['libs', 'services', 'tools', 'scripts', 'bench', 'tests', '--config', '.dependency-cruiser.cjs'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /no dependency violations found/);
});
