/** RDF (RSS 0.90/1.0) items: rdf:about, the dc and dcterms namespaces, media images. */
import { parseDate } from '../dates.ts';
import type { FoundImage } from '../html.ts';
import { resolveUrl } from '../urls.ts';
import { mediaImages } from './images.ts';
import { finish } from './item.ts';
import type { FeedItem } from './types.ts';
import { arr, first, get, str, textOf, titleOf, type Obj } from './values.ts';

export function mapRdfItem(it: Obj, base: string | undefined): FeedItem {
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
