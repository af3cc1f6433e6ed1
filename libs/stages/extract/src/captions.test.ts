import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createExtractor, type TextAnalyzerPort } from './extract.ts';
import { stemsOf } from '@newsfuse/text/terms';
import { captionRecords, chooseSentences, sentencesOf, storySentences, storyText } from './captions.ts';

// a fake embedder of the article's language: a bag of three topic words
const vec = (t: string) => [/dog/i.test(t) ? 1 : 0, /bridge/i.test(t) ? 1 : 0, /vote|election/i.test(t) ? 1 : 0.01];
const seen: { texts: string[]; language: string }[] = [];
const text: TextAnalyzerPort = {
  model: 'fake-text',
  analyze: async (input) => ({
    language: input.language ?? 'en',
    tokens: 30,
    sentences: 3,
    keywords: [],
    embedding: [0, 0, 1],
    sentiment: { vader: 0, afinn: 0, combined: 0 },
  }),
  embedTexts: async (texts, language) => {
    seen.push({ texts, language });
    return texts.map(vec);
  },
};

test('text job: captions embedded by the article embedder, best sentence found; entities and numbers of the article', async () => {
  const extractor = createExtractor({
    text,
    image: { model: 'x', analyze: async () => ({}) as never },
    fetchImage: async () => Buffer.from(''),
  });
  const t = await extractor.text({
    articleId: 'abcdef0123456789',
    version: 1,
    title: 'Barack Obama visits Lisbon',
    body: 'The election was held on November 9, 2016 in Lisbon.\n\nA dog crossed the harbour bridge during the visit.',
    language: 'pt',
    captions: [
      { index: 0, text: 'A dog on the bridge. Photograph: AP', source: 'caption' },
      { index: 2, text: 'Voters at the election', source: 'alt' },
    ],
  });
  assert.equal(seen[0]!.language, 'pt', "the article's language chooses the embedder");
  assert.equal(seen[0]!.texts[0], 'A dog on the bridge.', 'credits are cut before embedding');
  assert.deepEqual(
    t.captions!.map((c) => [c.index, c.source, c.sentence]),
    [
      [0, 'caption', 1],
      [2, 'alt', 0],
    ],
  );
  assert.ok(t.captions![0]!.sentenceCos! > 0.99);
  assert.ok(t.entities!.includes('obama') && t.entities!.includes('lisbon'));
  assert.ok(t.numbers!.includes('2016') && t.numbers!.includes('month:nov'));
});

const story = [
  'The minister opened the session in the capital on Monday morning.',
  'Officials said the budget debate would last three days.',
  'Opposition members walked out before the first vote.',
  'Analysts expect the measure to pass next week.',
  'The finance committee met late into the night.',
  'Protesters gathered outside the parliament building.',
  'A rescue dog crossed the old harbour bridge at dawn.',
].join(' ');

test('captionSentences and captionChoice: which story sentences a caption is compared with', async () => {
  const run = async (opts: { captionSentences?: number; captionChoice?: 'first' | 'overlap' }) => {
    seen.length = 0;
    const t = await createExtractor({
      text,
      image: { model: 'x', analyze: async () => ({}) as never },
      fetchImage: async () => Buffer.from(''),
      ...opts,
    }).text({
      articleId: 'abcdef0123456789',
      version: 1,
      title: 'Parliament week',
      body: story,
      captions: [{ index: 0, text: 'A dog on the harbour bridge', source: 'caption' }],
    });
    return { embedded: seen[0]!.texts.length - 1, record: t.captions![0]! };
  };
  // overlap (the default): the first four and the one sharing words with the caption, found
  const overlap = await run({ captionSentences: 5 });
  assert.equal(overlap.embedded, 5);
  assert.equal(overlap.record.sentence, 6);
  assert.ok(overlap.record.sentenceCos! > 0.99);
  // first: the first five, which miss it
  const first = await run({ captionSentences: 5, captionChoice: 'first' });
  assert.equal(first.embedded, 5);
  assert.ok(first.record.sentenceCos! < 0.1);
  // the default count (12) covers this story's seven sentences
  assert.equal((await run({})).embedded, 7);
});

test('chooseSentences: the lead, then shared words, per caption; first', () => {
  const sentences = story.split(/(?<=\.) /);
  const stems = (t: string) => stemsOf(t);
  const [dog, vote] = chooseSentences(sentences, ['A dog on the harbour bridge', 'The vote in parliament'], { max: 5, stems });
  assert.deepEqual(dog, [0, 1, 2, 3, 6]);
  assert.deepEqual(vote, [0, 1, 2, 3, 5], 'parliament (5) shares a word with the caption, the others none');
  assert.deepEqual(chooseSentences(sentences, ['A dog'], { max: 5, stems, choice: 'first' }), [[0, 1, 2, 3, 4]]);
  assert.deepEqual(chooseSentences(sentences, ['A dog'], { max: 5 }), [[0, 1, 2, 3, 4]], 'no stems: the first ones');
  assert.deepEqual(chooseSentences(sentences.slice(0, 3), ['A dog'], { max: 5, stems }), [[0, 1, 2]]);
});

test('no embedder: no caption records, entities still there', async () => {
  const { embedTexts: _drop, ...plain } = text;
  const extractor = createExtractor({
    text: plain,
    image: { model: 'x', analyze: async () => ({}) as never },
    fetchImage: async () => Buffer.from(''),
  });
  const t = await extractor.text({
    articleId: 'abcdef0123456789',
    version: 1,
    title: 'Obama in Lisbon',
    captions: [{ index: 0, text: 'A dog', source: 'caption' }],
  });
  assert.equal(t.captions, undefined);
  assert.ok(t.entities!.includes('lisbon'));
});

test('sentences and caption records', () => {
  assert.deepEqual(sentencesOf('First sentence is here. Second one follows!\nThird line of text'), [
    'First sentence is here.',
    'Second one follows!',
    'Third line of text',
  ]);
  const r = captionRecords(
    [{ index: 3, text: 'x', source: 'alt' }],
    [[1, 0]],
    [
      [0, 1],
      [1, 1],
    ],
  );
  assert.equal(r[0]!.sentence, 1);
  assert.ok(Math.abs(r[0]!.sentenceCos! - Math.SQRT1_2) < 1e-4);
  assert.deepEqual(captionRecords([{ index: 0, text: 'x', source: 'caption' }], [[1, 0]], [])[0]!.sentenceCos, undefined);
});

test('a caption is not compared with its own copy in the body', () => {
  const body =
    'Firefighters battle a blaze in Lisbon. Photograph: AP\nThe fire started on Monday night near the port. Crews came from three towns.';
  const caption = { text: 'Firefighters battle a blaze in Lisbon. Photograph: AP' };
  assert.deepEqual(storySentences(body, [caption]), ['The fire started on Monday night near the port.', 'Crews came from three towns.']);
  assert.deepEqual(storySentences(body, []), sentencesOf(body));
  assert.equal(storySentences(body, [caption], 1).length, 1);
});

test("text job: the article's entities, numbers and caption-only terms leave out the captions' copies in the body", async () => {
  const extractor = createExtractor({
    text,
    image: { model: 'x', analyze: async () => ({}) as never },
    fetchImage: async () => Buffer.from(''),
  });
  const copy = 'Angela Merkel visits the Berlin zoo in March 2009. Photograph: AP';
  const story = 'BERLIN\nBarack Obama spoke in Berlin on July 23, 2015 about trade. Two officers stood by.';
  const job = { articleId: 'abcdef0123456789', version: 1, title: 'Obama in Berlin', body: `${copy}\n${story}` };
  const t = await extractor.text({ ...job, captions: [{ index: 0, text: copy, source: 'caption' }] });
  const stem = (w: string) => stemsOf(w)[0]!;
  // the copy's own words are caption-only; words the story also has (Berlin) are not
  assert.ok(t.captionOnlyTerms!.includes(stem('Merkel')) && t.captionOnlyTerms!.includes(stem('zoo')));
  assert.ok(!t.captionOnlyTerms!.includes(stem('Berlin')) && !t.captionOnlyTerms!.includes(stem('Obama')));
  assert.ok(t.terms.includes(stem('Merkel')), 'the article keeps every term for the other lexical signals');
  assert.ok(!t.entities!.includes('merkel') && t.entities!.includes('obama') && t.entities!.includes('berlin'));
  assert.ok(!t.numbers!.includes('2009') && t.numbers!.includes('2015'));
  // without captions (or with one the body does not copy) nothing is left out
  const plain = await extractor.text(job);
  assert.equal(plain.captionOnlyTerms, undefined);
  assert.ok(plain.entities!.includes('merkel') && plain.numbers!.includes('2009'));
  const other = await extractor.text({ ...job, captions: [{ index: 0, text: 'Crowds at the Brandenburg Gate', source: 'caption' }] });
  assert.equal(other.captionOnlyTerms, undefined);
  assert.deepEqual(other.entities, plain.entities);
});

test('storyText: caption copies out, the rest of the body as written (a short piece inside a caption stays)', () => {
  const body =
    'LISBON\nFirefighters battle a blaze in Lisbon. Photograph: AP\nThe fire started on Monday night near the port.\n\nCrews came.';
  const caption = { text: 'Firefighters battle a blaze in Lisbon. Photograph: AP' };
  assert.equal(storyText(body, [caption]), 'LISBON\nThe fire started on Monday night near the port.\n\nCrews came.');
  assert.equal(storyText(body, []), body);
  // a short caption copied whole is a copy too
  assert.equal(
    storyText('Crews came.\nJoe Biden.\nThe fire started on Monday night.', [{ text: 'Joe Biden' }]),
    'Crews came.\nThe fire started on Monday night.',
  );
});
