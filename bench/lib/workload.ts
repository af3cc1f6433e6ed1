/**
 * The benchmark's workload: real news texts (the 37 Readability test pages of ../shared: title, excerpt
 * and main text) and real photos (the ImageNet dev photos of ../shared), served from a loopback HTTP
 * server. Without ../shared the texts are the demo articles and the photos are generated scenes.
 * Chinese texts (`loadZhTexts`): the demo's Chinese articles (../shared has no Chinese news).
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseHTML } from 'linkedom';
import { IMAGENET_DEV, REPO_ROOT, sharedData } from '@newsfuse/testkit/paths';
import { resolveLanguage } from '@newsfuse/text/language';

const PAGES = sharedData('articles', 'readability', 'test-pages');
const PHOTOS = join(IMAGENET_DEV, 'images');

export interface Text {
  title: string;
  summary: string;
  body: string;
  category: string;
  language?: string;
}

export type Kind = 'text' | 'img1' | 'img3';
export const KINDS: Kind[] = ['text', 'img1', 'img3'];
export const IMAGES_PER_KIND: Record<Kind, number> = { text: 0, img1: 1, img3: 3 };
export const KIND_LABEL: Record<Kind, string> = { text: 'text-only', img1: '1 image', img3: '3 images' };
/** The same, before a noun ("1-image articles"). */
export const KIND_ADJECTIVE: Record<Kind, string> = { text: 'text-only', img1: '1-image', img3: '3-image' };

export function loadTexts(): { texts: Text[]; source: string } {
  if (existsSync(PAGES)) {
    const texts: Text[] = [];
    for (const dir of readdirSync(PAGES).sort()) {
      const meta = JSON.parse(readFileSync(join(PAGES, dir, 'expected-metadata.json'), 'utf8')) as {
        title?: string;
        excerpt?: string;
        lang?: string;
      };
      const { document } = parseHTML(`<!doctype html><html><body>${readFileSync(join(PAGES, dir, 'expected.html'), 'utf8')}</body></html>`);
      const body = (document.body?.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 20_000);
      if (!meta.title || body.length < 200) continue;
      texts.push({
        title: meta.title,
        summary: meta.excerpt ?? body.slice(0, 300),
        body,
        category: dir.replace(/-\d+$/, ''),
        ...(meta.lang ? { language: meta.lang.slice(0, 2) } : {}),
      });
    }
    return { texts, source: `${texts.length} Readability test pages (../shared/data/articles/readability)` };
  }
  const demo = JSON.parse(readFileSync(join(REPO_ROOT, 'demo/articles.json'), 'utf8')) as {
    articles: Array<{ title: string; summary: string; category: string }>;
  };
  return {
    texts: demo.articles.map((a) => ({ title: a.title, summary: a.summary, body: a.summary, category: a.category })),
    source: `${demo.articles.length} demo articles (../shared absent)`,
  };
}

const HAN = /\p{Script=Han}/u;

/** The demo feed's Chinese articles (written for the project, CC0), for the mixed-language runs. */
export function loadZhTexts(): Text[] {
  const demo = JSON.parse(readFileSync(join(REPO_ROOT, 'demo/articles.json'), 'utf8')) as {
    articles: Array<{ title: string; summary: string; category: string }>;
  };
  const zh = demo.articles.filter((a) => HAN.test(a.title));
  if (zh.length === 0) throw new Error('demo/articles.json has no Chinese article');
  return zh.map((a) => ({ title: a.title, summary: a.summary, body: a.summary, category: a.category, language: 'zh' }));
}

export interface PhotoServer {
  url: string;
  count: number;
  source: string;
  meanBytes: number;
  close(): Promise<void>;
}

/** Serves photo i (mod the number of photos) at /p/<i>.jpg. */
export async function startPhotoServer(max = 120): Promise<PhotoServer> {
  let photos: Buffer[];
  let source: string;
  if (existsSync(PHOTOS)) {
    const files = readdirSync(PHOTOS).sort();
    const step = Math.max(1, Math.floor(files.length / max));
    photos = files
      .filter((_, i) => i % step === 0)
      .slice(0, max)
      .map((f) => readFileSync(join(PHOTOS, f)));
    source = `${photos.length} ImageNet dev photos (../shared/data/relevance/imagenet-dev)`;
  } else {
    photos = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        sharp({ create: { width: 640, height: 480, channels: 3, background: { r: (i * 47) % 256, g: 120, b: 200 } } })
          .composite([
            {
              input: Buffer.from(
                `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><circle cx="${200 + i * 10}" cy="240" r="90" fill="#304050"/><text x="40" y="440" font-size="36" fill="#fff">Photo ${i}</text></svg>`,
              ),
            },
          ])
          .jpeg()
          .toBuffer(),
      ),
    );
    source = `${photos.length} generated 640×480 scenes (../shared absent)`;
  }
  const server: Server = createServer((req, res) => {
    const m = /^\/p\/(\d+)\.jpg$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    const buf = photos[Number(m[1]) % photos.length]!;
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': buf.length }).end(buf);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    count: photos.length,
    source,
    meanBytes: photos.reduce((s, p) => s + p.length, 0) / photos.length,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * The caption of photo `k` of an article of text `t`: the first photo has a line of the summary, as a
 * news page's photo has its caption; the others none. The push body (`articleInput`) and extract's work
 * alone (`bench/lib/alone.ts`) use the same, so both do the same caption work (the text job embeds the
 * caption and the story sentences CAPTION_SENTENCES chooses (12) to find the best match: libs/stages/extract/src/captions.ts).
 */
export const benchCaption = (t: Text, k: number): string | undefined => (k === 0 ? t.summary.slice(0, 120) : undefined);

/**
 * The articles a warm-up sends before anything is measured: the first `first` of them, and the first
 * article of every language the workload holds that those miss. A language's models load on its first
 * article (lazily, per thread: the Chinese embedder, jieba, the sentiment head), so without it the
 * first Chinese article of the measured run would pay for that load.
 */
export function warmupIndices(texts: readonly Text[], first = 4, textOf: (i: number) => Text = (i) => texts[i % texts.length]!): number[] {
  const out = Array.from({ length: first }, (_, i) => i);
  const seen = new Set(out.map((i) => languageOf(textOf(i))));
  for (let i = first; i < first + texts.length; i++) {
    const l = languageOf(textOf(i));
    if (seen.has(l)) continue;
    seen.add(l);
    out.push(i);
  }
  return out;
}

const languageOf = (t: Text) => resolveLanguage({ declared: t.language, title: t.title, text: t.body }).language ?? '-';

/** The push-API body for article `i` of a run: a real text, `n` photos, a URL unique to the run. */
export function articleInput(run: string, i: number, kind: Kind, texts: Text[], photos: PhotoServer) {
  return articleInputOf(run, i, kind, texts[i % texts.length]!, photos.url);
}

/**
 * Text `t` made article `i`'s own. The workload cycles through a few dozen pages, and a page sent again
 * repeats every sentence: the sentence embedders' chunk cache (NEWSFUSE_EMBED_CACHE) answers those
 * without running the model, which made most of a long text-only run cheaper than a feed of distinct
 * stories (before 2026-12-05). Every sentence of the summary and body now carries the article's number
 * (`[i]` at the start and after each sentence's end), so no sentence repeats across articles, while
 * repeats within one article — the lead in the body, a caption taken from the summary — still do.
 */
export function distinctText(t: Text, i: number): Text {
  const mark = (s: string) => `[${i}] ${s.replace(/([.!?])\s+/g, `$1 [${i}] `).replace(/([。！？])(?=\S)/gu, `$1[${i}]`)}`;
  return { ...t, summary: mark(t.summary), body: mark(t.body) };
}

/** The push-API body for article `i` of a run with text `t` (distinctText), its photos served at `photosUrl` (extract alone uses it too). */
export function articleInputOf(run: string, i: number, kind: Kind, page: Text, photosUrl: string) {
  const t = distinctText(page, i);
  return {
    url: `https://bench.example/${run}/${kind}/${i}`,
    title: `${t.title} (${i})`,
    summary: t.summary,
    body: t.body,
    ...(t.language ? { language: t.language } : {}),
    categories: [t.category],
    images: Array.from({ length: IMAGES_PER_KIND[kind] }, (_, k) => ({
      url: `${photosUrl}/p/${i * 3 + k}.jpg`,
      caption: benchCaption(t, k),
    })).map((img) => (img.caption ? img : { url: img.url })),
    source: { outlet: 'bench' },
  };
}
