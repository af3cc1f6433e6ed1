import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedMissing } from '@newsfuse/testkit/paths';
import { loadNewsSet, pageCaptions, repeatsTitle } from './news.ts';

const missing = sharedMissing('the news caption set (readability test pages)');

test('the news set finds the captions and alt texts of the real pages', { skip: missing }, () => {
  const set = loadNewsSet()!;
  assert.equal(set.articles.length, 37);
  // the pages hold ~96 figcaptions (some empty) and ~324 descriptive alt texts
  assert.ok(set.found.figcaptions >= 80 && set.found.figcaptions <= 100, `figcaptions ${set.found.figcaptions}`);
  assert.ok(set.found.alts >= 280 && set.found.alts <= 340, `alts ${set.found.alts}`);
  const own = set.captions.filter((c) => c.own);
  assert.ok(own.length >= 50, `own captions ${own.length}`);
  // TMZ's gallery of other stories (figcaptions linking to other articles) is not the article's own
  const tmz = set.articles.findIndex((a) => a.id === 'tmz-1');
  assert.ok(!set.captions.some((c) => c.article === tmz && c.own && /Kylie Jenner/.test(c.text)));
  assert.ok(loadNewsSet(undefined, undefined, 'v1')!.captions.some((c) => c.article === tmz && c.own && /Kylie Jenner/.test(c.text)));
  assert.ok(own.some((c) => c.source === 'caption') && own.some((c) => c.source === 'alt'));
  // a known one: the BBC page's own photo caption
  const bbc = set.articles.findIndex((a) => a.id === 'bbc-1');
  assert.ok(
    set.captions.some(
      (c) => c.article === bbc && c.own && c.source === 'caption' && /continue fighting for greater gun control/i.test(c.text),
    ),
  );
  // pairs: each positive has a random and a hard negative from another article
  const pos = set.pairs.filter((p) => p.kind === 'positive');
  assert.equal(pos.length, own.length);
  for (const kind of ['random', 'hard'] as const) {
    const neg = set.pairs.filter((p) => p.kind === kind);
    assert.equal(neg.length, pos.length);
    for (const p of neg) assert.notEqual(set.captions[p.caption]!.article, p.article);
  }
  // hard negatives come from the same outlet where there is one
  const ny = set.articles.findIndex((a) => a.id === 'nytimes-3');
  for (const p of set.pairs.filter((x) => x.kind === 'hard' && x.article === ny))
    assert.equal(set.articles[set.captions[p.caption]!.article]!.outlet, 'nytimes');
  // folds keep an outlet together
  for (const a of set.articles) for (const b of set.articles) if (a.outlet === b.outlet) assert.equal(a.fold, b.fold);
});

test('page captions: own vs elsewhere on the page; alt only without a caption; credits ignored', () => {
  const source = `<html><head><meta property="og:image" content="https://x.org/lead.jpg"></head><body>
    <figure><img src="https://x.org/a.jpg" alt="A firefighter sprays water on a burning house"><figcaption>Firefighters battle a blaze in Lisbon. Photograph: AP</figcaption></figure>
    <img src="https://x.org/lead.jpg" alt="The mayor of Lisbon speaks to reporters">
    <aside><img src="https://x.org/teaser.jpg" alt="Stock markets fall for a third day"></aside>
    <img src="https://x.org/logo.png" alt="Getty Images">
  </body></html>`;
  const expected = '<div><p>Firefighters battle a blaze in Lisbon on Monday.</p><img src="https://x.org/a.jpg"></div>';
  const p = pageCaptions(source, expected);
  assert.deepEqual(
    p.captions.map((c) => [c.source, c.own, c.text.slice(0, 20)]),
    [
      ['caption', true, 'Firefighters battle '],
      ['alt', true, 'The mayor of Lisbon '],
      ['alt', false, 'Stock markets fall f'],
    ],
  );
  assert.equal(p.figcaptions.length, 1);
  assert.equal(p.alts.length, 3); // "Getty Images" is not descriptive
});

test('page captions: a teaser of another story is not the article own (v2); it was under v1', () => {
  const source = `<html><body><article>
    <figure><img src="https://x.org/a.jpg"><figcaption>Firefighters battle a blaze in Lisbon harbour</figcaption></figure>
    <figure><a href="https://x.org/gallery/fire.jpg"><img src="https://x.org/b.jpg"></a><figcaption>Crews from three towns fight the fire</figcaption></figure>
    <ul><li><figure><a href="https://x.org/2015/03/other-story/"><img src="https://x.org/c.jpg" alt="Singer hits a fan with a microphone"></a>
      <figcaption><a href="https://x.org/2015/03/other-story/">Singer Hits Fan in Head With Mic</a></figcaption></figure></li></ul>
    <img src="https://x.org/d.png" alt="update_graphic_red_bar">
  </article></body></html>`;
  const own = (def: 'v1' | 'v2') => pageCaptions(source, '<div></div>', def).captions.map((c) => [c.text.slice(0, 12), c.own]);
  assert.deepEqual(own('v2'), [
    ['Firefighters', true],
    ['Crews from t', true],
    ['Singer Hits ', false],
  ]);
  assert.deepEqual(own('v1'), [
    ['Firefighters', true],
    ['Crews from t', true],
    ['Singer Hits ', true],
    ['update_graph', true],
  ]);
});

test("repeatsTitle: the article's title as alt text, whole or before a site suffix; not a caption that only shares words", () => {
  assert.equal(repeatsTitle('The sharing economy is a lie: Uber, Ayn Rand', 'The sharing economy is a lie — Uber, Ayn Rand'), true);
  assert.equal(repeatsTitle('DeepMind新电脑已可利用记忆自学', 'DeepMind新电脑已可利用记忆自学_科技_腾讯网'), true);
  assert.equal(repeatsTitle('Uber drivers protest in London', 'Uber drivers protest in London | Reuters'), true);
  assert.equal(repeatsTitle('Uber drivers protest in London', 'Uber drivers protest in London over fees'), false);
  assert.equal(repeatsTitle('Uber', 'Uber drivers protest'), false);
  assert.equal(repeatsTitle('', 'Uber drivers protest'), false);
});
