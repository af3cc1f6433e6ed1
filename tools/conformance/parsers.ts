/**
 * The parsers under comparison, each mapped onto the same canonical view with a thin, good-faith
 * adapter. "feedsmith" is the production path (feedsmith + libs/stages/ingest/src/feed/ normaliser, exactly what the
 * poller runs); the others use their own normalised output plus the obvious raw fields.
 */
import { parseFeedDocument } from '@newsfuse/stage-ingest/feed';

export interface CanonItem {
  title?: string;
  link?: string;
  guid?: string;
  description?: string;
  content?: string;
  published?: string;
  updated?: string;
  authors: string[];
  categories: string[];
  enclosures: string[];
  image?: string;
  images: string[];
}
export interface CanonFeed {
  format?: string;
  feed: {
    title?: string;
    link?: string;
    description?: string;
    language?: string;
    updated?: string;
    published?: string;
    authors: string[];
    categories: string[];
    image?: string;
  };
  items: CanonItem[];
}

export interface ParserUnderTest {
  name: string;
  parse(doc: Buffer, file: string): Promise<CanonFeed>;
}

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const s = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v.trim() ? v : undefined;
  if (typeof v === 'number') return String(v);
  if (isObj(v)) return s(v._ ?? v['#text'] ?? v.value ?? v.name ?? v.term ?? v.href ?? v['@_href']);
  return undefined;
};
const defined = (list: (string | undefined)[]) => list.filter((x): x is string => !!x);

export const feedsmithParser: ParserUnderTest = {
  name: 'feedsmith',
  async parse(doc) {
    const f = parseFeedDocument(doc, { limits: { maxItems: 10_000, maxBytes: 50 * 1024 * 1024 } });
    return {
      format: f.format,
      feed: {
        ...(f.title ? { title: f.title } : {}),
        ...(f.link ? { link: f.link } : {}),
        ...(f.description ? { description: f.description } : {}),
        ...(f.language ? { language: f.language } : {}),
        ...(f.updatedAt ? { updated: f.updatedAt } : {}),
        ...(f.publishedAt ? { published: f.publishedAt } : {}),
        authors: f.authors,
        categories: f.categories,
        ...(f.image ? { image: f.image } : {}),
      },
      items: f.items.map((it) => ({
        ...(it.title ? { title: it.title } : {}),
        ...(it.url ? { link: it.url } : {}),
        ...(it.guid ? { guid: it.guid } : {}),
        ...(it.summary ? { description: it.summary } : {}),
        ...(it.contentHtml ? { content: it.contentHtml } : {}),
        ...(it.publishedAt ? { published: it.publishedAt } : {}),
        ...(it.updatedAt ? { updated: it.updatedAt } : {}),
        authors: it.authors,
        categories: it.categories,
        enclosures: it.enclosures.map((e) => e.url),
        ...(it.images[0] ? { image: it.images[0].url } : {}),
        images: it.images.map((i) => i.url),
      })),
    };
  },
};

export const rssParserParser: ParserUnderTest = {
  name: 'rss-parser',
  async parse(doc) {
    const { default: Parser } = await import('rss-parser');
    const parser = new Parser({
      customFields: {
        feed: ['language', 'updated', 'subtitle'] as never,
        item: ['media:content', 'media:thumbnail', 'itunes:image', 'dc:creator', 'summary', 'updated', 'published'] as never,
      },
    });
    const text = doc.toString('utf8');
    if (text.trimStart().startsWith('{')) throw new Error('rss-parser does not read JSON Feed');
    const f = (await parser.parseString(text)) as unknown as J;
    const items = arr(f.items).filter(isObj);
    return {
      feed: {
        ...(s(f.title) ? { title: s(f.title)! } : {}),
        ...(s(f.link) ? { link: s(f.link)! } : {}),
        ...((s(f.description) ?? s(f.subtitle)) ? { description: (s(f.description) ?? s(f.subtitle))! } : {}),
        ...(s(f.language) ? { language: s(f.language)! } : {}),
        ...((s(f.lastBuildDate) ?? s(f.updated)) ? { updated: (s(f.lastBuildDate) ?? s(f.updated))! } : {}),
        authors: defined([s(f.managingEditor), s(f.creator), s(f.author), s((f.itunes as J | undefined)?.author)]),
        categories: defined(arr((f.itunes as J | undefined)?.categories).map(s)),
        ...((s((f.image as J | undefined)?.url) ?? s((f.itunes as J | undefined)?.image))
          ? { image: (s((f.image as J | undefined)?.url) ?? s((f.itunes as J | undefined)?.image))! }
          : {}),
      },
      items: items.map((it) => {
        const media = [...arr(it['media:content']), ...arr(it['media:thumbnail'])].map((m) =>
          isObj(m) && isObj(m.$) ? s(m.$.url) : undefined,
        );
        const images = defined([
          ...media,
          s((it.itunes as J | undefined)?.image),
          isObj(it['itunes:image']) && isObj((it['itunes:image'] as J).$) ? s(((it['itunes:image'] as J).$ as J).href) : undefined,
        ]);
        return {
          ...(s(it.title) ? { title: s(it.title)! } : {}),
          ...(s(it.link) ? { link: s(it.link)! } : {}),
          ...((s(it.guid) ?? s(it.id)) ? { guid: (s(it.guid) ?? s(it.id))! } : {}),
          ...((s(it.summary) ?? s(it.content)) ? { description: (s(it.summary) ?? s(it.content))! } : {}),
          ...((s(it['content:encoded']) ?? s(it.content)) ? { content: (s(it['content:encoded']) ?? s(it.content))! } : {}),
          ...((s(it.isoDate) ?? s(it.pubDate)) ? { published: (s(it.isoDate) ?? s(it.pubDate))! } : {}),
          ...(s(it.updated) ? { updated: s(it.updated)! } : {}),
          authors: defined([s(it.creator), s(it['dc:creator']), s(it.author)]),
          categories: defined(arr(it.categories).map(s)),
          enclosures: defined(arr(it.enclosure).map((e) => (isObj(e) ? s(e.url) : undefined))),
          ...(images[0] ? { image: images[0] } : {}),
          images,
        };
      }),
    };
  },
};

export const feedExtractorParser: ParserUnderTest = {
  name: '@extractus/feed-extractor',
  async parse(doc) {
    const { extractFromXml, extractFromJson } = await import('@extractus/feed-extractor');
    const text = doc.toString('utf8');
    const raw: J[] = [];
    const opts = {
      normalization: true,
      descriptionMaxLen: 0,
      useISODateFormat: true,
      getExtraEntryFields: (entry: unknown) => {
        raw.push(isObj(entry) ? entry : {});
        return {};
      },
      getExtraFeedFields: (feed: unknown) => ({ __raw: feed }),
    };
    const isJson = text.trimStart().startsWith('{');
    const f = (isJson ? extractFromJson(JSON.parse(text), opts) : extractFromXml(text, opts)) as unknown as J;
    if (!f || (!s(f.title) && arr(f.entries).length === 0 && !isObj(f.__raw))) throw new Error('not a feed');
    const rf = isObj(f.__raw) ? f.__raw : {};
    return {
      feed: {
        ...(s(f.title) ? { title: s(f.title)! } : {}),
        ...(s(f.link) ? { link: s(f.link)! } : {}),
        ...(s(f.description) ? { description: s(f.description)! } : {}),
        ...(s(f.language) ? { language: s(f.language)! } : {}),
        ...(s(f.published) ? { updated: s(f.published)! } : {}),
        authors: defined([...arr(rf.author).map(s), s(rf.managingEditor), s(rf['dc:creator'])]),
        categories: defined(arr(rf.category).map(s)),
        ...((s((rf.image as J | undefined)?.url) ?? s(rf.logo)) ? { image: (s((rf.image as J | undefined)?.url) ?? s(rf.logo))! } : {}),
      },
      items: arr(f.entries)
        .filter(isObj)
        .map((e, i) => {
          const r = raw[i] ?? {};
          const images = defined([
            ...arr(r['media:content']).map((m) => (isObj(m) ? s(m['@_url']) : undefined)),
            ...arr(r['media:thumbnail']).map((m) => (isObj(m) ? s(m['@_url']) : undefined)),
            s(r.image),
          ]);
          return {
            ...(s(e.title) ? { title: s(e.title)! } : {}),
            ...(s(e.link) ? { link: s(e.link)! } : {}),
            ...(s(e.id) ? { guid: s(e.id)! } : {}),
            ...(s(e.description) ? { description: s(e.description)! } : {}),
            ...((s(r['content:encoded']) ?? s(r.content) ?? s(r.content_html))
              ? { content: (s(r['content:encoded']) ?? s(r.content) ?? s(r.content_html))! }
              : {}),
            ...(s(e.published) ? { published: s(e.published)! } : {}),
            ...((s(r.updated) ?? s(r.date_modified)) ? { updated: (s(r.updated) ?? s(r.date_modified))! } : {}),
            authors: defined([
              ...arr(r.author).map((a) => (isObj(a) ? s(a.name) : s(a))),
              s(r['dc:creator']),
              ...arr(r.authors).map((a) => (isObj(a) ? s(a.name) : undefined)),
            ]),
            categories: defined([
              ...arr(r.category).map((c) => (isObj(c) ? (s(c['@_label']) ?? s(c['@_term']) ?? s(c)) : s(c))),
              ...arr(r.tags).map(s),
            ]),
            enclosures: defined(arr(r.enclosure).map((x) => (isObj(x) ? s(x['@_url']) : undefined))),
            ...(images[0] ? { image: images[0] } : {}),
            images,
          };
        }),
    };
  },
};

export const PARSERS: ParserUnderTest[] = [feedsmithParser, rssParserParser, feedExtractorParser];
