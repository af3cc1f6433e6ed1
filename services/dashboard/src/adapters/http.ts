/**
 * The dashboard's HTTP surface, registered on the ops server (libs/shared startOpsServer gives
 * /healthz and /metrics): the live page and its static files, the JSON API, the SSE stream and Bull
 * Board at /queues. With DASHBOARD_TOKEN set, the page, the API and /queues need the token; static
 * files, /healthz and /metrics stay open. The token is never logged (request logging is off and no
 * URL that may carry it is logged).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { replyError, type Logger } from '@newsfuse/shared';
import { ALL_ID, SORT_KEYS, WINDOWS, type WindowName } from '@newsfuse/stage-dashboard/aggregate';
import { withoutToken, type Auth } from '@newsfuse/stage-dashboard/auth';
import type { LiveHub, LiveClient } from '@newsfuse/stage-dashboard/live';
import type { Views } from '@newsfuse/stage-dashboard/views';
import type { PipelineHealth } from '@newsfuse/stage-dashboard/health';

export interface HttpDeps {
  auth: Auth;
  views: Views;
  hub: LiveHub;
  maxSseClients: number;
  pipelineHealth(): Promise<PipelineHealth & { dashboard: Record<string, unknown> }>;
  bullBoard?: { queues: Queue[]; readOnly: boolean };
  logger: Logger;
}

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function asset(path: string): Asset {
  const body = readFileSync(path);
  return {
    body,
    type: TYPES[extname(path)] ?? 'application/octet-stream',
    etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
  };
}

function listFiles(dir: string, filter: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, filter));
    else if (filter(p)) out.push(p);
  }
  return out;
}

/**
 * The static files: the page's own modules, the stage's table module the page shares with the server
 * (windows, sort order), and chart.js + its one dependency from node_modules (no CDN, no build step).
 */
export function loadAssets(): { index: Asset; csp: string; files: Map<string, Asset> } {
  const files = new Map<string, Asset>();
  for (const f of listFiles(PUBLIC_DIR, (p) => /\.(js|css|svg)$/.test(p)))
    files.set(`/static/${relative(PUBLIC_DIR, f).split(sep).join('/')}`, asset(f));
  const require = createRequire(import.meta.url);
  files.set('/static/lib/table.js', asset(require.resolve('@newsfuse/stage-dashboard/table.js')));
  const chartDir = dirname(require.resolve('chart.js'));
  for (const f of listFiles(chartDir, (p) => p.endsWith('.js') && !p.endsWith('.cjs')))
    files.set(`/vendor/chart.js/${relative(chartDir, f).split(sep).join('/')}`, asset(f));
  const colorDir = dirname(createRequire(require.resolve('chart.js')).resolve('@kurkle/color'));
  files.set('/vendor/kurkle-color.js', asset(join(colorDir, 'color.esm.js')));
  const index = asset(join(PUBLIC_DIR, 'index.html'));
  // The import map is the page's only inline script; allow exactly it.
  const html = index.body.toString('utf8');
  const m = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html);
  const hashes = m
    ? [
        `'sha256-${createHash('sha256')
          .update(m[1] ?? '')
          .digest('base64')}'`,
      ]
    : [];
  const csp = [
    "default-src 'none'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self'",
    // Article photos come from anywhere on the web: that is the point of the mismatch feed.
    'img-src * data:',
    "connect-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { index, csp, files };
}

const windowQ = z.enum(Object.keys(WINDOWS) as [WindowName, ...WindowName[]]).default('1h');
const TableQuery = z.object({
  window: windowQ,
  sort: z.enum(SORT_KEYS as unknown as ['volume', 'relevance', 'mismatch', 'sentiment', 'recent']).default('volume'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const SeriesQuery = z.object({ window: windowQ });
const MismatchQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  topic: z.string().max(128).optional(),
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/)
    .optional(),
});
const RecycledQuery = MismatchQuery.omit({ topic: true });
const StreamQuery = z.object({ window: windowQ });

function badRequest(reply: FastifyReply, err: z.ZodError) {
  const issue = err.issues[0];
  const field = issue?.path.join('.') || 'query';
  return replyError(reply, 'BAD_REQUEST', `${field}: ${issue?.message ?? 'invalid'}`, { field });
}

const OPEN = [/^\/healthz$/, /^\/metrics$/, /^\/static\//, /^\/vendor\//, /^\/favicon\.ico$/];

function unauthorizedPage(invalid: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>NewsFuse operations — sign in</title><link rel="stylesheet" href="./static/style.css"></head>
<body class="signin"><main class="card signin-card"><h1>NewsFuse operations</h1>
<p>${invalid ? 'That token is not valid.' : 'This dashboard needs an access token.'}</p>
<form method="get" action="./"><label for="token">Access token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Open dashboard</button></form></main></body></html>`;
}

export async function registerDashboardRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { auth, views, hub } = deps;
  const assets = loadAssets();

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  if (auth.enabled) {
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const path = req.url.split('?')[0] ?? '/';
      if (OPEN.some((re) => re.test(path))) return;
      const queryToken = (req.query as Record<string, unknown> | undefined)?.token;
      const result = auth.check({
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
        queryToken: typeof queryToken === 'string' ? queryToken : undefined,
      });
      if (result === 'ok' || result === 'disabled') {
        // The page opened with ?token=: keep it in a cookie and drop it from the address bar.
        if (req.method === 'GET' && path === '/' && typeof queryToken === 'string' && auth.matches(queryToken)) {
          const secure = req.protocol === 'https';
          return reply
            .header('set-cookie', auth.cookie(queryToken, secure))
            .header('cache-control', 'no-store')
            .redirect(withoutToken(req.url), 302);
        }
        return;
      }
      reply.header('www-authenticate', 'Bearer realm="newsfuse-dashboard"').header('cache-control', 'no-store');
      const wantsHtml = req.method === 'GET' && (path === '/' || path === '/index.html') && /text\/html/.test(req.headers.accept ?? '');
      if (wantsHtml)
        return reply
          .code(401)
          .type('text/html; charset=utf-8')
          .send(unauthorizedPage(result === 'invalid'));
      return replyError(reply, 'AUTH_REQUIRED', result === 'invalid' ? 'invalid token' : 'a bearer token is required');
    });
  }

  const sendAsset = (req: FastifyRequest, reply: FastifyReply, a: Asset, cache: string) => {
    reply.header('etag', a.etag).header('cache-control', cache);
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.type(a.type).send(a.body);
  };

  app.get('/', (req, reply) => {
    reply.header('content-security-policy', assets.csp).header('x-frame-options', 'DENY');
    return sendAsset(req, reply, assets.index, 'no-cache');
  });
  app.get('/index.html', (_req, reply) => reply.redirect('./', 301));
  app.get('/favicon.ico', (_req, reply) => reply.redirect('./static/favicon.svg', 301));
  app.get('/static/*', (req, reply) => {
    const a = assets.files.get(req.url.split('?')[0] ?? '');
    return a ? sendAsset(req, reply, a, 'no-cache') : replyError(reply, 'NOT_FOUND', 'no such file');
  });
  app.get('/vendor/*', (req, reply) => {
    const a = assets.files.get(req.url.split('?')[0] ?? '');
    return a ? sendAsset(req, reply, a, 'public, max-age=3600') : replyError(reply, 'NOT_FOUND', 'no such file');
  });

  app.get('/api/overview', async (req, reply) => {
    const q = SeriesQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    return views.overview(q.data.window);
  });

  // The tables: /api/topics, /api/sources and /api/languages (per-language counts: one row per language
  // seen in the window, with sentimentUnknownCount for the articles no model could read).
  for (const [scope, rows] of [
    ['topic', 'topics'],
    ['source', 'sources'],
    ['language', 'languages'],
  ] as const) {
    app.get(`/api/${rows}`, async (req, reply) => {
      const q = TableQuery.safeParse(req.query);
      if (!q.success) return badRequest(reply, q.error);
      return {
        window: q.data.window,
        sort: q.data.sort,
        order: q.data.order,
        generatedAt: new Date().toISOString(),
        [rows]: await views.table(scope, q.data),
      };
    });
  }

  for (const scope of ['topic', 'source', 'language'] as const) {
    app.get<{ Params: { id: string } }>(`/api/${scope}s/:id/series`, async (req, reply) => {
      const q = SeriesQuery.safeParse(req.query);
      if (!q.success) return badRequest(reply, q.error);
      const id = req.params.id;
      const s = id === ALL_ID ? await views.series('all', ALL_ID, q.data.window) : await views.series(scope, id, q.data.window);
      if (!s) return replyError(reply, 'NOT_FOUND', `no ${scope} ${JSON.stringify(id.slice(0, 128))}`);
      return s;
    });
  }

  app.get('/api/mismatches', async (req, reply) => {
    const q = MismatchQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    return { items: await views.mismatches(q.data.limit, q.data.topic, q.data.language) };
  });

  app.get('/api/recycled', async (req, reply) => {
    const q = RecycledQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    return { items: await views.recycled(q.data.limit, q.data.language) };
  });

  app.get('/api/health/pipeline', async () => deps.pipelineHealth());

  app.get('/api/stream', (req, reply) => {
    const q = StreamQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, q.error);
    if (hub.size >= deps.maxSseClients)
      return replyError(reply.header('retry-after', '10'), 'TOO_MANY_CLIENTS', 'too many live connections', { retriable: true });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    res.flushHeaders();
    const client: LiveClient = {
      window: q.data.window,
      send: (chunk) => {
        if (res.destroyed || res.writableEnded) return false;
        res.write(chunk);
        return true;
      },
      close: () => res.end(),
    };
    req.raw.on('close', () => hub.remove(client));
    if (!hub.add(client)) res.end();
  });

  // End live streams before the server waits for its connections to drain.
  app.addHook('preClose', async () => hub.close());

  if (deps.bullBoard) {
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath('/queues');
    createBullBoard({
      queues: deps.bullBoard.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: deps.bullBoard!.readOnly })),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'NewsFuse queues' } },
    });
    await app.register(serverAdapter.registerPlugin(), { prefix: '/queues' });
  }
}
