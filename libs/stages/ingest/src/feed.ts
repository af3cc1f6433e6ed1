/**
 * Feed documents → normalised items (pure). RSS 0.9x/2.0, RDF, Atom 0.3/1.0 and JSON Feed 1.0/1.1 are
 * parsed by feedsmith; this module hardens the input (size cap, no DTD entity declarations, item cap),
 * decodes the bytes, and maps each format's fields (plus the dc, content, media, itunes and atom
 * namespaces) onto one `FeedItem` shape: text title/summary, resolved links, ISO dates, images.
 */
import { parseFeed } from 'feedsmith';
import iconv from 'iconv-lite';
import { FeedError } from '@newsfuse/shared';
import { parseDate } from './dates.ts';
import { htmlToText, imagesInHtml, looksLikeHtml, oneLine, type FoundImage } from './html.ts';
import { canonicalUrl, resolveUrl } from './urls.ts';

export interface FeedItem {
  guid?: string;
  url?: string;
  title?: string;
  /** Plain-text summary (description / summary / content_text). */
  summary?: string;
  /** Full content as HTML when the feed carries it (content:encoded, atom content, content_html). */
  contentHtml?: string;
  publishedAt?: string;
  updatedAt?: string;
  authors: string[];
  categories: string[];
  images: FoundImage[];
  enclosures: { url: string; type?: string; length?: number }[];
  language?: string;
}

export interface ParsedFeed {
  format: 'rss' | 'atom' | 'rdf' | 'json';
  title?: string;
  link?: string;
  description?: string;
  language?: string;
  updatedAt?: string;
  publishedAt?: string;
  authors: string[];
  categories: string[];
  image?: string;
  /** Publisher's refresh hint (RSS ttl, sy:updatePeriod), in seconds. */
  refreshHintSeconds?: number;
  items: FeedItem[];
  /** True when the item cap cut the list. */
  truncated: boolean;
}

export interface ParseLimits {
  maxBytes: number;
  maxItems: number;
}
export const DEFAULT_LIMITS: ParseLimits = { maxBytes: 5 * 1024 * 1024, maxItems: 500 };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const str = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number') return String(v);
  if (isObj(v)) return str(v.value ?? v.text ?? v.name);
  return undefined;
};
const get = (o: unknown, ...path: string[]): unknown => {
  let cur: unknown = o;
  for (const p of path) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObj(cur)) cur = cur[p];
    else return undefined;
  }
  return cur;
};
const first = <T>(...vals: (T | undefined)[]): T | undefined => vals.find((v) => v !== undefined && v !== '');

// ---------------------------------------------------------------------------------------------- input

const BOMS: [number[], string][] = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xfe, 0xff], 'utf-16be'],
  [[0xff, 0xfe], 'utf-16le'],
];

/** Decodes feed bytes: BOM, then the XML declaration, then the HTTP charset, then UTF-8. */
export function decodeFeedBytes(bytes: Buffer | string, contentType?: string): string {
  if (typeof bytes === 'string') return bytes.replace(/^\uFEFF/, '');
  for (const [bom, enc] of BOMS) {
    if (bom.every((b, i) => bytes[i] === b)) return new TextDecoder(enc).decode(bytes.subarray(bom.length));
  }
  const head = bytes.subarray(0, 512).toString('latin1');
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/i.exec(head)?.[1];
  const fromHeader = contentType ? /charset\s*=\s*"?([A-Za-z0-9._:-]+)/i.exec(contentType)?.[1] : undefined;
  for (const label of [declared, fromHeader]) {
    if (!label) continue;
    let enc = label.toLowerCase();
    if (enc === 'utf-8' || enc === 'utf8') break;
    // As browsers do (WHATWG Encoding): "latin1" labels mean windows-1252, a superset with “smart quotes”.
    if (/^(iso-?8859-1|latin-?1|us-ascii|ascii)$/.test(enc)) enc = 'windows-1252';
    if (iconv.encodingExists(enc)) return iconv.decode(bytes, enc);
  }
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * Refuses what an XML parser must never expand: DTD entity declarations (billion laughs, XXE through
 * external entities) and parameter entities. A bare DOCTYPE without an internal subset (RSS 0.91's
 * Netscape DTD) is allowed: nothing is fetched or expanded for it.
 */
export function assertSafeXml(text: string): void {
  const doctype = /<!DOCTYPE\b/i.exec(text);
  if (!doctype) return;
  const rest = text.slice(doctype.index, doctype.index + 64 * 1024);
  if (/<!ENTITY\b/i.test(rest) || /\[[\s\S]*?%[A-Za-z_]/.test(rest.slice(0, rest.indexOf('>') + 1 || undefined))) {
    throw new FeedError('FEED_PARSE', 'feed declares DTD entities (refused: entity expansion / external entities)', {
      details: { reason: 'dtd-entity' },
    });
  }
  // An internal subset of any kind is refused as well: feeds have no use for one.
  const end = rest.search(/>/);
  const decl = rest.slice(0, end + 1);
  if (decl.includes('[')) {
    throw new FeedError('FEED_PARSE', 'feed has a DTD internal subset (refused)', { details: { reason: 'dtd-internal-subset' } });
  }
}

// ---------------------------------------------------------------------------------------------- images

function addImage(list: FoundImage[], img: Partial<FoundImage> | undefined, base?: string): void {
  if (!img?.url) return;
  const url = resolveUrl(img.url, base);
  if (!url) return;
  const existing = list.find((i) => i.url === url);
  if (existing) {
    // Merge metadata found elsewhere (e.g. a caption on the media:content, the size on the thumbnail).
    for (const k of ['alt', 'caption', 'credit', 'width', 'height'] as const) {
      if (existing[k] === undefined && img[k] !== undefined) (existing as unknown as Record<string, unknown>)[k] = img[k];
    }
    return;
  }
  const clean: FoundImage = { url };
  for (const k of ['alt', 'caption', 'credit'] as const) {
    const v = img[k] ? oneLine(htmlToText(img[k])) : '';
    if (v) clean[k] = v.slice(0, k === 'credit' ? 1000 : 4000);
  }
  if (img.width && Number.isInteger(img.width) && img.width > 0) clean.width = img.width;
  if (img.height && Number.isInteger(img.height) && img.height > 0) clean.height = img.height;
  list.push(clean);
}

const IMAGE_EXT = /\.(?:jpe?g|png|gif|webp|avif|bmp|tiff?)(?:$|[?#])/i;
const isImageType = (type: string | undefined, url: string | undefined, medium?: string) =>
  medium === 'image' || (type ? type.toLowerCase().startsWith('image/') : false) || (!type && !medium && !!url && IMAGE_EXT.test(url));

function credits(o: unknown): string | undefined {
  const c = arr(get(o, 'credits'))
    .map((x) => str(x))
    .filter(Boolean);
  return c.length ? c.join('; ') : undefined;
}
function mediaText(o: unknown, field: 'title' | 'description'): string | undefined {
  return str(get(o, field));
}

/** media:content / media:group / media:thumbnail (largest first), with captions and credits. */
function mediaImages(media: unknown, base: string | undefined, out: FoundImage[]): void {
  if (!isObj(media)) return;
  const groups = [media, ...arr(media.groups)];
  for (const g of groups) {
    const gCaption = mediaText(g, 'description') ?? mediaText(g, 'title');
    const gCredit = credits(g);
    const contents = arr(get(g, 'contents'))
      .filter(isObj)
      .filter((c) => isImageType(str(c.type), str(c.url), str(c.medium)));
    // Largest rendition first; other renditions of the same picture collapse onto it below.
    contents.sort((a, b) => (Number(b.width) || 0) - (Number(a.width) || 0));
    for (const c of contents) {
      addImage(
        out,
        {
          url: str(c.url),
          caption: mediaText(c, 'description') ?? mediaText(c, 'title') ?? gCaption,
          credit: credits(c) ?? gCredit,
          width: Number(c.width) || undefined,
          height: Number(c.height) || undefined,
        },
        base,
      );
    }
    const thumbs = [...arr(get(g, 'thumbnails')), ...contents.flatMap((c) => arr(c.thumbnails))].filter(isObj);
    thumbs.sort((a, b) => (Number(b.width) || 0) * (Number(b.height) || 1) - (Number(a.width) || 0) * (Number(a.height) || 1));
    for (const t of thumbs) {
      addImage(
        out,
        { url: str(t.url), caption: gCaption, credit: gCredit, width: Number(t.width) || undefined, height: Number(t.height) || undefined },
        base,
      );
    }
  }
}

/** Keeps one rendition per picture: the same path with different size parameters is one image. */
function dedupeRenditions(images: FoundImage[]): FoundImage[] {
  const seen = new Set<string>();
  const out: FoundImage[] = [];
  for (const img of images) {
    let k = img.url;
    try {
      const u = new URL(img.url);
      k = `${u.host}${u.pathname}`;
    } catch {
      /* keep the URL as key */
    }
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(img);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- mapping

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
/**
 * The value of an Atom text/content construct. A MIME `type` that is neither text nor XML means the
 * value is base64 (RFC 4287 §4.1.3.3); it is decoded when it is valid base64 of UTF-8 text.
 */
function atomValue(v: unknown): string | undefined {
  if (!isObj(v)) return str(v);
  const value = str(v.value);
  const type = str(v.type)?.toLowerCase();
  if (!value || !type || !type.includes('/') || type.startsWith('text/') || /[+/]xml$/.test(type) || type === 'xhtml') return value;
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) return value;
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  return decoded.includes('\uFFFD') ? value : decoded;
}

function escapeHtml(t: string): string {
  return t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function textOf(v: unknown): string | undefined {
  const s = str(v)?.replace(CONTROL, '');
  if (!s) return undefined;
  const t = looksLikeHtml(s) ? htmlToText(s) : s;
  return t.trim() || undefined;
}
function titleOf(v: unknown): string | undefined {
  const t = textOf(v);
  return t ? oneLine(t) : undefined;
}

function uniq(list: (string | undefined)[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const x of list) {
    const v = x ? oneLine(x) : '';
    if (!v || seen.has(v.toLowerCase())) continue;
    seen.add(v.toLowerCase());
    out.push(v);
  }
  return out;
}

function personName(p: unknown): string | undefined {
  if (typeof p === 'string') return p.trim() || undefined;
  if (!isObj(p)) return undefined;
  return str(p.name) ?? str(p.email);
}

/** "jane@example.com (Jane Doe)" → "Jane Doe". */
function cleanAuthor(a: string | undefined): string | undefined {
  if (!a) return undefined;
  const m = /^\s*[^\s()]+@[^\s()]+\s*\(([^)]+)\)\s*$/.exec(a);
  return (m ? m[1]! : a).trim() || undefined;
}

function finish(item: FeedItem, base: string | undefined, extraHtml: (string | undefined)[]): FeedItem {
  for (const h of extraHtml) for (const img of imagesInHtml(h, base)) addImage(item.images, img, base);
  item.images = dedupeRenditions(item.images).slice(0, 32);
  item.authors = uniq(item.authors.map(cleanAuthor)).slice(0, 32);
  item.categories = uniq(item.categories).slice(0, 64);
  // Mappers hand over absolute URLs (resolved against the right base); canonicalise them.
  if (item.url) item.url = canonicalUrl(item.url) ?? undefined;
  if (!item.url) delete item.url;
  return item;
}

function mapRssItem(it: Obj, base: string | undefined): FeedItem {
  const guid = str(get(it, 'guid', 'value')) ?? str(it.guid);
  const permalink = get(it, 'guid', 'isPermaLink') !== false && guid && /^https?:\/\//i.test(guid) ? guid : undefined;
  const atomLinks = arr(get(it, 'atom', 'links')).filter(isObj);
  const altLink = atomLinks.find((l) => !l.rel || l.rel === 'alternate');
  const rssBase = resolveUrl(str(get(it, 'xml', 'base')), base) ?? base;
  const url = resolveUrl(first(str(it.link), permalink, str(altLink?.href)), rssBase);
  const itemBase = url ?? rssBase;
  const description = str(it.description) ?? str(get(it, 'dc', 'descriptions', '0')) ?? str(get(it, 'dc', 'description'));
  const encoded = str(get(it, 'content', 'encoded')) ?? str(get(it, 'atom', 'content', 'value'));
  const dc = get(it, 'dc');
  const images: FoundImage[] = [];
  mediaImages(it.media, itemBase, images);
  for (const enc of arr(it.enclosures).filter(isObj)) {
    if (isImageType(str(enc.type), str(enc.url))) addImage(images, { url: str(enc.url) }, itemBase);
  }
  addImage(images, { url: str(get(it, 'itunes', 'image')) }, itemBase);
  const item: FeedItem = {
    ...(guid ? { guid } : {}),
    ...(url ? { url } : {}),
    title: titleOf(it.title) ?? titleOf(get(it, 'dc', 'titles', '0')) ?? titleOf(get(it, 'itunes', 'title')),
    summary: textOf(description) ?? textOf(get(it, 'itunes', 'summary')) ?? textOf(get(it, 'media', 'description')),
    ...(encoded ? { contentHtml: encoded } : {}),
    publishedAt: first(
      parseDate(str(it.pubDate)),
      parseDate(str(get(dc, 'dates', '0')) ?? str(get(dc, 'date'))),
      parseDate(str(get(it, 'dcterms', 'issued', '0'))),
      parseDate(str(get(it, 'dcterms', 'created', '0'))),
      parseDate(str(get(it, 'atom', 'published'))),
      parseDate(str(get(it, 'atom', 'updated'))),
    ),
    updatedAt: first(
      parseDate(str(get(it, 'atom', 'updated'))),
      parseDate(str(get(it, 'dcterms', 'modified', '0'))),
      parseDate(str(get(dc, 'dates', '0'))),
    ),
    authors: [
      ...arr(it.authors).map(personName),
      ...arr(get(dc, 'creators')).map(str),
      ...arr(get(it, 'dcterms', 'creators')).map(str),
      str(get(it, 'itunes', 'author')),
      ...arr(get(it, 'atom', 'authors')).map(personName),
    ].filter((x): x is string => !!x),
    categories: [
      ...arr(it.categories).map(str),
      ...arr(get(dc, 'subjects')).map(str),
      ...arr(get(it, 'itunes', 'keywords')).map(str),
      ...arr(get(it, 'atom', 'categories'))
        .filter(isObj)
        .map((c) => str(c.label) ?? str(c.term)),
    ].filter((x): x is string => !!x),
    images,
    enclosures: arr(it.enclosures)
      .filter(isObj)
      .map((e) => ({
        url: resolveUrl(str(e.url), itemBase) ?? '',
        ...(str(e.type) ? { type: str(e.type)! } : {}),
        ...(Number(e.length) > 0 ? { length: Number(e.length) } : {}),
      }))
      .filter((e) => e.url),
  };
  const lang = str(get(dc, 'languages', '0')) ?? str(get(dc, 'language'));
  if (lang) item.language = lang;
  return finish(item, itemBase, [encoded, description]);
}

function mapAtomEntry(e: Obj, base: string | undefined): FeedItem {
  const entryBase = resolveUrl(str(get(e, 'xml', 'base')), base) ?? base;
  const links = arr(e.links).filter(isObj);
  const alt =
    links.find((l) => !l.rel || l.rel === 'alternate') ??
    links.find((l) => l.rel !== 'self' && l.rel !== 'enclosure' && l.rel !== 'replies');
  const url = resolveUrl(str(alt?.href), entryBase);
  const itemBase = url ?? entryBase;
  const content = get(e, 'content');
  const contentValue = atomValue(content);
  const contentType = str(get(content, 'type'));
  const summary = atomValue(e.summary);
  const images: FoundImage[] = [];
  mediaImages(e.media, itemBase, images);
  for (const l of links) {
    if (l.rel === 'enclosure' && isImageType(str(l.type), str(l.href))) addImage(images, { url: str(l.href) }, itemBase);
  }
  addImage(images, { url: str(get(e, 'itunes', 'image')) }, itemBase);
  const isHtml = contentType === undefined || /html/i.test(contentType);
  const isText = contentType !== undefined && !isHtml;
  const item: FeedItem = {
    ...(str(e.id) ? { guid: str(e.id)! } : {}),
    ...(url ? { url } : {}),
    title: titleOf(atomValue(e.title)),
    summary: textOf(summary) ?? (contentValue && !isHtml ? contentValue : undefined) ?? textOf(get(e, 'media', 'description')),
    ...(contentValue && isHtml ? { contentHtml: contentValue } : contentValue && isText ? { contentHtml: escapeHtml(contentValue) } : {}),
    publishedAt: first(
      parseDate(str(e.published)),
      parseDate(str(get(e, 'dc', 'dates', '0'))),
      parseDate(str(get(e, 'dcterms', 'issued', '0'))),
      parseDate(str(e.updated)),
    ),
    updatedAt: parseDate(str(e.updated)),
    authors: [...arr(e.authors).map(personName), ...arr(get(e, 'dc', 'creators')).map(str)].filter((x): x is string => !!x),
    categories: [
      ...arr(e.categories)
        .filter(isObj)
        .map((c) => str(c.label) ?? str(c.term)),
      ...arr(get(e, 'dc', 'subjects')).map(str),
    ].filter((x): x is string => !!x),
    images,
    enclosures: links
      .filter((l) => l.rel === 'enclosure')
      .map((l) => ({
        url: resolveUrl(str(l.href), itemBase) ?? '',
        ...(str(l.type) ? { type: str(l.type)! } : {}),
        ...(Number(l.length) > 0 ? { length: Number(l.length) } : {}),
      }))
      .filter((x) => x.url),
  };
  const lang = str(get(e, 'xml', 'lang'));
  if (lang) item.language = lang;
  return finish(item, itemBase, [contentValue && isHtml ? contentValue : undefined, summary]);
}

function mapRdfItem(it: Obj, base: string | undefined): FeedItem {
  const url = resolveUrl(str(it.link) ?? str(get(it, 'rdf', 'about')), base);
  const itemBase = url ?? base;
  const dc = get(it, 'dc');
  const description = str(it.description);
  const encoded = str(get(it, 'content', 'encoded'));
  const images: FoundImage[] = [];
  mediaImages(it.media, itemBase, images);
  const item: FeedItem = {
    ...(str(get(it, 'rdf', 'about')) ? { guid: str(get(it, 'rdf', 'about'))! } : {}),
    ...(url ? { url } : {}),
    title: titleOf(it.title) ?? titleOf(get(dc, 'titles', '0')),
    summary: textOf(description) ?? textOf(get(dc, 'descriptions', '0')),
    ...(encoded ? { contentHtml: encoded } : {}),
    publishedAt: first(parseDate(str(get(dc, 'dates', '0'))), parseDate(str(get(it, 'dcterms', 'issued', '0')))),
    authors: arr(get(dc, 'creators'))
      .map(str)
      .filter((x): x is string => !!x),
    categories: arr(get(dc, 'subjects'))
      .map(str)
      .filter((x): x is string => !!x),
    images,
    enclosures: [],
  };
  const lang = str(get(dc, 'languages', '0'));
  if (lang) item.language = lang;
  return finish(item, itemBase, [encoded, description]);
}

function mapJsonItem(it: Obj, base: string | undefined): FeedItem {
  const url = resolveUrl(str(it.url) ?? str(it.external_url), base);
  const itemBase = url ?? base;
  const html = str(it.content_html);
  const images: FoundImage[] = [];
  addImage(images, { url: str(it.image) }, itemBase);
  addImage(images, { url: str(it.banner_image) }, itemBase);
  for (const a of arr(it.attachments).filter(isObj)) {
    if (isImageType(str(a.mime_type), str(a.url))) addImage(images, { url: str(a.url), caption: str(a.title) }, itemBase);
  }
  const item: FeedItem = {
    ...(str(it.id) ? { guid: str(it.id)! } : {}),
    ...(url ? { url } : {}),
    title: titleOf(it.title),
    summary: textOf(it.summary) ?? str(it.content_text),
    ...(html ? { contentHtml: html } : str(it.content_text) ? { contentHtml: escapeHtml(str(it.content_text)!) } : {}),
    publishedAt: first(parseDate(str(it.date_published)), parseDate(str(it.date_modified))),
    updatedAt: parseDate(str(it.date_modified)),
    authors: [...arr(it.authors), ...arr(it.author)].map(personName).filter((x): x is string => !!x),
    categories: arr(it.tags)
      .map(str)
      .filter((x): x is string => !!x),
    images,
    enclosures: arr(it.attachments)
      .filter(isObj)
      .map((a) => ({
        url: resolveUrl(str(a.url), itemBase) ?? '',
        ...(str(a.mime_type) ? { type: str(a.mime_type)! } : {}),
        ...(Number(a.size_in_bytes) > 0 ? { length: Number(a.size_in_bytes) } : {}),
      }))
      .filter((x) => x.url),
  };
  if (str(it.language)) item.language = str(it.language)!;
  return finish(item, itemBase, [html]);
}

function refreshHint(feed: Obj): number | undefined {
  const ttl = Number(feed.ttl);
  if (Number.isFinite(ttl) && ttl > 0) return ttl * 60;
  const period = str(get(feed, 'sy', 'updatePeriod'));
  const freq = Number(get(feed, 'sy', 'updateFrequency')) || 1;
  const seconds: Record<string, number> = { hourly: 3600, daily: 86_400, weekly: 604_800, monthly: 2_592_000, yearly: 31_536_000 };
  if (period && seconds[period.toLowerCase()]) return Math.round(seconds[period.toLowerCase()]! / freq);
  return undefined;
}

/** JSON Feed input, accepting the bare version strings ("1.0", "1.1") some publishers write. */
function jsonFeedInput(text: string): object {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FeedError('FEED_PARSE', `invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (isObj(value) && Array.isArray(value.items) && !/jsonfeed\.org\/version\//.test(String(value.version ?? ''))) {
    const v = String(value.version ?? '1.1').replace(/^v/i, '');
    return { ...value, version: `https://jsonfeed.org/version/${v.startsWith('1.0') || v === '1' ? '1' : '1.1'}` };
  }
  return value as object;
}

/** The format of a syntactically valid but empty feed document (root element only), else undefined. */
function emptyFeedFormat(text: string): ParsedFeed['format'] | undefined {
  const body = text
    .replace(/<\?xml[\s\S]*?\?>/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!DOCTYPE[^>]*>/i, '')
    .trim();
  const m = /^<([A-Za-z:]+)\b[^>]*?(\/>|>([\s\S]*)<\/\1>)$/.exec(body);
  if (!m) return undefined;
  const inner = (m[3] ?? '').replace(/<channel\b[^>]*\/>|<channel\b[^>]*>\s*<\/channel>/gi, '').trim();
  if (inner && /<item\b|<entry\b/i.test(inner)) return undefined;
  const name = m[1]!.toLowerCase();
  if (name === 'rss') return 'rss';
  if (name === 'feed') return 'atom';
  if (name === 'rdf:rdf') return 'rdf';
  return undefined;
}

/**
 * Parses a feed document (bytes or text) into normalised items. `baseUrl` (the feed's final URL)
 * resolves relative links. Throws FeedError FEED_TOO_LARGE / FEED_PARSE.
 */
export function parseFeedDocument(
  input: Buffer | string,
  opts: { baseUrl?: string; contentType?: string; limits?: Partial<ParseLimits> } = {},
): ParsedFeed {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > limits.maxBytes)
    throw new FeedError('FEED_TOO_LARGE', `feed document is ${size} bytes (limit ${limits.maxBytes})`, {
      details: { bytes: size, maxBytes: limits.maxBytes },
    });
  const text = decodeFeedBytes(input, opts.contentType);
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) assertSafeXml(trimmed.slice(0, 70_000));

  let parsed: { format: string; feed: unknown };
  try {
    parsed = parseFeed(trimmed.startsWith('{') ? jsonFeedInput(trimmed) : trimmed) as { format: string; feed: unknown };
  } catch (err) {
    // A well-formed feed with nothing in it (no title, no items) is an empty feed, not an error.
    const root = emptyFeedFormat(trimmed);
    if (!root) throw new FeedError('FEED_PARSE', `not a recognisable feed: ${(err as Error).message}`, { cause: err });
    parsed = { format: root, feed: {} };
  }
  const feed = isObj(parsed.feed) ? parsed.feed : {};
  const format = parsed.format as ParsedFeed['format'];
  const feedBase =
    resolveUrl(str(get(feed, 'xml', 'base')), opts.baseUrl) ??
    opts.baseUrl ??
    resolveUrl(str(feed.link)) ??
    resolveUrl(str(feed.home_page_url)) ??
    resolveUrl(
      str(
        arr(feed.links)
          .filter(isObj)
          .find((l) => !l.rel || l.rel === 'alternate')?.href,
      ),
    );
  const rawItems = arr(format === 'atom' ? feed.entries : feed.items).filter(isObj);
  const truncated = rawItems.length > limits.maxItems;
  const mapper = { rss: mapRssItem, atom: mapAtomEntry, rdf: mapRdfItem, json: mapJsonItem }[format];
  if (!mapper) throw new FeedError('FEED_PARSE', `unsupported feed format ${String(parsed.format)}`);
  const items = rawItems.slice(0, limits.maxItems).map((it) => mapper(it, feedBase));
  const title =
    (format === 'atom' ? titleOf(atomValue(feed.title)) : titleOf(feed.title)) ??
    titleOf(get(feed, 'dc', 'titles', '0')) ??
    titleOf(get(feed, 'dc', 'title'));
  const link =
    format === 'atom'
      ? resolveUrl(
          str(
            arr(feed.links)
              .filter(isObj)
              .find((l) => !l.rel || l.rel === 'alternate')?.href,
          ),
          feedBase,
        )
      : resolveUrl(
          str(feed.link) ??
            str(feed.home_page_url) ??
            str(
              arr(get(feed, 'atom', 'links'))
                .filter(isObj)
                .find((l) => l.rel === 'alternate' || !l.rel)?.href,
            ),
          feedBase,
        );
  const language =
    str(feed.language) ?? str(get(feed, 'xml', 'lang')) ?? str(get(feed, 'dc', 'languages', '0')) ?? str(get(feed, 'dc', 'language'));
  const hint = refreshHint(feed);
  const description =
    textOf(format === 'atom' ? atomValue(feed.subtitle) : feed.description) ??
    textOf(get(feed, 'itunes', 'summary')) ??
    textOf(get(feed, 'dc', 'descriptions', '0'));
  const updatedAt = first(
    parseDate(str(feed.updated)),
    parseDate(str(feed.lastBuildDate)),
    parseDate(str(feed.date_modified)),
    parseDate(str(get(feed, 'dc', 'dates', '0'))),
    parseDate(str(get(feed, 'atom', 'updated'))),
  );
  const publishedAt = first(parseDate(str(feed.pubDate)), parseDate(str(get(feed, 'dc', 'dates', '0'))));
  const authors = uniq(
    [
      ...arr(feed.authors).map(personName),
      ...arr(feed.author).map(personName),
      personName(feed.managingEditor),
      personName(feed.webMaster),
      ...arr(get(feed, 'dc', 'creators')).map(str),
      str(get(feed, 'itunes', 'author')),
      ...arr(get(feed, 'atom', 'authors')).map(personName),
    ].map(cleanAuthor),
  );
  const categories = uniq([
    ...arr(feed.categories).map((c) => (isObj(c) ? (str(c.label) ?? str(c.term) ?? str(c.name) ?? str(c.text)) : str(c))),
    ...arr(get(feed, 'dc', 'subjects')).map(str),
    ...arr(get(feed, 'itunes', 'categories')).flatMap((c) => [
      str(get(c, 'text')),
      ...arr(get(c, 'categories')).map((sub) => str(get(sub, 'text'))),
    ]),
    ...arr(get(feed, 'itunes', 'keywords')).map(str),
  ]);
  const image = resolveUrl(
    str(get(feed, 'image', 'url')) ??
      str(feed.logo) ??
      str(feed.icon) ??
      str(get(feed, 'itunes', 'image')) ??
      str(get(feed, 'media', 'thumbnails', '0', 'url')) ??
      str(get(feed, 'media', 'contents', '0', 'url')) ??
      str(feed.image) ??
      imagesInHtml(str(feed.description), feedBase)[0]?.url,
    feedBase,
  );
  return {
    format,
    ...(title ? { title } : {}),
    ...(link ? { link } : {}),
    ...(description ? { description } : {}),
    ...(language ? { language } : {}),
    ...(updatedAt ? { updatedAt } : {}),
    ...(publishedAt ? { publishedAt } : {}),
    authors,
    categories,
    ...(image ? { image } : {}),
    ...(hint ? { refreshHintSeconds: hint } : {}),
    items,
    truncated,
  };
}
