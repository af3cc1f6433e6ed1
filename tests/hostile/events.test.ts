/**
 * Hostile events → news.articles.v1: invalid JSON, binary, wrong schema version, wrong schema, huge
 * text, deep nesting, a tombstone; the valid events after them are fused.
 * Each: no crash, a clear error, a dead letter (or a `failed` image record, or an HTTP 4xx) carrying
 * the reason, and the next item is processed; the last test checks that no secret reached the services'
 * logs. Shared set-up in tests/hostile/rig.ts, the corpus in tests/fixtures/hostile.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ArticleEvent, encode } from '@newsfuse/shared';
import { waitFor } from '@newsfuse/testkit/harness';
import { makeArticle } from '../fixtures/articles.ts';
import { HOSTILE_TIMEOUT_MS, aftermathTest, useHostileRig } from './rig.ts';

describe('hostile inputs: events', { timeout: HOSTILE_TIMEOUT_MS }, () => {
  const rig = useHostileRig('hostile-events', { services: ['extract', 'fuse'] });

  test('events: invalid events on the articles topic are dead-lettered with their reason; the next one is fused', async () => {
    const { runId, producer, topics, dead, fused, summary } = rig;
    const valid = makeArticle(40_000, [], runId);
    const hugeBody = 'Lorem ipsum dolor sit amet. '.repeat(22_000); // ≈ 600 000 characters, over the 500 000 limit
    const bigButValid = makeArticle(40_002, [], runId);
    bigButValid.body = 'The river rose through the night and the town was flooded. '.repeat(1_000); // ≈ 60 000 characters
    const cases: { name: string; key: string; value: Buffer | string | null; code: string; match?: RegExp }[] = [
      { name: 'invalid JSON', key: `${runId}-ev-json`, value: '{"schemaVersion": 1, "articleId": ', code: 'EVENT_INVALID_JSON' },
      { name: 'binary garbage', key: `${runId}-ev-binary`, value: randomBytes(512), code: 'EVENT_INVALID_JSON' },
      {
        name: 'wrong schema version (9)',
        key: `${runId}-ev-version`,
        value: JSON.stringify({ ...valid, schemaVersion: 9 }),
        code: 'EVENT_VERSION',
      },
      {
        name: 'wrong schema (title is a number)',
        key: `${runId}-ev-schema`,
        value: JSON.stringify({ ...valid, title: 42 }),
        code: 'EVENT_SCHEMA',
        match: /title/,
      },
      { name: 'JSON array instead of an object', key: `${runId}-ev-array`, value: '[1,2,3]', code: 'EVENT_SCHEMA' },
      {
        name: 'huge text (600 000-character body)',
        key: `${runId}-ev-huge`,
        value: JSON.stringify({ ...makeArticle(40_001, [], runId), body: hugeBody }),
        code: 'EVENT_SCHEMA',
        match: /body/,
      },
      { name: 'deeply nested JSON', key: `${runId}-ev-deep`, value: `${'['.repeat(20_000)}${']'.repeat(20_000)}`, code: 'EVENT_SCHEMA' },
      { name: 'tombstone (null value)', key: `${runId}-ev-null`, value: null, code: 'EVENT_SCHEMA' },
    ];
    await producer.send({ topic: topics.articles, messages: cases.map((c) => ({ key: c.key, value: c.value })) });
    const next = makeArticle(40_003, [], runId);
    await producer.send({
      topic: topics.articles,
      messages: [bigButValid, next].map((a) => ({ key: a.articleId, value: encode(ArticleEvent, a) })),
    });
    await waitFor(
      () => (cases.every((c) => dead.items.some((d) => d.articleId === c.key)) ? true : undefined),
      60_000,
      'a dead letter per invalid event',
      300,
    ).catch(() => undefined);
    const problems: string[] = [];
    for (const c of cases) {
      const d = dead.items.find((x) => x.articleId === c.key);
      const ok =
        !!d &&
        d.code === c.code &&
        d.stage === 'extract' &&
        d.origin.topic === topics.articles &&
        (c.match ? c.match.test(d.reason) : d.reason.length > 0);
      summary.hostile({
        kind: 'event',
        input: c.name,
        outcome: d ? `dead letter ${d.code}: ${d.reason.slice(0, 120)}` : 'no dead letter',
        ok,
      });
      if (!ok) problems.push(`${c.name}: expected ${c.code}, got ${d ? `${d.code}: ${d.reason}` : 'nothing'}`);
    }
    const hugeDl = dead.items.find((x) => x.articleId === `${runId}-ev-huge`);
    assert.ok((hugeDl?.payload.length ?? 0) <= 64 * 1024 + 64, 'the dead letter keeps at most 64 KiB of the payload');
    await waitFor(
      () => ([next.articleId, bigButValid.articleId].every((id) => fused.items.some((f) => f.articleId === id)) ? true : undefined),
      90_000,
      'the valid events after the invalid ones',
      300,
    );
    summary.hostile({ kind: 'event', input: 'big but valid text (60 000-character body)', outcome: 'fused', ok: true });
    assert.deepEqual(problems, []);
  });

  aftermathTest(rig);
});
