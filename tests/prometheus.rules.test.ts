/**
 * The alert rules (infra/prometheus/alerts.yml) are valid and do what their unit tests
 * (infra/prometheus/alerts.test.yml, series written in the file) say: `promtool check rules` and
 * `promtool test rules`, with promtool's output in the test log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { findTool } from './prometheus.harness.ts';

const DIR = join(REPO_ROOT, 'infra', 'prometheus');

function promtool(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(findTool('promtool'), args, { cwd: DIR, encoding: 'utf8', timeout: 120_000 });
  const output = `${r.stdout}${r.stderr}`;
  process.stdout.write(`promtool ${args.join(' ')}\n${output.replace(/^/gm, '    ')}\n`);
  return { status: r.status, output };
}

test('promtool check rules: alerts.yml is valid', () => {
  const r = promtool(['check', 'rules', 'alerts.yml']);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS: 7 rules found/);
});

test('promtool check config: prometheus.yml (with the rules) is valid', () => {
  const r = promtool(['check', 'config', '--syntax-only', 'prometheus.yml']);
  assert.equal(r.status, 0, r.output);
});

test('promtool test rules: every alert fires on its series and stays quiet otherwise', () => {
  const r = promtool(['test', 'rules', 'alerts.test.yml']);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS/);
});
