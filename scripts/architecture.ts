/**
 * `npm run docs:architecture`: draws docs/architecture.svg from the code — dependency-cruiser's
 * module graph collapsed to workspaces (libs/stages/<s>, libs/<lib>, services/<s>, tools/<area>,
 * scripts, bench, tests), rendered with Graphviz compiled to WebAssembly (@viz-js/viz).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { instance } from '@viz-js/viz';
import { REPO_ROOT } from '@newsfuse/testkit/paths';

const dot = execFileSync(
  join(REPO_ROOT, 'node_modules', '.bin', 'depcruise'),
  [
    'libs',
    'services',
    'tools',
    'scripts',
    'bench',
    'tests',
    '--config',
    '.dependency-cruiser.cjs',
    '--output-type',
    'archi',
    '--exclude',
    '\\.test\\.ts$|node_modules',
  ],
  { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
const viz = await instance();
const svg = viz.renderString(dot, { format: 'svg', engine: 'dot' });
const out = join(REPO_ROOT, 'docs', 'architecture.svg');
writeFileSync(out, svg);
process.stdout.write(`wrote ${out} (${(svg.length / 1024).toFixed(0)} kB)\n`);
