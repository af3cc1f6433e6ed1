/**
 * Every service's HTTP surface: /healthz (ready only when its connections are up) and /metrics.
 * Services add their own routes through `routes`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
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
  if (opts.routes) await opts.routes(app);
  const address = await app.listen({ host: opts.host, port: opts.port });
  return { app, url: address };
}
