import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { safeFetch, blockedRange, ssrfPolicyOf, parseRetryAfter, guardedLookup, type Resolver } from './net.ts';
import { FetchError } from './errors.ts';

let server: http.Server;
let base: string;
let port: number;
let connections = 0;
const requests: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const u = new URL(req.url ?? '/', 'http://x');
    switch (u.pathname) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', etag: '"v1"' });
        res.end('hello');
        return;
      case '/gzip':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        res.end(zlib.gzipSync('compressed hello'));
        return;
      case '/bomb':
        // 2 MB of zeros compresses to a few KB: the limit applies to decompressed bytes.
        res.writeHead(200, { 'content-encoding': 'gzip' });
        res.end(zlib.gzipSync(Buffer.alloc(2_000_000)));
        return;
      case '/big':
        res.writeHead(200, { 'content-length': '100000' });
        res.end(Buffer.alloc(100_000));
        return;
      case '/chunked':
        res.writeHead(200);
        for (let i = 0; i < 20; i++) res.write(Buffer.alloc(10_000));
        res.end();
        return;
      case '/slow':
        res.writeHead(200);
        res.write('a');
        setTimeout(() => res.end('b'), 2_000).unref();
        return;
      case '/hang':
        return; // never answers
      case '/304':
        res.writeHead(304, { etag: '"v1"' });
        res.end();
        return;
      case '/cond':
        if (req.headers['if-none-match'] === '"v1"') {
          res.writeHead(304);
          res.end();
        } else {
          res.writeHead(200, { etag: '"v1"' });
          res.end('body');
        }
        return;
      case '/503':
        res.writeHead(503, { 'retry-after': '7' });
        res.end('busy');
        return;
      case '/429':
        res.writeHead(429, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() });
        res.end();
        return;
      case '/404':
        res.writeHead(404);
        res.end();
        return;
      case '/redirect':
        res.writeHead(302, { location: u.searchParams.get('to') ?? '/ok' });
        res.end();
        return;
      case '/loop':
        res.writeHead(301, { location: '/loop' });
        res.end();
        return;
      case '/auth':
        res.writeHead(200);
        res.end(req.headers.authorization ?? 'none');
        return;
      default:
        res.writeHead(500);
        res.end();
    }
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const local = { timeoutMs: 3_000, maxBytes: 50_000, allowHosts: ['127.0.0.1'] };

async function rejectsWith(p: Promise<unknown>, code: string, check?: (e: FetchError) => void): Promise<FetchError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof FetchError, `expected FetchError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    check?.(err);
    return err;
  }
  assert.fail(`expected ${code}`);
}

test('GET from an allowed local host returns status, headers, body and content type', async () => {
  const r = await safeFetch(`${base}/ok`, local);
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'hello');
  assert.equal(r.contentType, 'text/plain; charset=utf-8');
  assert.equal(r.headers.etag, '"v1"');
  assert.equal(r.url, `${base}/ok`);
});

test('gzip bodies are decoded; the byte limit applies after decompression', async () => {
  const r = await safeFetch(`${base}/gzip`, local);
  assert.equal(r.body.toString(), 'compressed hello');
  await rejectsWith(safeFetch(`${base}/bomb`, local), 'FETCH_TOO_LARGE');
});

test('bodies past maxBytes abort with FETCH_TOO_LARGE (declared and streamed)', async () => {
  await rejectsWith(safeFetch(`${base}/big`, local), 'FETCH_TOO_LARGE', (e) => assert.equal(e.retriable, false));
  await rejectsWith(safeFetch(`${base}/chunked`, local), 'FETCH_TOO_LARGE');
});

test('timeouts abort with a retriable FETCH_TIMEOUT (headers and body phases)', async () => {
  await rejectsWith(safeFetch(`${base}/hang`, { ...local, timeoutMs: 200 }), 'FETCH_TIMEOUT', (e) => assert.equal(e.retriable, true));
  await rejectsWith(safeFetch(`${base}/slow`, { ...local, timeoutMs: 300 }), 'FETCH_TIMEOUT');
});

test('304 returns status 304 with an empty body; conditional headers are sent', async () => {
  const r = await safeFetch(`${base}/304`, local);
  assert.equal(r.status, 304);
  assert.equal(r.body.length, 0);
  const c = await safeFetch(`${base}/cond`, { ...local, headers: { 'If-None-Match': '"v1"' } });
  assert.equal(c.status, 304);
});

test('non-2xx is FETCH_HTTP: retriable for 429/5xx with retryAfter seconds, not for 404', async () => {
  await rejectsWith(safeFetch(`${base}/503`, local), 'FETCH_HTTP', (e) => {
    assert.equal(e.retriable, true);
    assert.equal(e.details?.status, 503);
    assert.equal(e.details?.retryAfter, 7);
  });
  await rejectsWith(safeFetch(`${base}/429`, local), 'FETCH_HTTP', (e) => {
    assert.equal(e.retriable, true);
    const ra = e.details?.retryAfter as number;
    assert.ok(ra >= 28 && ra <= 31, `retryAfter ${ra}`);
  });
  await rejectsWith(safeFetch(`${base}/404`, local), 'FETCH_HTTP', (e) => assert.equal(e.retriable, false));
});

test('redirects are followed by hand, relative locations resolved, with a hop limit', async () => {
  const r = await safeFetch(`${base}/redirect?to=/ok`, local);
  assert.equal(r.status, 200);
  assert.equal(r.url, `${base}/ok`);
  assert.equal(r.redirects, 1);
  await rejectsWith(safeFetch(`${base}/loop`, { ...local, maxRedirects: 3 }), 'FETCH_HTTP');
});

test('HEAD returns headers only', async () => {
  const r = await safeFetch(`${base}/ok`, { ...local, method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 0);
});

test('bad URLs and schemes are FETCH_BAD_URL', async () => {
  await rejectsWith(safeFetch('not a url', local), 'FETCH_BAD_URL');
  await rejectsWith(safeFetch('ftp://example.com/x', local), 'FETCH_BAD_URL');
  await rejectsWith(safeFetch('file:///etc/passwd', local), 'FETCH_BAD_URL');
});

test('connection refused is a retriable FETCH_NETWORK; DNS failure too', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const p = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await rejectsWith(safeFetch(`http://127.0.0.1:${p}/`, local), 'FETCH_NETWORK', (e) => assert.equal(e.retriable, true));
  const nx: Resolver = async () => {
    throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' });
  };
  await rejectsWith(safeFetch('http://nowhere.test/', { ...local, resolver: nx }), 'FETCH_NETWORK');
});

test('SSRF: loopback is refused before connecting unless allow-listed', async () => {
  const before = connections;
  await rejectsWith(safeFetch(`${base}/ok`, { timeoutMs: 1_000, maxBytes: 1_000 }), 'FETCH_BLOCKED', (e) =>
    assert.equal(e.retriable, false),
  );
  assert.equal(connections, before, 'no connection was made');
});

test('SSRF: literal private, link-local, metadata, CGNAT, IPv6 and mapped forms are refused before connecting', async () => {
  const targets = [
    'http://10.0.0.1/',
    'http://172.16.5.4/',
    'http://172.31.255.255/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1/',
    'http://127.1.2.3/',
    'http://0.0.0.0/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://2130706433/', // 127.0.0.1 as a decimal integer
    'http://0x7f.1/', // 127.0.0.1, hex shorthand
    'http://0251.0376.0251.0376/', // 169.254.169.254 in octal
    'http://[::1]/',
    'http://[::]/',
    'http://[fc00::1]/',
    'http://[fd12:3456::1]/',
    'http://[fe80::1]/',
    'http://[ff02::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:10.0.0.1]/',
    'http://[64:ff9b::a9fe:a9fe]/', // NAT64 of 169.254.169.254
  ];
  let resolverCalls = 0;
  const resolver: Resolver = async () => {
    resolverCalls++;
    return [{ address: '127.0.0.1', family: 4 }];
  };
  for (const url of targets) {
    await rejectsWith(safeFetch(url, { timeoutMs: 1_000, maxBytes: 1_000, resolver }), 'FETCH_BLOCKED');
  }
  assert.equal(resolverCalls, 0, 'literal addresses are refused before any lookup or connect');
});

test('SSRF: a DNS name resolving to a private address is refused at connect time (rebinding-safe)', async () => {
  const before = connections;
  for (const address of ['10.1.2.3', '169.254.169.254', '127.0.0.1', '::1', '::ffff:192.168.0.1', 'fd00::5']) {
    const resolver: Resolver = async () => [{ address, family: address.includes(':') ? 6 : 4 }];
    await rejectsWith(safeFetch(`http://rebind.test:${port}/ok`, { timeoutMs: 1_000, maxBytes: 1_000, resolver }), 'FETCH_BLOCKED', (e) => {
      assert.equal(e.details?.address, address);
    });
  }
  assert.equal(connections, before);
});

test('SSRF: an allow-listed host name is fetched via the injected resolver', async () => {
  const resolver: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
  const r = await safeFetch(`http://feeds.test:${port}/ok`, { timeoutMs: 2_000, maxBytes: 1_000, resolver, allowHosts: ['feeds.test'] });
  assert.equal(r.body.toString(), 'hello');
});

test('SSRF: every redirect hop is re-checked (literal metadata address and private DNS name)', async () => {
  const beforeReq = requests.length;
  await rejectsWith(
    safeFetch(`${base}/redirect?to=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`, local),
    'FETCH_BLOCKED',
  );
  const resolver: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
  await rejectsWith(
    safeFetch(`${base}/redirect?to=${encodeURIComponent(`http://internal.test:${port}/ok`)}`, { ...local, resolver }),
    'FETCH_BLOCKED',
  );
  assert.equal(requests.length - beforeReq, 2, 'only the two redirecting requests reached the server');
});

test('credentials are not forwarded across origins on redirect', async () => {
  const resolver: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
  const r = await safeFetch(`${base}/redirect?to=${encodeURIComponent(`http://other.test:${port}/auth`)}`, {
    ...local,
    allowHosts: ['127.0.0.1', 'other.test'],
    resolver,
    headers: { Authorization: 'Bearer secret' },
  });
  assert.equal(r.body.toString(), 'none');
});

test('guardedLookup filters blocked addresses out of a mixed answer', async () => {
  const resolver: Resolver = async () => [
    { address: '10.0.0.1', family: 4 },
    { address: '93.184.216.34', family: 4 },
  ];
  const lookup = guardedLookup('http://mixed.test/', {}, resolver);
  const got = await new Promise<unknown>((resolve, reject) =>
    lookup('mixed.test', { all: true }, (err, addrs) => (err ? reject(err) : resolve(addrs))),
  );
  assert.deepEqual(got, [{ address: '93.184.216.34', family: 4 }]);
});

test('blockedRange classifies addresses', () => {
  assert.equal(blockedRange('8.8.8.8'), null);
  assert.equal(blockedRange('2606:4700::1111'), null);
  assert.equal(blockedRange('::ffff:8.8.8.8'), null);
  assert.equal(blockedRange('10.0.0.1'), 'private');
  assert.equal(blockedRange('100.100.1.1'), 'carrierGradeNat');
  assert.equal(blockedRange('169.254.169.254'), 'linkLocal');
  assert.equal(blockedRange('::ffff:127.0.0.1'), 'ipv4Mapped:loopback');
  assert.equal(blockedRange('fe80::1%eth0'), 'linkLocal');
  // IPv4-compatible IPv6 (::a.b.c.d) is 'unicast' to ipaddr.js, and was let through.
  assert.equal(blockedRange('::7f00:1'), 'ipv4Compatible'); // what new URL('http://[::127.0.0.1]/') yields
  assert.equal(blockedRange('::a9fe:a9fe'), 'ipv4Compatible');
  assert.equal(blockedRange('::808:808'), 'ipv4Compatible');
  assert.equal(blockedRange('nonsense'), 'invalid');
});

test('ssrfPolicyOf and parseRetryAfter', () => {
  assert.deepEqual(ssrfPolicyOf({ NEWSFUSE_FETCH_ALLOW_PRIVATE: false, NEWSFUSE_FETCH_ALLOW_HOSTS: '' }), {
    allowPrivate: false,
    allowHosts: [],
  });
  assert.deepEqual(ssrfPolicyOf({ NEWSFUSE_FETCH_ALLOW_PRIVATE: true, NEWSFUSE_FETCH_ALLOW_HOSTS: '127.0.0.1, LocalHost,' }), {
    allowPrivate: true,
    allowHosts: ['127.0.0.1', 'localhost'],
  });
  assert.equal(parseRetryAfter('120'), 120);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT')), 60);
  assert.equal(parseRetryAfter('soon'), undefined);
});
