/** The last step of every format's item mapper: inline images, de-duplicated lists, a canonical URL. */
import { imagesInHtml } from '../html.ts';
import { canonicalUrl } from '../urls.ts';
import { addImage, dedupeRenditions } from './images.ts';
import type { FeedItem } from './types.ts';
import { cleanAuthor, uniq } from './values.ts';

export function finish(item: FeedItem, base: string | undefined, extraHtml: (string | undefined)[]): FeedItem {
  for (const h of extraHtml) for (const img of imagesInHtml(h, base)) addImage(item.images, img, base);
  item.images = dedupeRenditions(item.images).slice(0, 32);
  item.authors = uniq(item.authors.map(cleanAuthor)).slice(0, 32);
  item.categories = uniq(item.categories).slice(0, 64);
  // Mappers hand over absolute URLs (resolved against the right base); canonicalise them.
  if (item.url) item.url = canonicalUrl(item.url) ?? undefined;
  if (!item.url) delete item.url;
  return item;
}
