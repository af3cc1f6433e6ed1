/** RSS 0.9x/2.0 items (with the dc, dcterms, content, media, itunes and atom namespaces) and the channel's refresh hint. */
import { parseDate } from '../dates.ts';
import type { FoundImage } from '../html.ts';
import { resolveUrl } from '../urls.ts';
import { addImage, isImageType, mediaImages } from './images.ts';
import { finish } from './item.ts';
import type { FeedItem } from './types.ts';
import { arr, first, get, isObj, personName, str, textOf, titleOf, type Obj } from './values.ts';

export function mapRssItem(it: Obj, base: string | undefined): FeedItem {
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

export function refreshHint(feed: Obj): number | undefined {
  const ttl = Number(feed.ttl);
  if (Number.isFinite(ttl) && ttl > 0) return ttl * 60;
  const period = str(get(feed, 'sy', 'updatePeriod'));
  const freq = Number(get(feed, 'sy', 'updateFrequency')) || 1;
  const seconds: Record<string, number> = { hourly: 3600, daily: 86_400, weekly: 604_800, monthly: 2_592_000, yearly: 31_536_000 };
  if (period && seconds[period.toLowerCase()]) return Math.round(seconds[period.toLowerCase()]! / freq);
  return undefined;
}
