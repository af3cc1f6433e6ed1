/**
 * Chinese sentiment on news, end to end: `npx newsfuse score --jsonl` (the one-shot CLI: language
 * routing → jieba + bge-small-zh + the Chinese head → score) on clear good-news and bad-news headlines
 * written for this test (not from any data set; the head was trained on product reviews). Each must come
 * out in Chinese, and at least 20 of each kind with the label of its news (positive / negative, beyond the
 * neutral band).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScoredEvent, decode } from '@newsfuse/shared';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { BAD_NEWS, GOOD_NEWS } from '@newsfuse/testkit/zh-headlines';

function newsfuse(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'newsfuse', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

void describe('Chinese news sentiment through npx newsfuse score --jsonl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nf-zh-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test(`at least 20 of ${GOOD_NEWS.length} good-news headlines positive, 20 of ${BAD_NEWS.length} bad-news negative`, async (t) => {
    assert.ok(GOOD_NEWS.length >= 20 && BAD_NEWS.length >= 20);
    const rows = [
      ...GOOD_NEWS.map((title, i) => ({ id: `zh-good-${i}`, title })),
      ...BAD_NEWS.map((title, i) => ({ id: `zh-bad-${i}`, title })),
    ];
    const input = join(dir, 'headlines.jsonl');
    writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await newsfuse(['score', '--jsonl', input]);
    assert.equal(r.code, 0, r.stderr);
    const scored = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => decode(ScoredEvent, JSON.parse(l)));
    assert.equal(scored.length, rows.length);
    const wrong = { good: [] as string[], bad: [] as string[] };
    for (const s of scored) {
      assert.equal(s.language, 'zh', s.title);
      assert.match(
        s.models.text ?? '',
        /bge-small-zh-v15-q\+jieba\+zh-head\+finetuned/,
        'the learned Chinese head and its fine-tuned branch scored it',
      );
      const good = s.articleId.startsWith('zh-good-');
      // the label (beyond the ±0.05 neutral band), not just the sign
      if (s.sentiment.label !== (good ? 'positive' : 'negative'))
        wrong[good ? 'good' : 'bad'].push(`${s.title}: ${s.sentiment.fused?.toFixed(3)} (${s.sentiment.label})`);
    }
    for (const m of [...wrong.good, ...wrong.bad]) t.diagnostic(`wrong label: ${m}`);
    // At least 20 of each kind right (≥ 90 %). The head was fitted on product reviews; headlines whose
    // polarity is compositional ("unemployment falls", "peace ends a conflict", "refugee numbers
    // increase") can still come out wrong — the misses are printed above and listed in
    // docs/evaluation-sentiment.md.
    assert.ok(GOOD_NEWS.length - wrong.good.length >= 20, `good news labelled wrong:\n${wrong.good.join('\n')}`);
    assert.ok(BAD_NEWS.length - wrong.bad.length >= 20, `bad news labelled wrong:\n${wrong.bad.join('\n')}`);
  });
});
