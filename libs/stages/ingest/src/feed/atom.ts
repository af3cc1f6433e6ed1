/** Atom 0.3/1.0 entries, and the value of Atom text constructs (base64 content included). */
import { parseDate } from '../dates.ts';
import type { FoundImage } from '../html.ts';
import { resolveUrl } from '../urls.ts';
import { addImage, isImageType, mediaImages } from './images.ts';
import { finish } from './item.ts';
import type { FeedItem } from './types.ts';
import { arr, escapeHtml, first, get, isObj, personName, str, textOf, titleOf, type Obj } from './values.ts';

/**
 * The value of an Atom text/content construct. A MIME `type` that is neither text nor XML means the
 * value is base64 (RFC 4287 §4.1.3.3); it is decoded when it is valid base64 of UTF-8 text.
 */
export function atomValue(v: unknown): string | undefined {
  if (!isObj(v)) return str(v);
  const value = str(v.value);
  const type = str(v.type)?.toLowerCase();
  if (!value || !type || !type.includes('/') || type.startsWith('text/') || /[+/]xml$/.test(type) || type === 'xhtml') return value;
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) return value;
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  return decoded.includes('\uFFFD') ? value : decoded;
}

export function mapAtomEntry(e: Obj, base: string | undefined): FeedItem {
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
