/**
 * Hostile feeds → ingest's poller (FEEDS on a loopback server): XML bomb, XXE, 50 MB, gzip bomb, wrong
 * content types, invalid encodings, a redirect to a host that is not allowed; the good feed after them
 * is published.
 * Each: no crash, a clear error, a dead letter (or a `failed` image record, or an HTTP 4xx) carrying
 * the reason, and the next item is processed; the last test checks that no secret reached the services'
 * logs. Shared set-up in tests/hostile/rig.ts, the corpus in tests/fixtures/hostile.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@newsfuse/testkit/harness';
import { HOSTILE_TIMEOUT_MS, aftermathTest, useHostileRig } from './rig.ts';

describe('hostile inputs: feeds', { timeout: HOSTILE_TIMEOUT_MS }, () => {
  const rig = useHostileRig('hostile-feeds', { services: ['ingest'], pollFeeds: true });

  test('feeds: each hostile feed is dead-lettered by ingest with its reason; good feeds are published', async () => {
    const { server, dead, articles, summary } = rig;
    const feedUrl = (path: string) => `${server.url}${path}`;
    const refused = server.feeds.filter((f) => f.code);
    await waitFor(
      () => (refused.every((f) => dead.items.some((d) => d.stage === 'ingest' && d.origin.url === feedUrl(f.path))) ? true : undefined),
      90_000,
      'a dead letter for every hostile feed',
      300,
    ).catch(() => undefined);
    const problems: string[] = [];
    for (const f of refused) {
      const d = dead.items.find((x) => x.stage === 'ingest' && x.origin.url === feedUrl(f.path));
      const ok = !!d && d.code === f.code && d.reason.length > 0;
      summary.hostile({ kind: 'feed', input: f.name, outcome: d ? `dead letter ${d.code}: ${d.reason}` : 'no dead letter', ok });
      if (!ok) problems.push(`${f.name}: expected ${f.code}, got ${d ? `${d.code}: ${d.reason}` : 'nothing'}`);
    }
    // The good feed, and the accepted-by-design ones, are published (the poller went on to the next feed).
    const goodTitles = server.goodFeed.titles;
    await waitFor(
      () => (goodTitles.every((t) => articles.items.some((a) => a?.title === t)) ? true : undefined),
      60_000,
      'the good feed after the hostile ones',
      300,
    );
    for (const f of server.feeds.filter((x) => x.accepted)) {
      const published = articles.items.filter((a) => a?.source.feedUrl === feedUrl(f.path));
      const ok = published.length > 0 && !dead.items.some((d) => d.origin.url === feedUrl(f.path));
      summary.hostile({
        kind: 'feed',
        input: f.name,
        outcome: `${f.accepted} (${published.length} published: ${JSON.stringify(published[0]?.title)})`,
        ok,
      });
      if (!ok) problems.push(`${f.name}: expected to be accepted`);
    }
    const utf8 = articles.items.find((a) => a?.source.feedUrl === feedUrl('/feed/invalid-utf8.xml'));
    assert.match(utf8?.title ?? '', /\uFFFD/, 'bad UTF-8 bytes become U+FFFD');
    assert.equal(server.requests.get('/evil.dtd') ?? 0, 0, 'no DTD was ever fetched');
    assert.deepEqual(problems, []);
    const billion = dead.items.find((d) => d.origin.url === feedUrl('/feed/billion-laughs.xml'));
    assert.match(billion?.reason ?? '', /entit/i, 'the XML bomb is refused because of its entities');
    const huge = dead.items.find((d) => d.origin.url === feedUrl('/feed/50mb.xml'));
    assert.match(huge?.reason ?? '', /exceeds \d+ bytes/);
  });

  aftermathTest(rig);
});
