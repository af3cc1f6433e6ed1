import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ocrTerms } from './ocr.ts';
import { captionStems } from './captions.ts';
import { stemsOf, termLanguage } from './terms.ts';

test('English OCR terms: alphabetic tokens of ≥ 3 letters, stemmed', () => {
  assert.deepEqual(ocrTerms(['STOP', 'No parking 24h', 'Ok']), ['stop', 'park']);
});

test('Chinese OCR terms: jieba words of ≥ 2 Han characters and Latin words of ≥ 3 letters', () => {
  const terms = ocrTerms(['北京 地铁站 出口', '的 A 口', 'NBA中国赛'], 'zh');
  assert.ok(terms.includes('北京'));
  assert.ok(terms.includes('出口'));
  assert.ok(terms.includes('nba'));
  assert.ok(!terms.includes('口'), 'a lone character is noise');
  assert.ok(!terms.includes('a'));
});

test('Chinese OCR and caption overlap on jieba words with a Chinese article', () => {
  const article = new Set(stemsOf('北京地铁站今天开通新的出口，乘客可以直达公园。', { lang: 'zh' }));
  const ocr = ocrTerms(['地铁站 出口'], 'zh');
  assert.ok(ocr.length > 0 && ocr.every((t) => article.has(t)), ocr.join(','));
  // caption boilerplate (图为, 记者 摄) is not evidence
  const cap = captionStems('图为北京地铁站的新出口。新华社记者 摄', 'zh');
  assert.ok(!cap.includes('图为') && !cap.includes('记者') && !cap.includes('摄'));
  assert.ok(cap.includes('地铁站') && cap.includes('出口'));
  // English captions are unchanged by the language parameter's default
  assert.deepEqual(captionStems('Photograph of a dog'), captionStems('Photograph of a dog', 'en'));
});

test('term languages: en and zh have pipelines, others none', () => {
  assert.equal(termLanguage('zh'), 'zh');
  assert.equal(termLanguage('en'), 'en');
  assert.equal(termLanguage('ar'), undefined);
  assert.equal(termLanguage(undefined), undefined);
});
