/**
 * Hostile inputs, against the real services (each its own process) on the shared broker and Redis:
 *   URLs   → safeFetch (in this process): private, loopback, link-local/metadata, mapped and odd IP
 *            forms, DNS names resolving to them (injected resolver), redirects to them, bad schemes;
 *   feeds  → ingest's poller (FEEDS on a loopback server): XML bomb, XXE, 50 MB, gzip bomb, wrong
 *            content types, invalid encodings, a redirect to a host that is not allowed;
 *   push   → POST /articles with missing/wrong tokens and hostile bodies;
 *   images → extract's image worker: corrupt/truncated JPEG and PNG, 0 bytes, a 20000×20000 bomb,
 *            SVG with a script, a non-image with an image name, too many bytes, a blocked redirect;
 *   events → news.articles.v1: invalid JSON, binary, wrong schema version, wrong schema, huge text,
 *            a tombstone;
 *   dashboard → missing/wrong tokens.
 * Each: no crash, a clear error, a dead letter (or a `failed` image record, or an HTTP 4xx) carrying
 * the reason, and the next item is processed. Secrets never appear in the services' logs.
 *
 * Nothing is ever sent to a non-loopback address: DNS is an injected resolver, and while the URL
 * cases run, a connect guard in this process refuses (and records) any non-loopback connection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import dns from 'node:dns';
import net from 'node:net';
import { join } from 'node:path';
import type kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import {
  ArticleEvent,
  DeadLetter,
  FetchError,
  FusedEvent,
  createKafka,
  createLogger,
  decode,
  encode,
  ensureTopics,
  safeFetch,
  topicsFor,
  type Resolver,
} from '@newsfuse/shared';
import { OUTPUT, collectTopic, getInfra, startService, uniqueId, waitFor, type ServiceHandle } from '@newsfuse/testkit/harness';
import { FULL, createSummary } from './chaos.harness.ts';
import { startHostileServer, type HostileServer } from './fixtures/hostile.ts';
import { makeArticle } from './fixtures/articles.ts';

// ------------------------------------------------------------------------------------------ connect guard

const isLoopback = (ip: string) => {
  const a = ip.replace(/^\[|\]$/g, '').toLowerCase();
  return a === '::1' || /^127\./.test(a) || /^::ffff:127\./.test(a);
};

/**
 * Refuses, in this process, every TCP connection to an address for which `forbidden` is true — both
 * IP literals and whatever a lookup returns (the lookup is wrapped, so the refusal happens before
 * connect() whatever the address family logic does). Returns the refused addresses.
 */
function installConnectGuard(forbidden: (ip: string) => boolean = (ip) => !isLoopback(ip)) {
  const refused: string[] = [];
  const proto = net.Socket.prototype as unknown as { connect: (...args: unknown[]) => unknown };
  const original = proto.connect;
  type LookupFn = (host: string, opts: unknown, cb: (err: Error | null, address: unknown, family?: number) => void) => void;
  proto.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const first = (Array.isArray(args[0]) ? args[0][0] : args[0]) as
      { host?: string; path?: string; lookup?: LookupFn } | number | undefined;
    if (typeof first === 'object' && first && !first.path) {
      const host = first.host ?? 'localhost';
      if (net.isIP(host.replace(/^\[|\]$/g, '')) && forbidden(host)) {
        refused.push(host);
        throw new Error(`connect guard: refused ${host}`);
      }
      const inner: LookupFn = first.lookup ?? (dns.lookup as unknown as LookupFn);
      first.lookup = (hostname, opts, cb) =>
        inner(hostname, opts, (err, address, family) => {
          if (err) return cb(err, address, family);
          const list = Array.isArray(address) ? (address as { address: string }[]).map((a) => a.address) : [String(address)];
          const bad = list.filter(forbidden);
          if (bad.length > 0) {
            refused.push(...bad);
            return cb(Object.assign(new Error(`connect guard: refused ${bad.join(', ')}`), { code: 'EGUARD' }), '', 0);
          }
          cb(null, address, family);
        });
    }
    return original.apply(this, args);
  };
  return {
    refused,
    restore() {
      proto.connect = original;
    },
  };
}

// ------------------------------------------------------------------------------------------ the suite

describe('hostile inputs', { timeout: FULL ? 1_200_000 : 600_000 }, () => {
  const runId = uniqueId('hostile');
  const summary = createSummary('hostile');
  const topics = topicsFor({ TOPIC_SUFFIX: runId });
  const pushToken = `push-${randomBytes(18).toString('hex')}`;
  const dashboardToken = `dash-${randomBytes(18).toString('hex')}`;
  const services = new Map<string, ServiceHandle>();
  const logTag = (name: string) => `${runId}-${name}`;
  let server: HostileServer;
  let redis: Redis;
  let kafka: ReturnType<typeof createKafka>;
  let producer: kafkajs.Producer;
  let dead: Awaited<ReturnType<typeof collectTopic<DeadLetter>>>;
  let fused: Awaited<ReturnType<typeof collectTopic<FusedEvent>>>;
  let articles: Awaited<ReturnType<typeof collectTopic<ArticleEvent>>>;

  const base: Record<string, string> = {
    TOPIC_SUFFIX: runId,
    NEWSFUSE_PREFIX: runId,
    KAFKA_PARTITIONS: '3',
    // The most talkative level, so that the secret check below has the most to look through.
    LOG_LEVEL: 'debug',
    NEWSFUSE_FETCH_ALLOW_HOSTS: '127.0.0.1',
    TEXT_EMBEDDINGS: 'false',
    IMAGE_ANALYSIS: 'basic',
    IMAGE_MAX_BYTES: String(1024 * 1024),
    IMAGE_TIMEOUT_MS: '5000',
    JOB_ATTEMPTS: '2',
    JOB_BACKOFF_MS: '100',
  };

  before(async () => {
    const infra = await getInfra();

    Object.assign(base, { KAFKA_BROKERS: infra.brokers, REDIS_URL: infra.redisUrl });
    redis = new Redis(infra.redisUrl);
    server = await startHostileServer();
    kafka = createKafka({ KAFKA_BROKERS: infra.brokers, KAFKA_CLIENT_ID: 'hostile' }, createLogger('hostile', 'error'));
    await ensureTopics(kafka, Object.values(topics), 3);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    [dead, fused, articles] = await Promise.all([
      collectTopic(infra.brokers, topics.deadletter, (v) => decode(DeadLetter, v)),
      collectTopic(infra.brokers, topics.fused, (v) => decode(FusedEvent, v)),
      collectTopic(infra.brokers, topics.articles, (v) => {
        try {
          return decode(ArticleEvent, v);
        } catch {
          return undefined as unknown as ArticleEvent; // the hostile events themselves
        }
      }),
    ]);
    const feeds = [...server.feeds.map((f) => f.path), server.goodFeed.path].map((p) => `${server.url}${p}`).join(',');
    const envs: Record<string, Record<string, string>> = {
      ingest: {
        ...base,
        FEEDS: feeds,
        PUSH_TOKEN: pushToken,
        POLL_CONCURRENCY: '4',
        POLL_PER_HOST_CONCURRENCY: '4',
        POLL_PER_HOST_GAP_MS: '0',
        FEED_TIMEOUT_MS: '20000',
      },
      extract: base,
      fuse: base,
      dashboard: { ...base, DASHBOARD_TOKEN: dashboardToken },
    };
    await Promise.all(
      Object.entries(envs).map(async ([name, env]) => {
        const h = await startService(name, env, logTag(name));
        h.child.once('exit', (code, signal) => {
          if (!stopping) {
            summary.crash();
            process.stderr.write(`hostile: ${name} exited on its own: ${code ?? signal}\n`);
          }
        });
        services.set(name, h);
      }),
    );
  });

  let stopping = false;
  after(async () => {
    stopping = true;
    await Promise.allSettled([...services.values()].map((s) => s.stop()));
    await Promise.allSettled([dead?.stop(), fused?.stop(), articles?.stop(), producer?.disconnect(), server?.close()]);
    if (kafka) {
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
      await admin.disconnect();
    }
    if (redis) {
      const keys = await redis.keys(`${runId}:*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      redis.disconnect();
    }
    summary.write();
  });

  // ---------------------------------------------------------------------------------------- URLs

  test('URLs: safeFetch refuses private, loopback, link-local and metadata addresses — direct, via DNS, via redirects', async () => {
    // The guard under test must stop these; the connect guard makes sure nothing leaves even if it did not.
    const selfTest = installConnectGuard((ip) => ip === '127.0.0.2');
    try {
      const trap = createServer((_q, r) => r.end('reached')).listen(0, '127.0.0.2');
      await new Promise((r) => trap.once('listening', r));
      const port = (trap.address() as net.AddressInfo).port;
      const guarded = await safeFetch(`http://trap.test:${port}/`, {
        timeoutMs: 2000,
        maxBytes: 1024,
        allowPrivate: true,
        resolver: async () => [{ address: '127.0.0.2', family: 4 }],
      }).then(
        () => 'reached',
        (e: unknown) => String(e),
      );
      trap.close();
      assert.match(guarded, /connect guard/, 'the connect guard itself works (on loopback)');
    } finally {
      selfTest.restore();
    }

    let hits = 0;
    const local: Server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === '/ok') {
        hits++;
        return res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }
      if (u.pathname === '/to') return res.writeHead(Number(u.searchParams.get('s') ?? 302), { location: u.searchParams.get('u')! }).end();
      const chain = /^\/chain\/(\d+)$/.exec(u.pathname);
      if (chain) return res.writeHead(302, { location: `/chain/${Number(chain[1]) + 1}` }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
    const P = (local.address() as net.AddressInfo).port;
    const dnsTable: Record<string, string[]> = {
      localhost: ['127.0.0.1'],
      'metadata.google.internal': ['169.254.169.254'],
      'instance-data.ec2.internal': ['169.254.169.254'],
      'intranet.corp.test': ['10.1.2.3'],
      'both.test': ['192.168.1.10', 'fd12::1'],
      'v6.test': ['::1'],
      'mapped.test': ['::ffff:10.0.0.1'],
      'allowed.test': ['127.0.0.1'],
    };
    const asked: string[] = [];
    const resolver: Resolver = async (host) => {
      asked.push(host);
      const list = dnsTable[host.toLowerCase()];
      if (!list) throw Object.assign(new Error(`no such host ${host} (test resolver)`), { code: 'ENOTFOUND' });
      return list.map((address) => ({ address, family: net.isIP(address) }));
    };
    const to = (target: string, status = 302) => `http://127.0.0.1:${P}/to?s=${status}&u=${encodeURIComponent(target)}`;
    const cases: { input: string; code: string; via?: string; allowHosts?: string[]; match?: RegExp }[] = [
      // literal addresses
      ...['10.0.0.1', '172.16.0.1', '192.168.0.1', '100.64.0.1', '169.254.169.254', '224.0.0.1', '255.255.255.255'].map((ip) => ({
        input: `http://${ip}/latest/meta-data/`,
        code: 'FETCH_BLOCKED',
      })),
      ...[`127.0.0.1:${P}`, `[::1]:${P}`, `0.0.0.0:${P}`, `2130706433:${P}`, `0x7f000001:${P}`, `0177.0.0.1:${P}`, `127.1:${P}`].map(
        (h) => ({
          input: `http://${h}/ok`,
          code: 'FETCH_BLOCKED',
        }),
      ),
      ...['[::ffff:169.254.169.254]', '[::ffff:a9fe:a9fe]', '[fd00:ec2::254]', '[fe80::1]', '[64:ff9b::a9fe:a9fe]', '[::127.0.0.1]'].map(
        (h) => ({
          input: `http://${h}/latest/meta-data/`,
          code: 'FETCH_BLOCKED',
        }),
      ),
      // DNS names that resolve to blocked addresses
      ...Object.keys(dnsTable)
        .filter((h) => h !== 'allowed.test')
        .map((h) => ({ input: `http://${h}:${P}/ok`, code: 'FETCH_BLOCKED' })),
      // redirects from an allowed host to blocked ones
      ...[
        'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
        `http://[::ffff:127.0.0.1]:${P}/ok`,
        `http://localhost:${P}/ok`,
        `http://metadata.google.internal/computeMetadata/v1/`,
        'http://10.0.0.1/admin',
        'http://intranet.corp.test/',
      ].map((target) => ({ input: to(target), via: target, code: 'FETCH_BLOCKED', allowHosts: ['127.0.0.1'] })),
      { input: to(`http://169.254.169.254/`, 307), via: '307 → metadata', code: 'FETCH_BLOCKED', allowHosts: ['127.0.0.1'] },
      { input: to('file:///etc/passwd'), via: 'file:///etc/passwd', code: 'FETCH_BAD_URL', allowHosts: ['127.0.0.1'] },
      { input: to(`gopher://127.0.0.1:${P}/_x`), via: 'gopher://', code: 'FETCH_BAD_URL', allowHosts: ['127.0.0.1'] },
      {
        input: `http://127.0.0.1:${P}/chain/0`,
        via: 'endless redirects',
        code: 'FETCH_HTTP',
        allowHosts: ['127.0.0.1'],
        match: /too many redirects/,
      },
      // schemes
      ...['file:///etc/passwd', `ftp://127.0.0.1:${P}/`, 'data:text/plain,hello', 'javascript:alert(1)'].map((input) => ({
        input,
        code: 'FETCH_BAD_URL',
      })),
    ];

    const guard = installConnectGuard();
    const results: string[] = [];
    try {
      for (const c of cases) {
        let outcome: string;
        let ok: boolean;
        try {
          const res = await safeFetch(c.input, {
            timeoutMs: 3000,
            maxBytes: 64 * 1024,
            resolver,
            ...(c.allowHosts ? { allowHosts: c.allowHosts } : {}),
          });
          outcome = `fetched (HTTP ${res.status})`;
          ok = false;
        } catch (err) {
          const e = err as FetchError;
          outcome = `${e.code}: ${e.message}`;
          ok = e instanceof FetchError && e.code === c.code && (c.match ? c.match.test(e.message) : true);
          if (ok && c.code === 'FETCH_BLOCKED') ok = /refused to connect/.test(e.message);
        }
        summary.hostile({ kind: 'url', input: c.via ? `redirect → ${c.via}` : c.input, outcome, ok });
        if (!ok) results.push(`${c.input}: expected ${c.code}, got ${outcome}`);
      }
      // Controls: the same server, when allowed, answers — so the refusals above are the guard's doing.
      const allowedByIp = await safeFetch(`http://127.0.0.1:${P}/ok`, {
        timeoutMs: 3000,
        maxBytes: 1024,
        resolver,
        allowHosts: ['127.0.0.1'],
      });
      const allowedByName = await safeFetch(`http://allowed.test:${P}/ok`, {
        timeoutMs: 3000,
        maxBytes: 1024,
        resolver,
        allowHosts: ['allowed.test'],
      });
      assert.equal(allowedByIp.body.toString(), 'ok');
      assert.equal(allowedByName.body.toString(), 'ok');
    } finally {
      guard.restore();
      local.close();
    }
    assert.deepEqual(results, [], 'every hostile URL is refused with its code');
    assert.equal(hits, 2, 'only the two allowed control requests reached /ok');
    assert.deepEqual(guard.refused, [], 'no connection to a non-loopback address was even attempted');
    assert.ok(asked.includes('metadata.google.internal'), 'names went through the injected resolver');
  });

  // ---------------------------------------------------------------------------------------- feeds

  test('feeds: each hostile feed is dead-lettered by ingest with its reason; good feeds are published', async () => {
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

  // ---------------------------------------------------------------------------------------- push API

  test('push API: missing or wrong tokens are refused; hostile bodies get a 4xx with the reason', async () => {
    const url = `${services.get('ingest')!.url}/articles`;
    const good = { url: `https://news.example.org/${runId}/pushed`, title: 'Pushed article about the harbour' };
    const post = (headers: Record<string, string>, body: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const authCases: [string, Record<string, string>][] = [
      ['no Authorization header', {}],
      ['wrong token', { authorization: 'Bearer not-the-token-at-all-000000' }],
      ['token with a suffix', { authorization: `Bearer ${pushToken}x` }],
      ['token prefix only', { authorization: `Bearer ${pushToken.slice(0, 20)}` }],
      ['empty Bearer', { authorization: 'Bearer ' }],
      ['Basic scheme with the token', { authorization: `Basic ${Buffer.from(`user:${pushToken}`).toString('base64')}` }],
      ['token as a cookie', { cookie: `token=${pushToken}` }],
    ];
    const problems: string[] = [];
    for (const [name, headers] of authCases) {
      const res = await post(headers, JSON.stringify(good));
      const body = (await res.json()) as { error?: string };
      const ok = res.status === 401 && body.error === 'AUTH_REQUIRED' && res.headers.get('www-authenticate') === 'Bearer';
      summary.hostile({ kind: 'auth (push)', input: name, outcome: `HTTP ${res.status} ${body.error ?? ''}`, ok });
      if (!ok) problems.push(`${name}: HTTP ${res.status}`);
    }
    const queryToken = await fetch(`${url}?token=${pushToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(good),
    });
    summary.hostile({
      kind: 'auth (push)',
      input: 'token in the query string',
      outcome: `HTTP ${queryToken.status}`,
      ok: queryToken.status === 401,
    });
    if (queryToken.status !== 401) problems.push('token in the query string accepted');

    const auth = { authorization: `Bearer ${pushToken}` };
    const bodyCases: [string, string, number, string][] = [
      ['invalid JSON', '{"url": "https://x.example/1", "title": ', 400, 'EVENT_INVALID_JSON'],
      ['wrong schema (title is a number)', JSON.stringify({ ...good, title: 42 }), 400, 'EVENT_SCHEMA'],
      ['javascript: URL', JSON.stringify({ ...good, url: 'javascript:alert(1)' }), 400, 'EVENT_SCHEMA'],
      ['2 MB body', JSON.stringify({ ...good, body: 'x'.repeat(2 * 1024 * 1024) }), 413, ''],
    ];
    for (const [name, body, status, code] of bodyCases) {
      const res = await post(auth, body);
      const json = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
      const ok = res.status === status && (!code || json.error === code);
      summary.hostile({ kind: 'push body', input: name, outcome: `HTTP ${res.status} ${json.error ?? ''}: ${json.message ?? ''}`, ok });
      if (!ok) problems.push(`${name}: HTTP ${res.status} ${json.error}`);
    }
    // And the next item goes through.
    const accepted = await post(auth, JSON.stringify(good));
    assert.equal(accepted.status, 202, 'a valid push after the hostile ones is accepted');
    const { articleId } = (await accepted.json()) as { articleId: string };
    await waitFor(
      () => (articles.items.some((a) => a?.articleId === articleId) ? true : undefined),
      30_000,
      'the pushed article on the topic',
    );
    assert.deepEqual(problems, []);
  });

  // ---------------------------------------------------------------------------------------- images

  test('images: each hostile image becomes a `failed` record with its code; the next article is fused', async () => {
    const list = server.images.map((img, i) => ({
      img,
      article: makeArticle(30_000 + i, [{ url: `${server.url}${img.path}`, caption: img.name }], runId),
    }));
    const good = makeArticle(30_999, [{ url: `${server.url}${server.goodImage}`, caption: 'a good photo' }], runId);
    await producer.send({
      topic: topics.articles,
      messages: [...list.map((x) => x.article), good].map((a) => ({ key: a.articleId, value: encode(ArticleEvent, a) })),
    });
    const ids = [...list.map((x) => x.article.articleId), good.articleId];
    await waitFor(
      () => (ids.every((id) => fused.items.some((f) => f.articleId === id)) ? true : undefined),
      120_000,
      'fused events for the image articles',
      300,
    );
    const problems: string[] = [];
    for (const { img, article } of list) {
      const f = fused.items.find((x) => x.articleId === article.articleId)!;
      const rec = f.images[0];
      const ok = rec?.status === 'failed' && rec.code === img.code && rec.reason.length > 0 && f.modalities.label === 'image-failed';
      summary.hostile({
        kind: 'image',
        input: img.name,
        outcome: rec?.status === 'failed' ? `failed ${rec.code}: ${rec.reason}` : `status ${rec?.status}`,
        ok,
      });
      if (!ok) problems.push(`${img.name}: expected failed ${img.code}, got ${JSON.stringify(rec).slice(0, 300)}`);
    }
    const g = fused.items.find((x) => x.articleId === good.articleId)!;
    assert.equal(g.images[0]?.status, 'ok', 'the good image after the hostile ones is analysed');
    assert.equal(g.modalities.label, 'complete');
    assert.deepEqual(problems, []);
    assert.equal(server.requests.get('/img/good.png'), 1, 'the blocked redirect to localhost never reached the image');
  });

  // ---------------------------------------------------------------------------------------- events

  test('events: invalid events on the articles topic are dead-lettered with their reason; the next one is fused', async () => {
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

  // ---------------------------------------------------------------------------------------- dashboard

  test('dashboard: missing or wrong tokens are refused', async () => {
    const url = services.get('dashboard')!.url;
    const cases: [string, string, Record<string, string>][] = [
      ['no token', '/api/overview', {}],
      ['wrong bearer token', '/api/overview', { authorization: 'Bearer wrong-token-0000000000' }],
      ['token with a suffix', '/api/overview', { authorization: `Bearer ${dashboardToken}x` }],
      ['wrong ?token=', '/api/overview?token=nope-nope-nope', {}],
      ['wrong cookie', '/api/overview', { cookie: 'nf_dashboard_token=nope-nope-nope' }],
      ['Basic scheme with the token', '/api/overview', { authorization: `Basic ${Buffer.from(`u:${dashboardToken}`).toString('base64')}` }],
      ['page without a token', '/', {}],
      ['SSE stream without a token', '/api/stream', {}],
    ];
    const problems: string[] = [];
    for (const [name, path, headers] of cases) {
      const res = await fetch(`${url}${path}`, { headers, redirect: 'manual' });
      const text = await res.text();
      const ok = res.status === 401 && !text.includes(dashboardToken);
      summary.hostile({ kind: 'auth (dashboard)', input: name, outcome: `HTTP ${res.status}`, ok });
      if (!ok) problems.push(`${name}: HTTP ${res.status}`);
    }
    const okRes = await fetch(`${url}/api/overview`, { headers: { authorization: `Bearer ${dashboardToken}` } });
    assert.equal(okRes.status, 200, 'the right token is let in');
    assert.deepEqual(problems, []);
  });

  // ---------------------------------------------------------------------------------------- aftermath

  test('no service crashed, every one is still healthy, and no secret is in any log', async () => {
    for (const [name, h] of services) {
      assert.equal(h.child.exitCode, null, `${name} is still running`);
      const res = await fetch(`${h.url}/healthz`);
      assert.equal(res.status, 200, `${name} is healthy`);
    }
    assert.equal(summary.part.crashes, 0);
    for (const name of services.keys()) {
      const log = readFileSync(join(OUTPUT, `${logTag(name)}.log`), 'utf8');
      assert.ok(log.length > 0, `${name} wrote a log`);
      for (const [what, secret] of [
        ['PUSH_TOKEN', pushToken],
        ['DASHBOARD_TOKEN', dashboardToken],
      ] as const)
        assert.ok(!log.includes(secret), `${name}'s log contains the ${what}`);
    }
  });
});
