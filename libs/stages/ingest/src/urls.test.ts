import { test } from 'node:test';
import assert from 'node:assert/strict';
import { articleIdFor, canonicalUrl, isTrackingParam, resolveUrl } from './urls.ts';

test('canonicalUrl strips tracking parameters and fragments, keeps the rest in order', () => {
  assert.equal(
    canonicalUrl('HTTPS://Example.COM:443/a/b?utm_source=rss&id=7&fbclid=x&gclid=y&page=2&at_medium=RSS#top'),
    'https://example.com/a/b?id=7&page=2',
  );
  assert.equal(canonicalUrl('http://example.com/x?utm_campaign=a'), 'http://example.com/x');
  assert.equal(canonicalUrl('/news/1?mc_cid=1', 'https://site.test/feed.xml'), 'https://site.test/news/1');
  assert.equal(canonicalUrl('javascript:alert(1)'), undefined);
  assert.equal(canonicalUrl('mailto:a@b.c'), undefined);
});

test('isTrackingParam', () => {
  for (const p of ['utm_source', 'UTM_Medium', 'fbclid', 'gclid', 'msclkid', 'mc_eid', '_hsenc', 'igshid'])
    assert.ok(isTrackingParam(p), p);
  for (const p of ['id', 'page', 'q', 'story', 'year']) assert.ok(!isTrackingParam(p), p);
});

test('resolveUrl resolves relative links and refuses non-http schemes', () => {
  assert.equal(resolveUrl('../img/a.jpg', 'https://x.test/news/2024/post.html'), 'https://x.test/news/img/a.jpg');
  assert.equal(resolveUrl('//cdn.test/a.png', 'https://x.test/'), 'https://cdn.test/a.png');
  assert.equal(resolveUrl('data:image/png;base64,AAAA', 'https://x.test/'), undefined);
  assert.equal(resolveUrl('', 'https://x.test/'), undefined);
});

test('articleIdFor is stable across tracking parameters and prefers the URL over the guid', () => {
  const a = articleIdFor({ url: 'https://x.test/a?utm_source=feed' });
  const b = articleIdFor({ url: 'https://x.test/a#comments', guid: 'g1' });
  assert.equal(a, b);
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.notEqual(articleIdFor({ guid: 'https://x.test/a' }), a, 'a guid never collides with a URL');
  assert.throws(() => articleIdFor({}));
});
