/**
 * The ingest routes on the shared ops server: POST /articles (bearer token checked before the body
 * is even parsed, so an unauthenticated caller learns nothing about validation). Errors — including
 * a body that is not JSON (EVENT_INVALID_JSON), too large (413) or not JSON at all (415), both
 * REQUEST_INVALID — answer with the one error body of the ops server's `installErrorHandler`.
 */
import type { FastifyInstance } from 'fastify';
import { replyError } from '@newsfuse/shared';
import { bearerMatches, type createPushHandler } from '@newsfuse/stage-ingest/push';

export function pushRoutes(handler: ReturnType<typeof createPushHandler>, token: string | undefined) {
  return async (app: FastifyInstance) => {
    await app.register(async (scope) => {
      scope.post(
        '/articles',
        {
          onRequest: async (req, reply) => {
            const auth = req.headers.authorization;
            if (!bearerMatches(typeof auth === 'string' ? auth : undefined, token)) {
              return replyError(
                reply.header('www-authenticate', 'Bearer'),
                'AUTH_REQUIRED',
                token ? 'a valid bearer token is required' : 'push is disabled (PUSH_TOKEN is not set)',
              );
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
