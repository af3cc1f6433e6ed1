/** Before parsing: decoding the bytes, refusing dangerous XML, and recognising an empty feed document. */
import iconv from 'iconv-lite';
import { FeedError } from '@newsfuse/shared/errors';
import type { ParsedFeed } from './types.ts';

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

/** The format of a syntactically valid but empty feed document (root element only), else undefined. */
export function emptyFeedFormat(text: string): ParsedFeed['format'] | undefined {
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
