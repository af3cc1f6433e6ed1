import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  captionStems,
  cleanCaption,
  entitiesOf,
  entityKeys,
  entityOverlap,
  isDescriptive,
  numberOverlap,
  numbersOf,
  peopleCount,
} from './captions.ts';
import { stemsOf } from './terms.ts';

test('caption stop words ("image", "photograph", "new", "getty", …) are no evidence', () => {
  assert.deepEqual(captionStems('New image: a photograph by Getty Images, file photo'), []);
  assert.deepEqual(captionStems('Firefighters photographed at the new bridge'), stemsOf('firefighters bridge'));
  assert.equal(isDescriptive('Photo: Getty Images'), false);
  assert.equal(isDescriptive('Firefighters battle a blaze in Lisbon'), true);
});

test('credits and boilerplate are cut from a caption', () => {
  assert.equal(cleanCaption('Whale expert Hori Parata. Photograph: Adrian Malloch for the Guardian'), 'Whale expert Hori Parata.');
  assert.equal(cleanCaption('Water seeped underground.CreditCreditChang W. Lee/The New York Times'), 'Water seeped underground.');
  assert.equal(cleanCaption('Media caption Mr Obama told the BBC'), 'Mr Obama told the BBC');
  assert.equal(cleanCaption('Halibut prices fell. (Ellen M. Banner / The Seattle Times)'), 'Halibut prices fell.');
});

test('heuristic entities: capitalised spans, titles and sentence-initial common words dropped', () => {
  const e = entitiesOf('Whale expert Hori Parata met President Barack Obama at the Roosevelt Room of the White House.', 'heuristic');
  assert.ok(e.includes('Hori Parata'), e.join('|'));
  assert.ok(e.includes('Barack Obama'), e.join('|'));
  assert.ok(e.includes('Roosevelt Room') && e.includes('White House'), e.join('|'));
  assert.ok(!e.some((x) => x.startsWith('Whale')), e.join('|'));
  assert.deepEqual(entitiesOf('Two men walk home.', 'heuristic'), []);
});

test('compromise entities: people and places', () => {
  const e = entitiesOf('Donald Trump spoke in New York on Tuesday.', 'compromise');
  assert.ok(e.includes('Donald Trump'), e.join('|'));
  assert.ok(
    e.some((x) => /York/.test(x)),
    e.join('|'),
  );
});

test('entity keys fold case and diacritics; overlap counts caption entities the article names', () => {
  assert.deepEqual(entityKeys(['Luiz Inácio Lula da Silva']).sort(), ['inacio', 'lula', 'luiz', 'silva'].sort());
  const article = new Set(entityKeys(['Barack Obama', 'White House']));
  assert.equal(entityOverlap(['President Obama', 'Paris'], article), 0.5);
  assert.equal(entityOverlap([], article), undefined);
});

test('numbers and dates: grouping removed, months as keys, modal "may" is not a month', () => {
  assert.deepEqual(
    numbersOf('On November 9, 2016, 1,200 people paid $3.5 million').sort(),
    ['1200', '2016', '3.5', '9', 'month:nov'].sort(),
  );
  assert.deepEqual(numbersOf('It may rain'), []);
  assert.equal(numberOverlap(['2016', 'month:nov'], new Set(['2016'])), 0.5);
  assert.equal(numberOverlap([], new Set(['2016'])), undefined);
});

test('people counted in a caption', () => {
  assert.equal(peopleCount('Two men walk past the station'), 2);
  assert.equal(peopleCount('A woman holds a sign'), 1);
  assert.equal(peopleCount('Kauri Parata, watched by his father Hori Parata, carves a design'), 2);
  assert.equal(peopleCount('A bridge over the river at dusk'), undefined);
});

test('a caption that describes nothing: markup, a single token (file name, slug), a credit', () => {
  assert.equal(cleanCaption('<span style="font-size:13px;">Nintendo/Apple</span>'), 'Nintendo/Apple');
  // character references decoded: the ones the caption cleaner always read, and the rest of HTML's
  assert.equal(
    cleanCaption('Tom &amp; Jerry&nbsp;at the &quot;premiere&quot;, Jerry&#39;s &apos;night&#039;&#160;out'),
    "Tom & Jerry at the \"premiere\", Jerry's 'night' out",
  );
  assert.equal(cleanCaption('Caf&eacute; owners &#8211; &lt;3 &#x2014; &hellip;'), 'Café owners – <3 — …');
  assert.equal(cleanCaption('AT&T office'), 'AT&T office');
  assert.equal(isDescriptive('<span style="font-size:13px;">Nintendo/Apple</span>'), false);
  assert.equal(isDescriptive('update_graphic_red_bar'), false);
  assert.equal(isDescriptive('IMG_2034_harbour_fire_lisbon.jpg'), false);
  assert.equal(isDescriptive('update graphic red bar'), true, 'the same words as a phrase are a (poor) description');
  assert.equal(isDescriptive('Tom &amp; Jerry at the premiere in Cannes'), true);
  // Chinese: counted in jieba words, no spaces needed
  assert.equal(isDescriptive('DeepMind新电脑已可利用记忆自学 人工智能迈上新台阶'), true);
  assert.equal(isDescriptive('图片来源'), false);
});
