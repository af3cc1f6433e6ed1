import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractPage, enrichCandidate, detectLanguage } from './page.ts';

const para = (n: number) =>
  `<p>${'The river rose overnight and flooded the lower town, forcing hundreds of families to leave their homes before dawn. '.repeat(n)}</p>`;
const page = `<!doctype html><html><head><title>Flood | Daily</title>
<meta property="og:image" content="/img/lead.jpg"><meta property="og:image:alt" content="Flooded street">
<meta property="article:published_time" content="2024-03-05T08:30:00+01:00"><meta name="author" content="Jane Roe">
</head><body><nav>Home News Sport</nav><article><h1>Flood</h1>${para(4)}${para(3)}<figure><img src="/img/in.jpg" alt="boats"></figure>${para(3)}</article><footer>© Daily</footer></body></html>`;

test('extractPage: main text, byline, published time, og:image, language detected when html lang is absent', async () => {
  const info = await extractPage(page, 'https://daily.test/news/flood');
  assert.ok(info.text && info.text.includes('The river rose overnight'));
  assert.ok(!info.text!.includes('Home News Sport'), 'navigation removed');
  assert.equal(info.byline, 'Jane Roe');
  assert.equal(info.publishedAt, '2024-03-05T07:30:00.000Z');
  assert.deepEqual(info.leadImage, { url: 'https://daily.test/img/lead.jpg', alt: 'Flooded street' });
  assert.equal(info.language, 'en');
  assert.equal(info.languageSource, 'detected');
});

test('enrichCandidate fills only what the feed lacked', async () => {
  const info = await extractPage(page.replace('<html>', '<html lang="en-GB">'), 'https://daily.test/news/flood');
  assert.equal(info.languageSource, 'html');
  const c = enrichCandidate(
    {
      url: 'https://daily.test/news/flood',
      title: 'Flood',
      images: [{ url: 'https://daily.test/feed.jpg' }],
      categories: [],
      authors: ['Feed Author'],
      source: { kind: 'feed' },
    },
    info,
  );
  assert.deepEqual(c.authors, ['Feed Author']);
  assert.equal(c.language, 'en');
  assert.equal(c.publishedAt, '2024-03-05T07:30:00.000Z');
  assert.deepEqual(
    c.images.map((i) => i.url),
    ['https://daily.test/feed.jpg', 'https://daily.test/img/lead.jpg'],
  );
  assert.ok(c.body && c.body.length > 500);
});

test('detectLanguage', () => {
  assert.equal(
    detectLanguage(
      'Der Fluss ist über Nacht gestiegen und hat die Unterstadt überflutet, Hunderte Familien mussten ihre Häuser verlassen.',
    ),
    'de',
  );
  assert.equal(detectLanguage('short'), undefined);
});
