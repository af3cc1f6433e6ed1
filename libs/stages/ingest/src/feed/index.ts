/**
 * Feed documents → normalised items (pure). RSS 0.9x/2.0, RDF, Atom 0.3/1.0 and JSON Feed 1.0/1.1 are
 * parsed by feedsmith; this folder hardens the input (input.ts: size cap, no DTD entity declarations,
 * item cap), decodes the bytes, and maps each format's fields (rss.ts, atom.ts, rdf.ts, json-feed.ts;
 * plus the dc, content, media, itunes and atom namespaces) onto one `FeedItem` shape (types.ts): text
 * title/summary, resolved links, ISO dates, images (images.ts). This module parses and maps the feed
 * itself; the channel-level fields of every format are read here.
 */
import { parseFeed } from 'feedsmith';
import { FeedError } from '@newsfuse/shared/errors';
import { parseDate } from '../dates.ts';
import { imagesInHtml } from '../html.ts';
import { resolveUrl } from '../urls.ts';
import { atomValue, mapAtomEntry } from './atom.ts';
import { assertSafeXml, decodeFeedBytes, emptyFeedFormat } from './input.ts';
import { jsonFeedInput, mapJsonItem } from './json-feed.ts';
import { mapRdfItem } from './rdf.ts';
import { mapRssItem, refreshHint } from './rss.ts';
import { DEFAULT_LIMITS, type ParsedFeed, type ParseLimits } from './types.ts';
import { arr, cleanAuthor, first, get, isObj, personName, str, textOf, titleOf, uniq } from './values.ts';

export { assertSafeXml, decodeFeedBytes } from './input.ts';
export { DEFAULT_LIMITS, type FeedItem, type ParsedFeed, type ParseLimits } from './types.ts';

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
