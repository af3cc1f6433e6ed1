import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256hex } from './hash.ts';

test('sha256hex: the SHA-256 test vectors, a string as its UTF-8 bytes', () => {
  assert.equal(sha256hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256hex(Buffer.from('abc')), sha256hex('abc'));
  assert.equal(sha256hex('新闻'), sha256hex(new TextEncoder().encode('新闻')));
});
