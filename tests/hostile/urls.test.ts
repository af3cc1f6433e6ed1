/**
 * Hostile URLs → safeFetch, in this process: private, loopback, link-local/metadata, mapped and odd IP
 * forms, DNS names resolving to them (injected resolver), redirects to them, bad schemes. Each is
 * refused with its code.
 *
 * Nothing is ever sent to a non-loopback address: DNS is an injected resolver, and while the URL
 * cases run, a connect guard in this process refuses (and records) any non-loopback connection.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import dns from 'node:dns';
import net from 'node:net';
import { FetchError, safeFetch, type Resolver } from '@newsfuse/shared';
import { createSummary } from '../chaos.harness.ts';
import { HOSTILE_TIMEOUT_MS } from './rig.ts';

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

describe('hostile inputs: URLs', { timeout: HOSTILE_TIMEOUT_MS }, () => {
  const summary = createSummary('hostile-urls');
  after(() => summary.write());

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
});
