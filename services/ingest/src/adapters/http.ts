/**
 * The ingest routes on the shared ops server: POST /articles (bearer token checked before the body
 * is even parsed, so an unauthenticated caller learns nothing about validation).
 */
import type { FastifyInstance } from 'fastify';
import { bearerMatches, type createPushHandler } from '@newsfuse/stage-ingest/push';

export function pushRoutes(handler: ReturnType<typeof createPushHandler>, token: string | undefined) {
  return async (app: FastifyInstance) => {
    await app.register(async (scope) => {
      scope.setErrorHandler((err: { statusCode?: number; message: string; code?: string }, _req, reply) => {
        const status = err.statusCode ?? 500;
        if (status === 400) return reply.code(400).send({ error: 'EVENT_INVALID_JSON', field: '(body)', message: err.message });
        if (status === 413 || status === 415)
          return reply.code(status).send({ error: err.code ?? 'REQUEST_INVALID', message: err.message });
        return reply.code(500).send({ error: 'INTERNAL', message: 'internal error' });
      });
      scope.post(
        '/articles',
        {
          onRequest: async (req, reply) => {
            const auth = req.headers.authorization;
            if (!bearerMatches(typeof auth === 'string' ? auth : undefined, token)) {
              return reply
                .code(401)
                .header('www-authenticate', 'Bearer')
                .send({
                  error: 'AUTH_REQUIRED',
                  message: token ? 'a valid bearer token is required' : 'push is disabled (PUSH_TOKEN is not set)',
                });
            }
          },
        },
        async (req, reply) => {
          const auth = req.headers.authorization;
          const r = await handler(typeof auth === 'string' ? auth : undefined, req.body);
          for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
          return reply.code(r.status).send(r.body);
        },
      );
    });
  };
}
