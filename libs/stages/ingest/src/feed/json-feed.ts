/** JSON Feed 1.0/1.1: the input fix-up for bare version strings, and items. */
import { FeedError } from '@newsfuse/shared/errors';
import { parseDate } from '../dates.ts';
import type { FoundImage } from '../html.ts';
import { resolveUrl } from '../urls.ts';
import { addImage, isImageType } from './images.ts';
import { finish } from './item.ts';
import type { FeedItem } from './types.ts';
import { arr, escapeHtml, first, isObj, personName, str, textOf, titleOf, type Obj } from './values.ts';

/** JSON Feed input, accepting the bare version strings ("1.0", "1.1") some publishers write. */
export function jsonFeedInput(text: string): object {
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

export function mapJsonItem(it: Obj, base: string | undefined): FeedItem {
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
