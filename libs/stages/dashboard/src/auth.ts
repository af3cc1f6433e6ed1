/**
 * Optional bearer token for the page, the API and Bull Board. A request is let in by
 * `Authorization: Bearer <token>`, by the `nf_dashboard_token` cookie (set when the page is first
 * opened with `?token=`), or, for EventSource clients that cannot set headers, by `?token=`.
 * Comparison is constant-time over SHA-256 digests. The token itself is never logged or echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const COOKIE_NAME = 'nf_dashboard_token';

export type AuthResult = 'ok' | 'disabled' | 'missing' | 'invalid';

export interface AuthInput {
  authorization?: string | undefined;
  cookie?: string | undefined;
  queryToken?: string | undefined;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

export function bearerOf(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export interface Auth {
  readonly enabled: boolean;
  check(input: AuthInput): AuthResult;
  /** True when `candidate` is the token. */
  matches(candidate: string | undefined): boolean;
  /** The Set-Cookie value that keeps the page signed in. */
  cookie(token: string, secure: boolean): string;
}

export function createAuth(token: string | undefined): Auth {
  const expected = token ? digest(token) : undefined;
  const matches = (candidate: string | undefined) =>
    expected !== undefined && candidate !== undefined && timingSafeEqual(digest(candidate), expected);
  return {
    enabled: expected !== undefined,
    matches,
    check({ authorization, cookie, queryToken }) {
      if (!expected) return 'disabled';
      const candidates = [bearerOf(authorization), parseCookies(cookie)[COOKIE_NAME], queryToken].filter(
        (c): c is string => c !== undefined && c !== '',
      );
      if (candidates.length === 0) return 'missing';
      return candidates.some(matches) ? 'ok' : 'invalid';
    },
    cookie(value, secure) {
      return `${COOKIE_NAME}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${30 * 24 * 3600}${secure ? '; Secure' : ''}`;
    },
  };
}

/** The URL without its `token` query parameter (for the redirect after the cookie is set). */
export function withoutToken(url: string): string {
  const u = new URL(url, 'http://x');
  u.searchParams.delete('token');
  const q = u.searchParams.toString();
  return `${u.pathname}${q ? `?${q}` : ''}`;
}
