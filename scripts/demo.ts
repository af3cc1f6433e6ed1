/**
 * The bundled demo feed: demo/articles.json served as RSS 2.0 with media:content images from a local
 * HTTP server. The images are generated (a coloured scene with a headline word that OCR can read),
 * so everything here is redistributable (CC0).
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { REPO_ROOT } from '@newsfuse/testkit/paths';

interface DemoArticle {
  slug: string;
  category: string;
  title: string;
  summary: string;
  image?: { text: string; background: string; caption: string };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function loadDemoArticles(): DemoArticle[] {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'demo/articles.json'), 'utf8')) as { articles: DemoArticle[] }).articles;
}

export async function renderDemoImage(text: string, background: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400">
  <rect width="640" height="400" fill="${background}"/>
  <circle cx="520" cy="90" r="60" fill="#ffffff" fill-opacity="0.25"/>
  <rect x="40" y="140" width="560" height="120" rx="12" fill="#ffffff"/>
  <text x="320" y="222" font-family="DejaVu Sans, Arial, sans-serif" font-size="64" font-weight="bold" text-anchor="middle" fill="#111111">${esc(text)}</text>
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

export function demoFeedXml(articles: DemoArticle[], base: string, now = Date.now()): string {
  const items = articles.map((a, i) => {
    const published = new Date(now - (articles.length - i) * 60_000).toUTCString();
    const media = a.image
      ? `<media:content url="${base}/images/${a.slug}.jpg" medium="image" type="image/jpeg" width="640" height="400"><media:description>${esc(a.image.caption)}</media:description><media:credit>NewsFuse demo (CC0)</media:credit></media:content>`
      : '';
    return `<item><title>${esc(a.title)}</title><link>${base}/articles/${a.slug}</link><guid>${base}/articles/${a.slug}</guid><pubDate>${published}</pubDate><category>${esc(a.category)}</category><description>${esc(a.summary)}</description>${media}</item>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>NewsFuse demo</title><link>${base}/</link><description>Bundled demo feed</description>
${items.join('\n')}
</channel></rss>`;
}

export async function startDemoServer(port = 0): Promise<{ url: string; feedUrl: string; server: Server; count: number }> {
  const articles = loadDemoArticles();
  const dir = join(process.env.NEWSFUSE_CACHE ?? join(REPO_ROOT, '.cache'), 'demo', 'images');
  mkdirSync(dir, { recursive: true });
  for (const a of articles) {
    const file = join(dir, `${a.slug}.jpg`);
    if (a.image && !existsSync(file)) writeFileSync(file, await renderDemoImage(a.image.text, a.image.background));
  }
  let base = '';
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/feed.xml')
      return res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(demoFeedXml(articles, base));
    const m = /^\/images\/([a-z0-9-]+)\.jpg$/.exec(path);
    if (m && existsSync(join(dir, `${m[1]}.jpg`)))
      return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(readFileSync(join(dir, `${m[1]}.jpg`)));
    const a = /^\/articles\/([a-z0-9-]+)$/.exec(path);
    const article = a && articles.find((x) => x.slug === a[1]);
    if (article)
      return res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><title>${esc(article.title)}</title><h1>${esc(article.title)}</h1><p>${esc(article.summary)}</p>`);
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
  return { url: base, feedUrl: `${base}/feed.xml`, server, count: articles.length };
}
