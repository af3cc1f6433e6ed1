import { test } from 'node:test';
import assert from 'node:assert/strict';
import { articleEvent } from '@newsfuse/testkit/features';
import { articleJobs, captionOf } from './jobs.ts';

const article = articleEvent({
  version: 2,
  title: 'Storm closes the harbour',
  summary: 'Ferries stayed in port on Tuesday as the storm reached the coast.',
  images: [
    { url: 'https://example.org/1.jpg', caption: ' Waves over the pier ', alt: 'pier' },
    { url: 'https://example.org/2.jpg' },
    { url: 'https://example.org/3.jpg', alt: ' A ferry at anchor ' },
  ],
  categories: ['weather'],
});

test('captionOf takes the caption, else the alt text, and says which', () => {
  assert.deepEqual(captionOf({ url: 'https://e/x', caption: 'A dog', alt: 'on grass' }), { text: 'A dog', source: 'caption' });
  assert.deepEqual(captionOf({ url: 'https://e/x', caption: '  ', alt: ' A dog on grass ' }), { text: 'A dog on grass', source: 'alt' });
  assert.equal(captionOf({ url: 'https://e/x' }), undefined);
});

test('articleJobs: the text job carries each described image by its position, the image jobs their own caption', () => {
  const jobs = articleJobs(article);
  assert.equal(jobs.language, 'en');
  assert.deepEqual(jobs.text, {
    articleId: 'a1b2c3d4e5f6',
    version: 2,
    title: 'Storm closes the harbour',
    summary: 'Ferries stayed in port on Tuesday as the storm reached the coast.',
    language: 'en',
    captions: [
      { index: 0, text: 'Waves over the pier', source: 'caption' },
      { index: 2, text: 'A ferry at anchor', source: 'alt' },
    ],
  });
  assert.deepEqual(jobs.images, [
    {
      articleId: 'a1b2c3d4e5f6',
      version: 2,
      index: 0,
      url: 'https://example.org/1.jpg',
      caption: 'Waves over the pier',
      captionSource: 'caption',
      language: 'en',
    },
    { articleId: 'a1b2c3d4e5f6', version: 2, index: 1, url: 'https://example.org/2.jpg', language: 'en' },
    {
      articleId: 'a1b2c3d4e5f6',
      version: 2,
      index: 2,
      url: 'https://example.org/3.jpg',
      caption: 'A ferry at anchor',
      captionSource: 'alt',
      language: 'en',
    },
  ]);
  assert.equal(jobs.article.language, 'en');
  assert.deepEqual(jobs.article.images, article.images);
  assert.equal('fetchedAt' in jobs.article, false);
});

test('articleJobs: the script decides over a declared language, and an article without images has no captions', () => {
  const jobs = articleJobs({
    ...article,
    title: '暴风雨关闭港口',
    summary: '渡轮周二停靠在港内。',
    body: '',
    language: 'en-US',
    images: [],
  });
  assert.equal(jobs.language, 'zh');
  assert.equal(jobs.text.language, 'zh');
  assert.equal(jobs.text.captions, undefined);
  assert.equal('body' in jobs.text, false);
  assert.deepEqual(jobs.images, []);
});
