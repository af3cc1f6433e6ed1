/**
 * safeFetch: an HTTP(S) GET/HEAD with an SSRF guard, byte and time limits, and coded errors.
 *
 * The guard runs in three places, so neither a literal address, nor DNS (rebinding), nor a redirect
 * can reach a private, loopback, link-local (cloud metadata), unspecified or multicast address:
 *  1. before connecting, on an IP-literal host (Node skips `lookup` for those);
 *  2. at connect time, in the custom `lookup` handed to the socket: the addresses DNS returned are
 *     classified (ipaddr.js) and only allowed ones reach `connect()`, so no packet leaves for a
 *     blocked address;
 *  3. on every redirect hop (redirects are followed by hand), which repeats 1 and 2.
 * As a last belt, the connected socket's remote address is classified again.
 */
import type { FetchPolicyConfig } from './config.ts';
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import net from 'node:net';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import ipaddr from 'ipaddr.js';
import { FetchError } from './errors.ts';

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** Resolves a host name to addresses; injectable so tests never touch real DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface SsrfPolicy {
  /** Turns the guard off entirely (tests only). */
  allowPrivate?: boolean;
  /** Host names (exact, case-insensitive) or IP/CIDR entries that may be fetched whatever they resolve to. */
  allowHosts?: string[];
}

export interface SafeFetchOptions extends SsrfPolicy {
  timeoutMs: number;
  maxBytes: number;
  accept?: string;
  headers?: Record<string, string>;
  maxRedirects?: number;
  signal?: AbortSignal;
  method?: 'GET' | 'HEAD';
  /** Replaces DNS resolution (tests). Defaults to dns.lookup with all addresses. */
  resolver?: Resolver;
  userAgent?: string;
}

export interface SafeFetchResult {
  status: number;
  /** The final URL, after redirects. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  contentType?: string;
  /** Redirect hops followed. */
  redirects: number;
}

export const DEFAULT_USER_AGENT = 'NewsFuse/0.1 (+news feed reader)';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The fetch policy from a process's configuration (FetchPolicyConfigSchema: NEWSFUSE_FETCH_ALLOW_PRIVATE, NEWSFUSE_FETCH_ALLOW_HOSTS). */
export function ssrfPolicyOf(
  cfg: Pick<FetchPolicyConfig, 'NEWSFUSE_FETCH_ALLOW_PRIVATE' | 'NEWSFUSE_FETCH_ALLOW_HOSTS'>,
): Required<SsrfPolicy> {
  return {
    allowPrivate: cfg.NEWSFUSE_FETCH_ALLOW_PRIVATE,
    allowHosts: cfg.NEWSFUSE_FETCH_ALLOW_HOSTS.split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  };
}

/**
 * Classifies an IP address: returns null when it is a public unicast address, otherwise the name of
 * the range that blocks it. IPv4-mapped/translated IPv6 forms are judged by their IPv4 address.
 */
export function blockedRange(address: string): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  } catch {
    return 'invalid';
  }
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    const range = v6.range();
    if (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052') {
      // ::ffff:a.b.c.d, ::ffff:0:a.b.c.d and 64:ff9b::a.b.c.d carry an IPv4 address in the last 32 bits.
      const p = v6.parts;
      const v4 = new ipaddr.IPv4([(p[6]! >> 8) & 255, p[6]! & 255, (p[7]! >> 8) & 255, p[7]! & 255]);
      const r4 = v4.range();
      return r4 === 'unicast' ? null : `${range}:${r4}`;
    }
    // Deprecated IPv4-compatible form ::a.b.c.d (first 96 bits zero, not ::/::1): ipaddr.js calls it
    // 'unicast', but it has no legitimate use and some stacks map it onto IPv4 (::127.0.0.1), so it is refused.
    if (v6.parts.slice(0, 6).every((x) => x === 0) && range === 'unicast') return 'ipv4Compatible';
    return range === 'unicast' ? null : range;
  }
  const range = (ip as ipaddr.IPv4).range();
  return range === 'unicast' ? null : range;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function hostAllowed(hostname: string, policy: SsrfPolicy): boolean {
  if (policy.allowPrivate) return true;
  const list = policy.allowHosts ?? [];
  if (list.length === 0) return false;
  const host = stripBrackets(hostname).toLowerCase();
  for (const entry of list) {
    const e = entry.trim().toLowerCase();
    if (!e) continue;
    if (e === host) return true;
    if (net.isIP(host) && e.includes('/') && ipaddr.isValidCIDR(e)) {
      try {
        const ip = ipaddr.parse(host);
        const [range, bits] = ipaddr.parseCIDR(e);
        if (ip.kind() === range.kind() && ip.match(range, bits)) return true;
      } catch {
        /* not comparable */
      }
    } else if (net.isIP(host) && net.isIP(e)) {
      try {
        if (ipaddr.parse(host).toNormalizedString() === ipaddr.parse(e).toNormalizedString()) return true;
      } catch {
        /* ignore */
      }
    }
  }
  return false;
}

function blocked(url: string, hostname: string, address: string, range: string): FetchError {
  return new FetchError('FETCH_BLOCKED', `refused to connect to ${hostname} (${address}): ${range} address`, {
    retriable: false,
    details: { url, host: hostname, address, range },
  });
}

/**
 * Checks a URL before any connection: scheme, shape, and IP-literal hosts. Host names are checked
 * later, at connect time, after resolution. Returns the parsed URL.
 */
export function checkUrl(raw: string, policy: SsrfPolicy = {}): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new FetchError('FETCH_BAD_URL', `malformed URL: ${String(raw).slice(0, 200)}`, {
      cause: err,
      details: { url: String(raw).slice(0, 2048) },
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError('FETCH_BAD_URL', `unsupported scheme ${url.protocol}`, { details: { url: raw } });
  }
  if (!url.hostname) throw new FetchError('FETCH_BAD_URL', 'URL has no host', { details: { url: raw } });
  const host = stripBrackets(url.hostname);
  if (net.isIP(host) && !hostAllowed(host, policy)) {
    const range = blockedRange(host);
    if (range) throw blocked(raw, host, host, range);
  }
  return url;
}

const defaultResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dns.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** A `lookup` for net.connect that resolves, then lets only allowed addresses through. */
export function guardedLookup(url: string, policy: SsrfPolicy, resolver: Resolver = defaultResolver) {
  return (hostname: string, options: dns.LookupOptions | number | LookupCallback, cb?: LookupCallback): void => {
    const callback = (typeof options === 'function' ? options : cb) as LookupCallback;
    const opts: dns.LookupOptions =
      typeof options === 'object' && options !== null ? options : typeof options === 'number' ? { family: options } : {};
    const allowAll = hostAllowed(hostname, policy);
    resolver(hostname).then(
      (addresses) => {
        let candidates = addresses;
        if (opts.family === 4 || opts.family === 6) candidates = candidates.filter((a) => a.family === opts.family);
        const allowed = allowAll ? candidates : candidates.filter((a) => blockedRange(a.address) === null);
        if (allowed.length === 0) {
          const first = candidates[0];
          if (!first) {
            const err = Object.assign(new Error(`no addresses for ${hostname}`), { code: 'ENOTFOUND', hostname }) as NodeJS.ErrnoException;
            callback(err, '', 0);
            return;
          }
          callback(
            blocked(url, hostname, first.address, blockedRange(first.address) ?? 'blocked') as unknown as NodeJS.ErrnoException,
            '',
            0,
          );
          return;
        }
        if (opts.all)
          callback(
            null,
            allowed.map((a) => ({ address: a.address, family: a.family })),
          );
        else callback(null, allowed[0]!.address, allowed[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

/** Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or undefined. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, Math.ceil((t - now) / 1000));
}

function flattenHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(k.toLowerCase() === 'set-cookie' ? '\n' : ', ') : String(v);
  }
  return out;
}

function networkError(err: unknown, url: string): FetchError {
  if (err instanceof FetchError) return err;
  const e = err as NodeJS.ErrnoException;
  return new FetchError('FETCH_NETWORK', `${e?.code ?? 'network error'}: ${e?.message ?? String(err)}`, {
    retriable: true,
    cause: err,
    details: { url, errno: e?.code },
  });
}

interface Hop {
  status: number;
  headers: Record<string, string>;
  response: http.IncomingMessage;
}

function request(
  url: URL,
  method: 'GET' | 'HEAD',
  headers: Record<string, string>,
  policy: SsrfPolicy,
  resolver: Resolver | undefined,
  signal: AbortSignal,
): Promise<Hop> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const href = url.toString();
    const req = mod.request(
      url,
      {
        method,
        headers,
        agent: false,
        signal,
        lookup: guardedLookup(href, policy, resolver) as unknown as typeof dns.lookup,
      },
      (res) => resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), response: res }),
    );
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        const addr = socket.remoteAddress;
        if (addr && !hostAllowed(url.hostname, policy)) {
          const range = blockedRange(addr);
          if (range) req.destroy(blocked(href, url.hostname, addr, range));
        }
      });
    });
    req.on('error', (err) => reject(err));
    req.end();
  });
}

function decoder(encoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

async function readBody(res: http.IncomingMessage, maxBytes: number, url: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  const tooLarge = (n: number) =>
    new FetchError('FETCH_TOO_LARGE', `response body exceeds ${maxBytes} bytes`, { details: { url, maxBytes, bytes: n } });
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw tooLarge(declared);
  }
  const dec = decoder(res.headers['content-encoding']);
  const stream: Readable = dec ? res.pipe(dec) : res;
  if (dec) res.on('error', (err) => dec.destroy(err));
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (total > maxBytes) throw tooLarge(total);
      chunks.push(buf);
    }
  } finally {
    if (total > maxBytes) {
      res.destroy();
      dec?.destroy();
    }
  }
  return Buffer.concat(chunks, total);
}

/** GET (or HEAD) a URL under the SSRF guard. See the module comment. */
export async function safeFetch(rawUrl: string, opts: SafeFetchOptions): Promise<SafeFetchResult> {
  const policy: SsrfPolicy = { allowPrivate: opts.allowPrivate ?? false, allowHosts: opts.allowHosts ?? [] };
  const method = opts.method ?? 'GET';
  const maxRedirects = opts.maxRedirects ?? 5;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.timeoutMs);
  const onAbort = () => controller.abort();
  if (opts.signal?.aborted) controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  let url = checkUrl(rawUrl, policy);
  const origin0 = url.origin;
  const baseHeaders: Record<string, string> = {
    'user-agent': opts.userAgent ?? DEFAULT_USER_AGENT,
    'accept-encoding': 'gzip, deflate, br',
    ...(opts.accept ? { accept: opts.accept } : {}),
  };
  for (const [k, v] of Object.entries(opts.headers ?? {})) baseHeaders[k.toLowerCase()] = v;

  const fail = (err: unknown, at: string): never => {
    if (timedOut) {
      throw new FetchError('FETCH_TIMEOUT', `fetch did not complete within ${opts.timeoutMs} ms`, {
        retriable: true,
        cause: err,
        details: { url: at, timeoutMs: opts.timeoutMs },
      });
    }
    if (err instanceof FetchError) throw err;
    if (opts.signal?.aborted)
      throw new FetchError('FETCH_NETWORK', 'fetch aborted by caller', {
        retriable: false,
        cause: err,
        details: { url: at, aborted: true },
      });
    throw networkError(err, at);
  };

  try {
    for (let hop = 0; ; hop++) {
      const headers = { ...baseHeaders };
      // Never forward credentials to another origin.
      if (url.origin !== origin0) {
        delete headers.authorization;
        delete headers.cookie;
      }
      let res: Hop;
      try {
        res = await request(url, method, headers, policy, opts.resolver, controller.signal);
      } catch (err) {
        return fail(err, url.toString());
      }
      const { status } = res;
      if (REDIRECTS.has(status) && res.headers.location) {
        res.response.resume();
        if (hop >= maxRedirects) {
          throw new FetchError('FETCH_HTTP', `too many redirects (> ${maxRedirects})`, {
            retriable: false,
            details: { url: url.toString(), status, redirects: hop },
          });
        }
        let next: string;
        try {
          next = new URL(res.headers.location, url).toString();
        } catch (err) {
          throw new FetchError('FETCH_BAD_URL', `bad redirect location: ${res.headers.location.slice(0, 200)}`, {
            cause: err,
            details: { url: url.toString() },
          });
        }
        url = checkUrl(next, policy);
        continue;
      }
      const result = (body: Buffer): SafeFetchResult => ({
        status,
        url: url.toString(),
        headers: res.headers,
        body,
        redirects: hop,
        ...(res.headers['content-type'] ? { contentType: res.headers['content-type'] } : {}),
      });
      if (status === 304 || method === 'HEAD') {
        res.response.resume();
        return result(Buffer.alloc(0));
      }
      if (status < 200 || status > 299) {
        res.response.destroy();
        const retryAfter = parseRetryAfter(res.headers['retry-after']);
        const retriable = status === 408 || status === 425 || status === 429 || status >= 500;
        throw new FetchError('FETCH_HTTP', `HTTP ${status} from ${url.toString()}`, {
          retriable,
          details: { url: url.toString(), status, ...(retryAfter !== undefined ? { retryAfter } : {}) },
        });
      }
      try {
        return result(await readBody(res.response, opts.maxBytes, url.toString()));
      } catch (err) {
        return fail(err, url.toString());
      }
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
