/**
 * Feed-parser conformance cases: gofeed's testdata (parser/*, translator/*, extensions/*) and
 * rss-parser's input/output pairs, turned into per-field checks on one canonical view.
 *
 * A case is a document plus checks; each check names a field (feed.title, items.0.link, …) and the
 * value the reference implementation produced. Fields are compared after light normalisation (text:
 * HTML stripped and whitespace collapsed; dates: same instant; URLs: canonical form; lists: same
 * members), so the comparison measures what a consumer of the parser sees, not formatting choices.
 * A case passes when the document parses and every check holds.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export type Value = string | string[];

export interface Check {
  field: string;
  expected: Value;
}

export interface Case {
  folder: string;
  name: string;
  file: string;
  /** When set, the parser must reject the document (or, for `format`, detect this format). */
  expectError?: boolean;
  format?: 'rss' | 'atom' | 'rdf' | 'json';
  checks: Check[];
}

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const s = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : typeof v === 'number' ? String(v) : undefined);

class Collector {
  checks: Check[] = [];
  add(field: string, v: Value | undefined) {
    if (v === undefined) return;
    if (Array.isArray(v)) {
      const list = v.filter((x) => typeof x === 'string' && x.trim() !== '');
      if (list.length) this.checks.push({ field, expected: list });
    } else if (v.trim() !== '') this.checks.push({ field, expected: v });
  }
}

function names(list: unknown): string[] {
  return arr(list)
    .map((p) => (typeof p === 'string' ? p : isObj(p) ? (s(p.name) ?? s(p.email) ?? '') : ''))
    .filter(Boolean);
}

/** gofeed's universal Feed (translator/*, extensions/*). */
function fromUniversal(e: J, c: Collector) {
  c.add('feed.title', s(e.title));
  c.add('feed.link', s(e.link));
  c.add('feed.description', s(e.description));
  c.add('feed.language', s(e.language));
  c.add('feed.updated', s(e.updatedParsed));
  c.add('feed.published', s(e.publishedParsed));
  c.add('feed.authors', names(e.authors ?? e.author));
  c.add(
    'feed.categories',
    arr(e.categories).map((x) => s(x) ?? ''),
  );
  c.add('feed.image', s((e.image as J | undefined)?.url));
  arr(e.items).forEach((raw, i) => {
    if (!isObj(raw)) return;
    const p = `items.${i}`;
    c.add(`${p}.title`, s(raw.title));
    c.add(`${p}.link`, s(raw.link));
    c.add(`${p}.guid`, s(raw.guid));
    c.add(`${p}.description`, s(raw.description));
    c.add(`${p}.content`, s(raw.content));
    c.add(`${p}.published`, s(raw.publishedParsed));
    c.add(`${p}.updated`, s(raw.updatedParsed));
    c.add(`${p}.authors`, names(raw.authors ?? raw.author));
    c.add(
      `${p}.categories`,
      arr(raw.categories).map((x) => s(x) ?? ''),
    );
    c.add(
      `${p}.enclosures`,
      arr(raw.enclosures).map((x) => (isObj(x) ? (s(x.url) ?? '') : '')),
    );
    c.add(`${p}.image`, s((raw.image as J | undefined)?.url));
  });
}

/** gofeed's rss.Feed (parser/rss). */
function fromRss(e: J, c: Collector) {
  c.add('feed.title', s(e.title));
  c.add('feed.link', s(e.link));
  c.add('feed.description', s(e.description));
  c.add('feed.language', s(e.language));
  c.add('feed.image', s((e.image as J | undefined)?.url));
  c.add(
    'feed.categories',
    arr(e.categories).map((x) => (isObj(x) ? (s(x.value) ?? '') : (s(x) ?? ''))),
  );
  arr(e.items).forEach((raw, i) => {
    if (!isObj(raw)) return;
    const p = `items.${i}`;
    c.add(`${p}.title`, s(raw.title));
    c.add(`${p}.link`, s(raw.link));
    c.add(`${p}.guid`, s((raw.guid as J | undefined)?.value));
    c.add(`${p}.description`, s(raw.description));
    c.add(`${p}.content`, s(raw.content));
    c.add(`${p}.published`, s(raw.pubDateParsed));
    c.add(`${p}.authors`, s(raw.author) ? [s(raw.author)!] : undefined);
    c.add(
      `${p}.categories`,
      arr(raw.categories).map((x) => (isObj(x) ? (s(x.value) ?? '') : (s(x) ?? ''))),
    );
    c.add(
      `${p}.enclosures`,
      [...arr(raw.enclosure), ...arr(raw.enclosures)].map((x) => (isObj(x) ? (s(x.url) ?? '') : '')),
    );
  });
}

function atomLink(links: unknown): string | undefined {
  const list = arr(links).filter(isObj);
  const alt = list.find((l) => !s(l.rel) || l.rel === 'alternate');
  return s(alt?.href);
}
const atomText = (v: unknown) => (isObj(v) ? s(v.value) : s(v));

/** gofeed's atom.Feed (parser/atom). */
function fromAtom(e: J, c: Collector) {
  c.add('feed.title', s(e.title));
  c.add('feed.link', atomLink(e.links));
  c.add('feed.description', s(e.subtitle));
  c.add('feed.updated', s(e.updatedParsed));
  c.add('feed.authors', names(e.authors));
  c.add(
    'feed.categories',
    arr(e.categories).map((x) => (isObj(x) ? (s(x.label) ?? s(x.term) ?? '') : '')),
  );
  arr(e.entries).forEach((raw, i) => {
    if (!isObj(raw)) return;
    const p = `items.${i}`;
    c.add(`${p}.title`, s(raw.title));
    c.add(`${p}.link`, atomLink(raw.links));
    c.add(`${p}.guid`, s(raw.id));
    c.add(`${p}.description`, s(raw.summary));
    c.add(`${p}.content`, atomText(raw.content));
    c.add(`${p}.published`, s(raw.publishedParsed));
    c.add(`${p}.updated`, s(raw.updatedParsed));
    c.add(`${p}.authors`, names(raw.authors));
    c.add(
      `${p}.categories`,
      arr(raw.categories).map((x) => (isObj(x) ? (s(x.label) ?? s(x.term) ?? '') : '')),
    );
    c.add(
      `${p}.enclosures`,
      arr(raw.links)
        .filter(isObj)
        .filter((l) => l.rel === 'enclosure')
        .map((l) => s(l.href) ?? ''),
    );
  });
}

/** gofeed's json.Feed (parser/json/*_expected.json): JSON Feed field names. */
function fromJsonFeed(e: J, c: Collector) {
  c.add('feed.title', s(e.title));
  c.add('feed.link', s(e.home_page_url));
  c.add('feed.description', s(e.description));
  c.add('feed.authors', names(e.authors ?? e.author));
  arr(e.items).forEach((raw, i) => {
    if (!isObj(raw)) return;
    const p = `items.${i}`;
    c.add(`${p}.title`, s(raw.title));
    c.add(`${p}.link`, s(raw.url));
    c.add(`${p}.guid`, s(raw.id));
    c.add(`${p}.description`, s(raw.summary));
    c.add(`${p}.content`, s(raw.content_html) ?? s(raw.content_text));
    c.add(`${p}.published`, s(raw.date_published));
    c.add(`${p}.updated`, s(raw.date_modified));
    c.add(`${p}.authors`, names(raw.authors ?? raw.author));
    c.add(
      `${p}.categories`,
      arr(raw.tags).map((x) => s(x) ?? ''),
    );
    c.add(`${p}.image`, s(raw.image));
  });
}

/** rss-parser's own expected output (rss-parser/output/*.json). */
function fromRssParser(e: J, c: Collector) {
  const feed = isObj(e.feed) ? e.feed : e;
  c.add('feed.title', s(feed.title));
  c.add('feed.link', s(feed.link));
  arr(feed.items).forEach((raw, i) => {
    if (!isObj(raw)) return;
    const p = `items.${i}`;
    c.add(`${p}.title`, s(raw.title));
    c.add(`${p}.link`, s(raw.link));
    c.add(`${p}.guid`, s(raw.guid) ?? s(raw.id));
    c.add(`${p}.published`, s(raw.isoDate));
    const author = s(raw.creator) ?? s(raw.author);
    c.add(`${p}.authors`, author ? [author] : undefined);
    c.add(
      `${p}.categories`,
      arr(raw.categories).map((x) => (isObj(x) ? (s(x._) ?? s(x.term) ?? '') : (s(x) ?? ''))),
    );
    c.add(
      `${p}.enclosures`,
      arr(raw.enclosure).map((x) => (isObj(x) ? (s(x.url) ?? '') : '')),
    );
  });
}

function listPairs(dir: string, docExt: RegExp, expectedFor: (doc: string) => string | undefined): { doc: string; expected?: string }[] {
  if (!existsSync(dir)) return [];
  const out: { doc: string; expected?: string }[] = [];
  for (const f of readdirSync(dir).sort()) {
    const full = path.join(dir, f);
    if (statSync(full).isDirectory() || !docExt.test(f)) continue;
    const exp = expectedFor(full);
    out.push({ doc: full, ...(exp && existsSync(exp) ? { expected: exp } : {}) });
  }
  return out;
}

function readJson(file: string): J {
  return JSON.parse(readFileSync(file, 'utf8')) as J;
}

function makeCase(folder: string, doc: string, checks: Check[], extra: Partial<Case> = {}): Case {
  return { folder, name: path.basename(doc), file: doc, checks, ...extra };
}

/** Loads every case under `<shared>/data/feeds`. Returns [] when the folders are absent. */
export function loadCases(feedsRoot: string): Case[] {
  const gofeed = path.join(feedsRoot, 'gofeed', 'testdata');
  const cases: Case[] = [];
  const swap = (doc: string) => doc.replace(/\.xml$/, '.json');

  for (const sub of ['rss', 'atom']) {
    for (const { doc, expected } of listPairs(path.join(gofeed, 'parser', sub), /\.xml$/, swap)) {
      if (!expected) continue;
      const c = new Collector();
      (sub === 'rss' ? fromRss : fromAtom)(readJson(expected), c);
      cases.push(makeCase(`gofeed/parser/${sub}`, doc, c.checks));
    }
  }
  for (const { doc, expected } of listPairs(path.join(gofeed, 'parser', 'json'), /^(?!.*_expected).*\.json$/, (d) =>
    d.replace(/\.json$/, '_expected.json'),
  )) {
    if (!expected) continue;
    const c = new Collector();
    fromJsonFeed(readJson(expected), c);
    cases.push(makeCase('gofeed/parser/json', doc, c.checks, { format: 'json' }));
  }
  // Universal: format detection; empty, unknown and invalid documents must be rejected.
  for (const { doc } of listPairs(path.join(gofeed, 'parser', 'universal'), /\.(xml|json)$/, () => undefined)) {
    const base = path.basename(doc);
    if (base === 'sample.json') continue;
    const bad = /^(empty|unknown|invalid)/.test(base);
    const format = base.startsWith('atom')
      ? 'atom'
      : base.startsWith('rdf')
        ? 'rdf'
        : base.startsWith('rss')
          ? 'rss'
          : base.startsWith('json')
            ? 'json'
            : undefined;
    cases.push(makeCase('gofeed/parser/universal', doc, [], { ...(bad ? { expectError: true } : {}), ...(format ? { format } : {}) }));
  }
  for (const sub of ['rss', 'atom', 'json']) {
    const ext = sub === 'json' ? /\.json$/ : /\.xml$/;
    const dir = path.join(gofeed, 'translator', sub);
    const pairs =
      sub === 'json'
        ? // JSON translator cases: <name>.json is the input only when a twin expected file exists.
          listPairs(dir, /\.json$/, () => undefined).filter(({ doc }) => !doc.endsWith('_expected.json'))
        : listPairs(dir, ext, swap);
    for (const p of pairs) {
      const expected = sub === 'json' ? p.doc.replace(/\.json$/, '_expected.json') : p.expected;
      if (!expected || !existsSync(expected)) continue;
      const c = new Collector();
      fromUniversal(readJson(expected), c);
      cases.push(makeCase(`gofeed/translator/${sub}`, p.doc, c.checks));
    }
  }
  for (const sub of ['dublincore', 'itunes', 'media']) {
    for (const { doc, expected } of listPairs(path.join(gofeed, 'extensions', sub), /\.xml$/, swap)) {
      if (!expected) continue;
      const c = new Collector();
      fromUniversal(readJson(expected), c);
      cases.push(makeCase(`gofeed/extensions`, doc, c.checks));
    }
  }
  const rp = path.join(feedsRoot, 'rss-parser');
  for (const { doc, expected } of listPairs(path.join(rp, 'input'), /\.(rss|atom|xml)$/, (d) =>
    path.join(rp, 'output', path.basename(d).replace(/\.[a-z]+$/, '.json')),
  )) {
    if (!expected) continue;
    const c = new Collector();
    fromRssParser(readJson(expected), c);
    cases.push(makeCase('rss-parser', doc, c.checks));
  }
  return cases;
}
