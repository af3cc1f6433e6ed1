/**
 * Every service's HTTP surface: /healthz (ready only when its connections are up) and /metrics.
 * Services add their own routes through `routes`. Every error answer has one body shape,
 * `{ error: { code, message, field?, retriable } }` (errorBody in errors.ts): routes send theirs with
 * `replyError`, and `installErrorHandler` maps what Fastify itself rejects (bad JSON, a body too large,
 * an unknown route) and anything thrown.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { DecodeError, HTTP_STATUS, NewsFuseError, errorBody, type ErrorCode } from './errors.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

export type HealthCheck = () => Promise<boolean> | boolean;

export interface OpsServerOptions {
  host: string;
  port: number;
  logger: Logger;
  metrics: Metrics;
  checks: Record<string, HealthCheck>;
  bodyLimit?: number;
  routes?: (app: FastifyInstance) => void | Promise<void>;
}

/** Sends the one error body with the code's HTTP status (HTTP_STATUS; `status` overrides). */
export function replyError(
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
  opts: { status?: number; field?: string; retriable?: boolean } = {},
): FastifyReply {
  return reply.code(opts.status ?? HTTP_STATUS[code] ?? 500).send(errorBody(code, message, opts));
}

/**
 * The error and not-found handlers of an app (or an encapsulated scope): a NewsFuseError answers with its
 * code; Fastify's own rejections map to EVENT_INVALID_JSON (a body that is not JSON, field '(body)'),
 * REQUEST_INVALID (413 too large, 415 media type), BAD_REQUEST (other 4xx) and NOT_FOUND; anything else
 * is a 500 INTERNAL that says nothing about the failure (it is logged).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => replyError(reply, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`));
  app.setErrorHandler((err: { statusCode?: number; message: string; code?: string }, req, reply) => {
    if (err instanceof DecodeError) return replyError(reply, err.code, err.message, { field: err.field });
    if (err instanceof NewsFuseError)
      return replyError(reply, err.code, err.message, {
        status: HTTP_STATUS[err.code] ?? (err.retriable ? 503 : 500),
        retriable: err.retriable,
      });
    const status = err.statusCode ?? 500;
    if (status === 400 && (err instanceof SyntaxError || err.code?.startsWith('FST_ERR_CTP')))
      return replyError(reply, 'EVENT_INVALID_JSON', err.message, { field: '(body)' });
    if (status === 413 || status === 415) return replyError(reply, 'REQUEST_INVALID', err.message, { status });
    if (status === 404) return replyError(reply, 'NOT_FOUND', err.message);
    if (status >= 400 && status < 500) return replyError(reply, 'BAD_REQUEST', err.message, { status });
    req.log.error({ err }, 'request failed');
    return replyError(reply, 'INTERNAL', 'internal error');
  });
}

export async function startOpsServer(opts: OpsServerOptions): Promise<{ app: FastifyInstance; url: string }> {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.logger.child({ component: 'http' }) as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: opts.bodyLimit ?? 1_048_576,
  });
  app.get('/healthz', async (_req, reply) => {
    const results: Record<string, boolean> = {};
    await Promise.all(
      Object.entries(opts.checks).map(async ([name, check]) => {
        try {
          results[name] = await check();
        } catch {
          results[name] = false;
        }
      }),
    );
    const ready = Object.values(results).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks: results });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
  installErrorHandler(app);
  if (opts.routes) await opts.routes(app);
  const address = await app.listen({ host: opts.host, port: opts.port });
  return { app, url: address };
}
