/**
 * POST /articles, as a pure handler: bearer-token check, validation naming the bad field, ingestion.
 * The HTTP adapter only moves requests and replies in and out.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { errorBody, toNewsFuseError, type ErrorBody } from '@newsfuse/shared/errors';
import { ArticleInput, candidateFromInput } from './article.ts';
import type { Ingestor } from './ingestor.ts';

export interface PushReply {
  status: number;
  /** 202: the article's id, version and whether it was a duplicate; otherwise the one error body. */
  body: { articleId: string; version: number; duplicate: boolean } | ErrorBody;
  headers?: Record<string, string>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time check of an `Authorization: Bearer <token>` header. */
export function bearerMatches(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m) return false;
  return timingSafeEqual(digest(m[1]!.trim()), digest(token));
}

export function createPushHandler(deps: { token: string | undefined; ingestor: Ingestor }) {
  return async (authorization: string | undefined, body: unknown): Promise<PushReply> => {
    if (!bearerMatches(authorization, deps.token)) {
      return {
        status: 401,
        headers: { 'www-authenticate': 'Bearer' },
        body: errorBody('AUTH_REQUIRED', deps.token ? 'a valid bearer token is required' : 'push is disabled (PUSH_TOKEN is not set)'),
      };
    }
    const parsed = ArticleInput.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue && issue.path.length ? issue.path.join('.') : '(body)';
      return { status: 400, body: errorBody('EVENT_SCHEMA', `${field}: ${issue?.message ?? 'invalid'}`, { field }) };
    }
    try {
      const r = await deps.ingestor.ingest(candidateFromInput(parsed.data, 'push'));
      return { status: 202, body: { articleId: r.articleId, version: r.version, duplicate: r.duplicate } };
    } catch (err) {
      const e = toNewsFuseError(err);
      if (e.code === 'EVENT_SCHEMA' || e.code === 'EVENT_INVALID_JSON') {
        const field = typeof e.details?.field === 'string' ? e.details.field : '(body)';
        return { status: 400, body: errorBody(e.code, e.message, { field }) };
      }
      return { status: e.retriable ? 503 : 500, body: errorBody(e.code, e.message, { retriable: e.retriable }) };
    }
  };
}
