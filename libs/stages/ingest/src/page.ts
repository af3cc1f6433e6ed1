/**
 * Article pages (pure: HTML in, fields out): main content with Mozilla Readability on a server-side
 * DOM (linkedom by default, jsdom selectable — see docs/article-extraction.md for the measurement),
 * byline, published time, language (html lang, else detected with ELD), og:image as the lead image;
 * and how a page enriches a feed candidate.
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { eld } from 'eld/medium';
import type { ArticleCandidate } from './article.ts';
import { htmlToText, imagesInHtml, oneLine, type DomElement } from './html.ts';
import { parseDate } from './dates.ts';
import { resolveUrl } from './urls.ts';

export type DomImpl = 'linkedom' | 'jsdom';

export interface PageInfo {
  title?: string;
  byline?: string;
  publishedAt?: string;
  /** BCP 47 primary language ("en", "cs"). */
  language?: string;
  languageSource?: 'html' | 'detected';
  text?: string;
  /** Main content as (sanitised by Readability) HTML. */
  contentHtml?: string;
  excerpt?: string;
  siteName?: string;
  leadImage?: { url: string; alt?: string; caption?: string; width?: number; height?: number };
  readerable?: boolean;
}

type Doc = DomElement & { documentElement: DomElement | null; baseURI?: string };

function meta(doc: Doc, ...names: string[]): string | undefined {
  for (const n of names) {
    const el = doc.querySelector(`meta[property="${n}"], meta[name="${n}"], meta[itemprop="${n}"]`);
    const v = oneLine(el?.getAttribute('content'));
    if (v) return v;
  }
  return undefined;
}

/** JSON-LD NewsArticle/Article fields (datePublished, author, image), the most reliable metadata on news sites. */
function jsonLd(doc: Doc): { datePublished?: string; author?: string; image?: string } {
  const out: { datePublished?: string; author?: string; image?: string } = {};
  for (const el of doc.querySelectorAll('script[type="application/ld+json"]')) {
    let data: unknown;
    try {
      data = JSON.parse(el.textContent ?? '');
    } catch {
      continue;
    }
    const nodes: unknown[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        nodes.push(v);
        const g = (v as Record<string, unknown>)['@graph'];
        if (g) walk(g);
      }
    };
    walk(data);
    for (const n of nodes as Record<string, unknown>[]) {
      const type = String(n['@type'] ?? '');
      if (!/Article|Posting|Report|WebPage/i.test(type)) continue;
      if (!out.datePublished && typeof n.datePublished === 'string') out.datePublished = n.datePublished;
      const a = n.author;
      const name = (x: unknown) =>
        typeof x === 'string' ? x : x && typeof x === 'object' ? (x as Record<string, unknown>).name : undefined;
      if (!out.author) {
        const names = (Array.isArray(a) ? a : [a]).map(name).filter((x): x is string => typeof x === 'string' && x.trim() !== '');
        if (names.length) out.author = names.join(', ');
      }
      const img = n.image;
      const url =
        typeof img === 'string'
          ? img
          : Array.isArray(img)
            ? typeof img[0] === 'string'
              ? img[0]
              : name((img[0] as Record<string, unknown>)?.url ?? img[0])
            : img && typeof img === 'object'
              ? (img as Record<string, unknown>).url
              : undefined;
      if (!out.image && typeof url === 'string') out.image = url;
    }
  }
  return out;
}

async function makeDocument(html: string, url: string, dom: DomImpl): Promise<Doc> {
  if (dom === 'jsdom') {
    const { JSDOM, VirtualConsole } = await import('jsdom');
    // No scripts, no sub-resources, console noise (CSS parse errors) dropped.
    const d = new JSDOM(html, { url, virtualConsole: new VirtualConsole() });
    return d.window.document as unknown as Doc;
  }
  const { document } = parseHTML(html);
  return document as unknown as Doc;
}

/** Detects the language of a text (ISO 639-1), or undefined when too short or unreliable. */
export function detectLanguage(text: string): string | undefined {
  const sample = text.slice(0, 4000);
  if (sample.trim().length < 40) return undefined;
  const r = eld.detect(sample);
  return r.language && r.isReliable() ? r.language : undefined;
}

/** Extracts article fields from an HTML page. */
export async function extractPage(html: string, pageUrl: string, dom: DomImpl = 'linkedom'): Promise<PageInfo> {
  const doc = await makeDocument(html, pageUrl, dom);
  const info: PageInfo = {};
  // Metadata Readability does not give (og:image, JSON-LD) is read before Readability mutates the DOM.
  const ld = jsonLd(doc);
  const ogImage = resolveUrl(
    meta(doc, 'og:image:secure_url', 'og:image', 'og:image:url', 'twitter:image', 'twitter:image:src') ?? ld.image,
    pageUrl,
  );
  const ogAlt = meta(doc, 'og:image:alt', 'twitter:image:alt');
  const ogW = Number(meta(doc, 'og:image:width')) || undefined;
  const ogH = Number(meta(doc, 'og:image:height')) || undefined;
  const htmlLang = doc.documentElement?.getAttribute('lang') ?? meta(doc, 'og:locale', 'language', 'content-language');
  const metaPublished =
    meta(
      doc,
      'article:published_time',
      'og:article:published_time',
      'datePublished',
      'pubdate',
      'publishdate',
      'dc.date',
      'DC.date.issued',
      'sailthru.date',
      'date',
    ) ?? ld.datePublished;
  const metaAuthor = meta(doc, 'author', 'article:author', 'parsely-author', 'sailthru.author', 'dc.creator', 'DC.creator') ?? ld.author;

  let article: ReturnType<Readability<string>['parse']> = null;
  try {
    article = new Readability(doc as unknown as ConstructorParameters<typeof Readability>[0], {
      charThreshold: 300,
      keepClasses: false,
    }).parse();
  } catch {
    article = null;
  }
  const title = oneLine(article?.title) || meta(doc, 'og:title', 'twitter:title');
  if (title) info.title = title;
  const byline = oneLine(article?.byline) || (metaAuthor && !/^https?:\/\//.test(metaAuthor) ? metaAuthor : '');
  if (byline) info.byline = byline;
  const published = parseDate(article?.publishedTime ?? metaPublished);
  if (published) info.publishedAt = published;
  if (article?.siteName) info.siteName = oneLine(article.siteName);
  else if (meta(doc, 'og:site_name')) info.siteName = meta(doc, 'og:site_name')!;
  const excerpt = oneLine(article?.excerpt) || meta(doc, 'og:description', 'description', 'twitter:description');
  if (excerpt) info.excerpt = excerpt;
  if (article?.content) {
    info.contentHtml = article.content;
    const text = htmlToText(article.content);
    if (text) info.text = text;
  }
  info.readerable = Boolean(article && (info.text?.length ?? 0) > 500);
  const lang = (article?.lang ?? htmlLang)?.trim();
  if (lang) {
    info.language = lang.replace('_', '-').split('-')[0]!.toLowerCase().slice(0, 16);
    info.languageSource = 'html';
  } else {
    const detected = detectLanguage(info.text ?? excerpt ?? '');
    if (detected) {
      info.language = detected;
      info.languageSource = 'detected';
    }
  }
  if (ogImage) {
    info.leadImage = { url: ogImage, ...(ogAlt ? { alt: ogAlt } : {}), ...(ogW ? { width: ogW } : {}), ...(ogH ? { height: ogH } : {}) };
  } else if (info.contentHtml) {
    const first = imagesInHtml(info.contentHtml, pageUrl)[0];
    if (first) info.leadImage = first;
  }
  return info;
}

/** Fills what the feed lacked from the page: body text, byline, date, language, og:image. */
export function enrichCandidate(c: ArticleCandidate, page: PageInfo): ArticleCandidate {
  const out: ArticleCandidate = { ...c, images: [...c.images], authors: [...c.authors] };
  if (page.text && page.text.length > (c.body?.length ?? 0)) out.body = page.text.slice(0, 500_000);
  if (!out.summary && page.excerpt) out.summary = page.excerpt.slice(0, 20_000);
  if (out.authors.length === 0 && page.byline) out.authors = [page.byline.slice(0, 200)];
  if (!out.publishedAt && page.publishedAt) out.publishedAt = page.publishedAt;
  if (!out.language && page.language) out.language = page.language;
  const lead = page.leadImage;
  if (lead && !out.images.some((i) => i.url === lead.url) && out.images.length < 32) out.images.push({ ...lead });
  return out;
}
