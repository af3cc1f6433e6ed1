/**
 * Hostile HTTP requests: ingest's push API (POST /articles) with missing/wrong tokens and hostile
 * bodies, and the dashboard with missing/wrong tokens.
 * Each: no crash, a clear error, a dead letter (or a `failed` image record, or an HTTP 4xx) carrying
 * the reason, and the next item is processed; the last test checks that no secret reached the services'
 * logs. Shared set-up in tests/hostile/rig.ts, the corpus in tests/fixtures/hostile.ts.
 */
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@newsfuse/testkit/harness';
import { HOSTILE_TIMEOUT_MS, aftermathTest, useHostileRig } from './rig.ts';

describe('hostile inputs: HTTP', { timeout: HOSTILE_TIMEOUT_MS }, () => {
  const rig = useHostileRig('hostile-http', { services: ['ingest', 'dashboard'] });

  test('push API: missing or wrong tokens are refused; hostile bodies get a 4xx with the reason', async () => {
    const { services, runId, pushToken, articles, summary } = rig;
    const url = `${services.get('ingest')!.url}/articles`;
    const good = { url: `https://news.example.org/${runId}/pushed`, title: 'Pushed article about the harbour' };
    const post = (headers: Record<string, string>, body: string): Promise<Response> =>
      body.length > 1024 * 1024
        ? postLarge(url, { 'content-type': 'application/json', ...headers }, body)
        : fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
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
      const body = (await res.json()) as { error?: { code?: string } };
      const ok = res.status === 401 && body.error?.code === 'AUTH_REQUIRED' && res.headers.get('www-authenticate') === 'Bearer';
      summary.hostile({ kind: 'auth (push)', input: name, outcome: `HTTP ${res.status} ${body.error?.code ?? ''}`, ok });
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
      const json = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
      const ok = res.status === status && (!code || json.error?.code === code);
      summary.hostile({
        kind: 'push body',
        input: name,
        outcome: `HTTP ${res.status} ${json.error?.code ?? ''}: ${json.error?.message ?? ''}`,
        ok,
      });
      if (!ok) problems.push(`${name}: HTTP ${res.status} ${json.error?.code}`);
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

  test('dashboard: missing or wrong tokens are refused', async () => {
    const { services, dashboardToken, summary } = rig;
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

  aftermathTest(rig);
});

/**
 * POST an oversized body the way a careful client does (as with `Expect: 100-continue`): the headers
 * first, the body only if no answer came within a moment. The server refuses it from its
 * Content-Length without reading it; a client that keeps writing meanwhile can have the 413 reset away
 * (EPIPE/ECONNRESET) before it reads it — a race of the test, not of the server.
 */
function postLarge(url: string, headers: Record<string, string>, body: string): Promise<Response> {
  const u = new URL(url);
  const payload = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    let bodyTimer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      const head = [`POST ${u.pathname} HTTP/1.1`, `host: ${u.host}`, `content-length: ${payload.length}`, 'connection: close'];
      for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      bodyTimer = setTimeout(() => socket.write(payload), 2000);
    });
    socket.on('data', (d: Buffer) => {
      clearTimeout(bodyTimer);
      chunks.push(d);
    });
    socket.on('error', (err) => (chunks.length > 0 ? undefined : reject(err)));
    socket.on('close', () => {
      clearTimeout(bodyTimer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1]);
      if (split < 0 || !Number.isFinite(status)) return reject(new Error(`no HTTP response: ${raw.slice(0, 200)}`));
      let text = raw.slice(split + 4);
      if (/\r\ntransfer-encoding: chunked/i.test(raw.slice(0, split))) {
        let out = '';
        for (let i = 0; i < text.length;) {
          const eol = text.indexOf('\r\n', i);
          const size = parseInt(text.slice(i, eol), 16);
          if (!size) break;
          out += text.slice(eol + 2, eol + 2 + size);
          i = eol + 2 + size + 2;
        }
        text = out;
      }
      resolve(new Response(text, { status }));
    });
  });
}
