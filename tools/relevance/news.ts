/**
 * The news caption set: real news pages (../shared/data/articles/readability/test-pages: source.html,
 * expected.html = the article as Readability extracts it, expected-metadata.json), their captions
 * (<figcaption>) and descriptive alt texts, and (article, caption) pairs:
 * - positive: the article with one of its own captions or alt texts (Readability kept the image or
 *   the caption text in expected.html, or it is the page's og:image, or it sits in the story's own
 *   markup: in a figure / <article> / <main>, not inside a link, aside, nav, header or footer);
 * - random: the article with a caption of another article (a fixed pseudo-random one);
 * - hard: the article with a caption of another article of the same outlet ("nytimes-1" and
 *   "nytimes-3"), else of the other article most similar in title + lead (stem overlap): the same
 *   subject area, the closest to a same-section negative these pages allow.
 * Captions on the page outside the article (teasers of other stories, logos, author photos) are
 * counted but not paired: they do not describe this article's photos.
 * Pure apart from reading the pages. There are no photos here: the pairs are text against text.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { htmlToText } from '@newsfuse/stage-ingest/html';
import { captionStems, cleanCaption, isDescriptive, type CaptionSource } from '@newsfuse/text/captions';
import { stemsOf } from '@newsfuse/text/terms';
import { sharedData } from '@newsfuse/testkit/paths';

export const NEWS_PAGES = sharedData('articles', 'readability', 'test-pages');
export const NEWS_FOLDS = 5;

export interface NewsCaption {
  /** Index of its article. */
  article: number;
  text: string;
  source: CaptionSource;
  /** Whether it belongs to the article's own images (else a teaser, logo, … elsewhere on the page). */
  own: boolean;
}
export interface NewsArticle {
  id: string;
  outlet: string;
  title: string;
  lead: string;
  body: string;
  language: string;
  fold: number;
}
export interface NewsPair {
  article: number;
  caption: number;
  kind: 'positive' | 'random' | 'hard';
  label: 0 | 1;
}
export interface NewsSet {
  articles: NewsArticle[];
  captions: NewsCaption[];
  pairs: NewsPair[];
  /** Raw counts on the pages: non-empty figcaptions and descriptive alt texts. */
  found: { figcaptions: number; alts: number };
}

const one = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const fold = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * Whether a caption (or alt text) repeats the article's title, whole or its part before a site
 * suffix ("… _科技_腾讯网", "… | Reuters"): a CMS filling the alt attribute with the headline. Such a text comes
 * from the article, not from the photo (a mismatched photo would carry it as well); the report counts
 * these positives, the set keeps them (news-report.ts says why).
 */
export function repeatsTitle(caption: string, title: string): boolean {
  const c = fold(caption);
  const head = title.split(/_|\s[|\-–—]\s/u)[0]!;
  return c.length > 0 && (fold(title) === c || fold(head) === c);
}

interface El {
  getAttribute(n: string): string | null;
  closest(s: string): El | null;
  querySelector(s: string): El | null;
  querySelectorAll(s: string): Iterable<El>;
  textContent: string | null;
}

/** Captions and descriptive alt texts of one page, each marked own (in the article) or not. */
export function pageCaptions(
  sourceHtml: string,
  expectedHtml: string,
  definition: NewsDefinition = 'v2',
): { figcaptions: string[]; alts: string[]; captions: { text: string; source: CaptionSource; own: boolean }[] } {
  const doc = parseHTML(sourceHtml).document as unknown as El;
  const expected = parseHTML(`<html><body>${expectedHtml}</body></html>`).document as unknown as El;
  const expectedText = fold(htmlToText(expectedHtml));
  const file = (u: string | null) => (u ?? '').split(/[?#]/)[0]!.split('/').pop() ?? '';
  const expectedImgs = new Set([...expected.querySelectorAll('img')].map((i) => file(i.getAttribute('src'))).filter((f) => f.length > 4));
  const og = file(doc.querySelector('meta[property="og:image"]')?.getAttribute('content') ?? null);
  const srcOf = (img: El | null) => file(img?.getAttribute('src') || img?.getAttribute('data-src') || null);
  // a teaser of another story: the image sits in a link to another page, or the caption is (mostly) a
  // link's text ("<figcaption><a href=…/other-story>Headline</a></figcaption>": TMZ's gallery of other
  // stories); a link to an image file or to an anchor on the page is not a teaser
  const pageLink = (a: El | null) => {
    const href = (a?.getAttribute('href') ?? '').trim();
    return href.length > 0 && !href.startsWith('#') && !/\.(?:jpe?g|png|gif|webp|avif)(?:[?#]|$)/iu.test(href);
  };
  const teaser = (el: El) => {
    if (pageLink(el.closest('a[href]'))) return true;
    const text = one(el.textContent);
    const linked = [...el.querySelectorAll('a[href]')]
      .filter(pageLink)
      .map((a) => one(a.textContent))
      .join(' ');
    return text.length > 0 && linked.length >= 0.8 * text.length;
  };
  // own: Readability kept it (its image or its text is in expected.html) or it is the og:image; else it
  // sits in the story's own markup — not inside a link (teasers link to other stories) nor in
  // aside/nav/header/footer, and in a figure, <article> or <main>
  const inArticle = (text: string, img: El | null, at: El) => {
    const f = srcOf(img);
    const t = fold(cleanCaption(text));
    if ((f.length > 4 && (expectedImgs.has(f) || f === og)) || (t.length >= 12 && expectedText.includes(t))) return true;
    if (definition === 'v2' && (teaser(at) || (img && teaser(img)))) return false;
    return !at.closest('a') && !at.closest('aside, nav, header, footer') && !!at.closest('figure, article, main, [itemprop="articleBody"]');
  };
  const descriptive = definition === 'v2' ? isDescriptive : isDescriptiveV1;
  const figcaptions: string[] = [];
  const alts: string[] = [];
  const out: { text: string; source: CaptionSource; own: boolean }[] = [];
  const seen = new Set<string>();
  const add = (text: string, source: CaptionSource, own: boolean) => {
    const key = fold(cleanCaption(text));
    if (!descriptive(text) || seen.has(key)) return;
    seen.add(key);
    out.push({ text, source, own });
  };
  for (const fc of doc.querySelectorAll('figcaption')) {
    const text = one(fc.textContent);
    if (!text) continue;
    figcaptions.push(text);
    add(text, 'caption', inArticle(text, fc.closest('figure')?.querySelector('img') ?? null, fc));
  }
  for (const img of doc.querySelectorAll('img')) {
    const alt = one(img.getAttribute('alt'));
    if (!alt || !descriptive(alt)) continue;
    alts.push(alt);
    // alt text stands in only for an image without a caption
    if (img.closest('figure')?.querySelector('figcaption')) continue;
    add(alt, 'alt', inArticle(alt, img, img));
  }
  return { figcaptions, alts, captions: out };
}

/**
 * Which captions count (the pair set's definition):
 * - 'v2' (current): descriptive by the product's test (`isDescriptive`: markup cut, not a single token,
 *   Chinese counted in jieba words), and a teaser of another story (its image or its caption a link to
 *   another page) is not the article's own;
 * - 'v1' (until 2026-12-02): the earlier descriptive test (isDescriptiveV1) and no teaser rule, so
 *   TMZ's gallery of other stories and an alt text such as "update_graphic_red_bar" were positives.
 *   Kept to report the current model on the earlier pairs too.
 */
export type NewsDefinition = 'v1' | 'v2';

/** The descriptive test of the v1 pair set: @newsfuse/text/captions' cleanCaption and isDescriptive as they were then. */
export function isDescriptiveV1(raw: string): boolean {
  let s = raw.replace(/\s+/g, ' ').trim();
  s = s.replace(/^(?:media caption|image caption|image copyright [^ ]+|main image:|caption:)\s*/i, '');
  s = s.replace(/\s*(?:Credit\s*)+\p{Lu}.*$/u, '');
  s = s.replace(/\s*(?:Photograph|Photo|Foto|Bild|Image|Picture)s?\s*(?:by|:)\s*[^.]*\.?$/iu, '');
  s = s.replace(/\s*\((?:Photo|Foto|Bild|Image|Picture|Credit)[^)]*\)\.?$/iu, '');
  s = s.replace(/\s*\([^)]*\/[^)]*\)\.?$/u, '');
  s = s.replace(/\s+[-–—]\s+[^-–—]*\/[^-–—]*$/u, '');
  return captionStems(s.trim()).length >= 3;
}

/** Deterministic pseudo-random integers (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reads the pages and builds the pairs; undefined when the shared folder is absent. */
export function loadNewsSet(dir = NEWS_PAGES, seed = 15, definition: NewsDefinition = 'v2'): NewsSet | undefined {
  if (!existsSync(dir)) return undefined;
  const articles: NewsArticle[] = [];
  const captions: NewsCaption[] = [];
  const found = { figcaptions: 0, alts: 0 };
  for (const id of readdirSync(dir).sort()) {
    const page = join(dir, id);
    if (!existsSync(join(page, 'source.html'))) continue;
    const meta = JSON.parse(readFileSync(join(page, 'expected-metadata.json'), 'utf8')) as {
      title?: string;
      excerpt?: string;
      lang?: string;
    };
    const expectedHtml = readFileSync(join(page, 'expected.html'), 'utf8');
    const p = pageCaptions(readFileSync(join(page, 'source.html'), 'utf8'), expectedHtml, definition);
    found.figcaptions += p.figcaptions.length;
    found.alts += p.alts.length;
    const index = articles.length;
    articles.push({
      id,
      outlet: id.replace(/-\d+$/, ''),
      title: one(meta.title) || id,
      lead: one(meta.excerpt),
      body: htmlToText(expectedHtml),
      language: (meta.lang ?? 'en').slice(0, 2).toLowerCase(),
      fold: 0,
    });
    for (const c of p.captions) captions.push({ article: index, ...c });
  }
  // folds by article, outlets kept together (a same-outlet hard negative never crosses train/test)
  const outlets = [...new Set(articles.map((a) => a.outlet))];
  const next = rng(seed);
  const order = outlets.map((o) => ({ o, r: next() })).sort((a, b) => a.r - b.r);
  order.forEach(({ o }, i) => articles.filter((a) => a.outlet === o).forEach((a) => (a.fold = i % NEWS_FOLDS)));
  const own = captions.map((c, i) => ({ c, i })).filter(({ c }) => c.own);
  const byArticle = (a: number) => own.filter(({ c }) => c.article === a).map(({ i }) => i);
  const stems = articles.map((a) => new Set(stemsOf(`${a.title} ${a.lead}`)));
  const similarity = (a: number, b: number) => {
    let hit = 0;
    for (const s of stems[a]!) if (stems[b]!.has(s)) hit++;
    return hit / Math.max(1, Math.min(stems[a]!.size, stems[b]!.size));
  };
  const pairs: NewsPair[] = [];
  const pick = (list: number[]) => list[Math.floor(next() * list.length)]!;
  articles.forEach((art, a) => {
    const mine = byArticle(a);
    if (mine.length === 0) return;
    const others = articles.map((_x, b) => b).filter((b) => b !== a && byArticle(b).length > 0);
    const sameOutlet = others.filter((b) => articles[b]!.outlet === art.outlet);
    const hardFrom = sameOutlet.length > 0 ? sameOutlet : [others.reduce((best, b) => (similarity(a, b) > similarity(a, best) ? b : best))];
    for (const c of mine) {
      pairs.push({ article: a, caption: c, kind: 'positive', label: 1 });
      pairs.push({ article: a, caption: pick(byArticle(pick(others))), kind: 'random', label: 0 });
      pairs.push({ article: a, caption: pick(byArticle(pick(hardFrom))), kind: 'hard', label: 0 });
    }
  });
  return { articles, captions, pairs, found };
}
