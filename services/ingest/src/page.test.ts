import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractPage, enrichCandidate, detectLanguage } from './page.ts';
import { loadPages, measure, tokenF1, tokens } from './conformance/extraction.ts';
import { readabilityRoot, SHARED_DIR } from './conformance/paths.ts';

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

test('tokenF1', () => {
  assert.equal(tokenF1(tokens('a b c'), tokens('a b c')), 1);
  assert.equal(tokenF1([], tokens('a')), 0);
  assert.equal(Math.round(tokenF1(tokens('a b'), tokens('a b c d')) * 1000) / 1000, 0.667);
});

const root = readabilityRoot();
test(
  'extraction on the Readability test pages stays at the measured level (linkedom)',
  { skip: root ? false : `shared test data absent (${SHARED_DIR}/data/articles/readability/test-pages)` },
  async () => {
    const s = await measure('linkedom', loadPages(root!));
    // Measured: title 37/37, byline 31/32, published 9/9, language 29/29, F1 0.968 (docs/article-extraction.md).
    assert.ok(s.title.ok / s.title.n >= 0.97, `title ${s.title.ok}/${s.title.n}`);
    assert.ok(s.byline.ok / s.byline.n >= 0.9, `byline ${s.byline.ok}/${s.byline.n}`);
    assert.ok(s.published.ok / s.published.n >= 0.88, `published ${s.published.ok}/${s.published.n}`);
    assert.ok(s.language.ok / s.language.n >= 0.95, `language ${s.language.ok}/${s.language.n}`);
    assert.ok(s.f1 >= 0.95, `F1 ${s.f1}`);
  },
);
