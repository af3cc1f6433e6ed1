import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFeedDocument, decodeFeedBytes } from './feed/index.ts';
import { FeedError } from '@newsfuse/shared';

const rss = (items: string, extra = '') => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>Example News</title><link>https://news.test/</link><language>en</language><ttl>30</ttl>${extra}${items}</channel></rss>`;

test('RSS item: resolved links, tracking stripped, dates, authors, categories, images with captions and credits', () => {
  const f = parseFeedDocument(
    rss(`<item>
      <title>Floods &amp; storms hit &lt;b&gt;coast&lt;/b&gt;</title>
      <link>/world/floods?utm_source=rss&amp;id=3</link>
      <guid isPermaLink="false">floods-3</guid>
      <pubDate>Di, 05 Mär 2024 08:30:00 +0100</pubDate>
      <dc:creator>Jane Roe</dc:creator>
      <category>World</category><category>Weather</category>
      <description><![CDATA[<p>Rivers burst.</p><figure><img src="/img/flood.jpg" alt="A flooded street"><figcaption>Main street, Tuesday</figcaption></figure><img src="/pixel.gif" width="1" height="1">]]></description>
      <media:content url="https://cdn.test/big.jpg" medium="image" width="1200" height="800"><media:description>Aerial view</media:description><media:credit>Photo: AP</media:credit></media:content>
      <media:thumbnail url="https://cdn.test/t-small.jpg" width="100" height="66"/>
      <media:thumbnail url="https://cdn.test/t-large.jpg" width="400" height="266"/>
      <enclosure url="https://cdn.test/enc.png" type="image/png" length="123"/>
      <enclosure url="https://cdn.test/audio.mp3" type="audio/mpeg" length="9"/>
      <itunes:image href="https://cdn.test/itunes.jpg"/>
    </item>`),
    { baseUrl: 'https://news.test/rss.xml' },
  );
  assert.equal(f.format, 'rss');
  assert.equal(f.refreshHintSeconds, 1800);
  const it = f.items[0]!;
  assert.equal(it.title, 'Floods & storms hit coast');
  assert.equal(it.url, 'https://news.test/world/floods?id=3');
  assert.equal(it.guid, 'floods-3');
  assert.equal(it.publishedAt, '2024-03-05T07:30:00.000Z');
  assert.deepEqual(it.authors, ['Jane Roe']);
  assert.deepEqual(it.categories, ['World', 'Weather']);
  assert.equal(it.summary, 'Rivers burst.\nMain street, Tuesday');
  const urls = it.images.map((i) => i.url);
  assert.deepEqual(urls, [
    'https://cdn.test/big.jpg',
    'https://cdn.test/t-large.jpg',
    'https://cdn.test/t-small.jpg',
    'https://cdn.test/enc.png',
    'https://cdn.test/itunes.jpg',
    'https://news.test/img/flood.jpg',
  ]);
  assert.deepEqual(it.images[0], {
    url: 'https://cdn.test/big.jpg',
    caption: 'Aerial view',
    credit: 'Photo: AP',
    width: 1200,
    height: 800,
  });
  assert.deepEqual(it.images[5], { url: 'https://news.test/img/flood.jpg', alt: 'A flooded street', caption: 'Main street, Tuesday' });
  assert.equal(it.enclosures.length, 2);
});

test('Atom entry with xml:base, html content, published/updated', () => {
  const f = parseFeedDocument(`<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.test/base/"><title>Blog</title><id>urn:x</id><updated>2024-01-01T00:00:00Z</updated>
<entry><title type="html">A &lt;i&gt;post&lt;/i&gt;</title><id>tag:blog.test,2024:1</id><link rel="alternate" href="posts/1.html?fbclid=abc"/>
<updated>2024-01-02T10:00:00+02:00</updated><published>2024-01-01T09:00:00Z</published><author><name>Ann</name></author><category term="tech" label="Technology"/>
<content type="html">&lt;p&gt;Hello &lt;img src="../pics/a.png" alt="pic"&gt;&lt;/p&gt;</content></entry></feed>`);
  const it = f.items[0]!;
  assert.equal(f.format, 'atom');
  assert.equal(it.title, 'A post');
  assert.equal(it.url, 'https://blog.test/base/posts/1.html');
  assert.equal(it.guid, 'tag:blog.test,2024:1');
  assert.equal(it.publishedAt, '2024-01-01T09:00:00.000Z');
  assert.equal(it.updatedAt, '2024-01-02T08:00:00.000Z');
  assert.deepEqual(it.authors, ['Ann']);
  assert.deepEqual(it.categories, ['Technology']);
  assert.deepEqual(it.images, [{ url: 'https://blog.test/base/pics/a.png', alt: 'pic' }]);
});

test('JSON Feed 1.1 and RDF', () => {
  const j = parseFeedDocument(
    JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'J',
      home_page_url: 'https://j.test/',
      items: [
        {
          id: '1',
          url: 'https://j.test/1?utm_medium=x',
          title: 'One',
          content_html: '<p>x</p>',
          image: '/i.jpg',
          date_published: '2024-02-02T02:02:02Z',
          authors: [{ name: 'Z' }],
          tags: ['a'],
        },
      ],
    }),
    { baseUrl: 'https://j.test/feed.json' },
  );
  assert.equal(j.format, 'json');
  assert.deepEqual(j.items[0]!.images, [{ url: 'https://j.test/i.jpg' }]);
  assert.equal(j.items[0]!.url, 'https://j.test/1');
  const r =
    parseFeedDocument(`<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://r.test/"><title>R</title><link>https://r.test/</link><description>d</description></channel>
<item rdf:about="https://r.test/1"><title>R one</title><link>https://r.test/1</link><dc:date>2024-03-03T03:03:03Z</dc:date><dc:creator>Q</dc:creator></item></rdf:RDF>`);
  assert.equal(r.format, 'rdf');
  assert.equal(r.items[0]!.publishedAt, '2024-03-03T03:03:03.000Z');
  assert.deepEqual(r.items[0]!.authors, ['Q']);
});

test('encodings: XML declaration and BOM', () => {
  const latin1 = Buffer.from(
    rss('<item><title>Caf\xe9 cr\xe8me</title><link>https://x.test/1</link></item>').replace('UTF-8', 'ISO-8859-1'),
    'latin1',
  );
  assert.equal(parseFeedDocument(latin1).items[0]!.title, 'Café crème');
  const win = Buffer.concat([
    Buffer.from(rss('<item><title>').replace('UTF-8', 'windows-1252')),
    Buffer.from([0x93, 0x71, 0x94, 0x20, 0x80]),
    Buffer.from('</title><link>https://x.test/1</link></item></channel></rss>'),
  ]);
  assert.equal(decodeFeedBytes(win).includes('“q” €'), true);
  const bom = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from(rss('<item><title>Ünï</title><link>https://x.test/1</link></item>')),
  ]);
  assert.equal(parseFeedDocument(bom).items[0]!.title, 'Ünï');
});

test('hardening: billion laughs and XXE are refused, size and item caps apply', () => {
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>&lol3;</title><item><title>&lol3;</title><link>https://x.test/</link></item></channel></rss>`;
  assert.throws(
    () => parseFeedDocument(laughs),
    (e: unknown) => e instanceof FeedError && e.code === 'FEED_PARSE' && /entit/i.test(e.message),
  );
  const xxe = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>&xxe;</title></channel></rss>`;
  assert.throws(
    () => parseFeedDocument(xxe),
    (e: unknown) => e instanceof FeedError && e.code === 'FEED_PARSE',
  );
  const param = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://169.254.169.254/x.dtd"> %remote;]><rss version="2.0"><channel/></rss>`;
  assert.throws(
    () => parseFeedDocument(param),
    (e: unknown) => e instanceof FeedError,
  );
  // A plain DOCTYPE (RSS 0.91) is fine.
  const rss091 = `<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>T</title><link>https://t.test/</link><item><title>x</title><link>https://t.test/x</link></item></channel></rss>`;
  assert.equal(parseFeedDocument(rss091).items.length, 1);
  // Caps.
  const many = rss(Array.from({ length: 30 }, (_, i) => `<item><title>t${i}</title><link>https://x.test/${i}</link></item>`).join(''));
  const capped = parseFeedDocument(many, { limits: { maxItems: 10 } });
  assert.equal(capped.items.length, 10);
  assert.equal(capped.truncated, true);
  assert.throws(
    () => parseFeedDocument(many, { limits: { maxBytes: 1000 } }),
    (e: unknown) => e instanceof FeedError && e.code === 'FEED_TOO_LARGE',
  );
  assert.throws(
    () => parseFeedDocument('<html><body>not a feed</body></html>'),
    (e: unknown) => e instanceof FeedError && e.code === 'FEED_PARSE',
  );
});
