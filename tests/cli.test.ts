/**
 * The `newsfuse` command as a user runs it after `npm ci`: `npx newsfuse …` (the root package's bin).
 * stdout carries only JSON lines, errors and reports go to stderr with a non-zero exit.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArticleEvent, ScoredEvent, decode, topicsFor } from '@newsfuse/shared';
import { collectTopic, getInfra, uniqueId, waitFor } from '@newsfuse/testkit/harness';
import { REPO_ROOT } from '@newsfuse/testkit/paths';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function newsfuse(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'newsfuse', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const jsonLines = (s: string) =>
  s
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);

describe('npx newsfuse', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nf-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--help lists the commands; an unknown command is an error on stderr', async () => {
    const help = await newsfuse(['--help']);
    assert.equal(help.code, 0);
    for (const c of ['score', 'parse-feed', 'replay']) assert.match(help.stdout, new RegExp(`^  ${c} `, 'm'));
    const bad = await newsfuse(['frobnicate']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /unknown command "frobnicate"/);
  });

  for (const c of ['score', 'parse-feed', 'replay']) {
    test(`${c} --help prints its usage on stdout and exits 0; help ${c} does the same`, async () => {
      const a = await newsfuse([c, '--help']);
      assert.equal(a.code, 0, a.stderr);
      assert.match(a.stdout, new RegExp(`^usage: newsfuse ${c} `));
      const b = await newsfuse(['help', c]);
      assert.equal(b.stdout, a.stdout);
    });
  }

  test('parse-feed reports the items it skipped and why', async () => {
    const feed = join(dir, 'feed.xml');
    writeFileSync(
      feed,
      `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://example.org/</link>
<item><title>First story</title><link>https://example.org/a</link></item>
<item><title>Story without a link</title></item>
<item><link>https://example.org/c</link></item>
<item><title>Second story</title><link>https://example.org/b</link><description>Text.</description></item>
<item><title>First story</title><link>https://example.org/a</link></item>
</channel></rss>`,
    );
    const r = await newsfuse(['parse-feed', feed]);
    assert.equal(r.code, 0, r.stderr);
    const events = jsonLines(r.stdout).map((e) => decode(ArticleEvent, e));
    assert.deepEqual(events.map((e) => e.url).sort(), ['https://example.org/a', 'https://example.org/b']);
    assert.match(r.stderr, /skipped item 2 \("Story without a link"\): no link/);
    assert.match(r.stderr, /skipped item 3 \(untitled\): no title, summary or content/);
    assert.match(
      r.stderr,
      /parse-feed: 2 articles from 5 items, 2 skipped \(1 no link \(none, or not an http\(s\) URL\), 1 no title, summary or content\), 1 duplicates of an earlier item/,
    );
    const missing = await newsfuse(['parse-feed', join(dir, 'nope.xml')]);
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /nope\.xml/);
  });

  test('score --jsonl echoes each id exactly as given and names the id of a failing line', async () => {
    const input = join(dir, 'in.jsonl');
    writeFileSync(
      input,
      [
        JSON.stringify({ id: 'a1', title: 'Flood waters rise in the river town', text: 'Heavy rain flooded the town by the river.' }),
        JSON.stringify({ id: 'x-7', title: 42 }),
        'not json',
        JSON.stringify({ id: 'a-much-longer-identifier', title: 'Stocks rally as markets cheer', text: 'Shares rose sharply.' }),
        JSON.stringify({ title: 'No id at all' }),
        JSON.stringify({ id: 'zh-1', title: 'Apple发布新款iPhone', text: '苹果公司今天在加州发布了新款手机。' }),
      ].join('\n'),
    );
    const r = await newsfuse(['score', '--jsonl', input]);
    assert.equal(r.code, 1, 'a failed line makes the exit non-zero');
    const scored = jsonLines(r.stdout).map((e) => decode(ScoredEvent, e));
    assert.deepEqual(scored.map((s) => s.articleId).slice(0, 2), ['a1', 'a-much-longer-identifier']);
    assert.equal(scored.length, 4);
    // The one-shot path reports the language the services report (the language router's decision).
    assert.deepEqual(
      scored.map((s) => s.language),
      ['en', 'en', 'en', 'zh'],
    );
    assert.match(scored[2]!.articleId, /^[0-9a-f]{32}$/, 'no id: the hash of title and text');
    assert.match(r.stderr, /line 2 \(id "x-7"\) failed: "title" must be a string/);
    assert.match(r.stderr, /line 3 \(no id\) failed: .*JSON/);
    assert.match(r.stderr, /score: 4 scored, 2 failed/);
    const none = await newsfuse(['score']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give --title or --jsonl/);
  });

  describe('replay', () => {
    const runId = uniqueId('cli');
    let collected: Awaited<ReturnType<typeof collectTopic<ArticleEvent>>> | undefined;
    let env: Record<string, string>;
    before(async () => {
      const infra = await getInfra();
      env = { KAFKA_BROKERS: infra.brokers, REDIS_URL: infra.redisUrl, TOPIC_SUFFIX: runId, NEWSFUSE_PREFIX: runId, KAFKA_PARTITIONS: '1' };
    });
    after(async () => {
      await collected?.stop();
    });

    test('publishes a JSONL file to the articles topic; stdout is one JSON summary', async () => {
      const file = join(dir, 'backfill.jsonl');
      writeFileSync(
        file,
        [
          JSON.stringify({ url: 'https://example.org/r1', title: 'Replayed one', publishedAt: '2026-01-01T10:00:00Z' }),
          JSON.stringify({ url: 'https://example.org/r2', title: 'Replayed two', publishedAt: '2026-01-01T11:00:00Z' }),
          JSON.stringify({ url: 'not a url', title: 'bad' }),
          JSON.stringify({ url: 'https://example.org/r1', title: 'Replayed one', publishedAt: '2026-01-01T10:00:00Z' }),
        ].join('\n'),
      );
      const r = await newsfuse(['replay', file], env);
      assert.equal(r.code, 0, r.stderr);
      const [summary, ...rest] = jsonLines(r.stdout) as { lines: number; published: number; duplicates: number; invalid: number }[];
      assert.equal(rest.length, 0, 'stdout is only the summary');
      assert.deepEqual([summary!.lines, summary!.published, summary!.duplicates, summary!.invalid], [4, 2, 1, 1]);
      collected = await collectTopic(env.KAFKA_BROKERS!, topicsFor({ TOPIC_SUFFIX: runId }).articles, (v) => decode(ArticleEvent, v));
      await waitFor(() => (collected!.items.length >= 2 ? true : undefined), 30_000, 'the replayed articles');
      assert.deepEqual(collected.items.map((a) => a.publishedAt).sort(), ['2026-01-01T10:00:00.000Z', '2026-01-01T11:00:00.000Z']);
      const missing = await newsfuse(['replay', join(dir, 'missing.jsonl')], env);
      assert.notEqual(missing.code, 0);
      assert.equal(missing.stdout, '');
      assert.match(missing.stderr, /missing\.jsonl/);
    });
  });
});
