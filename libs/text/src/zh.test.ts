import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAN, hanCount, segment, splitZhSentences, ZH_NEWS_STOP, ZH_STOP } from './zh.ts';
import { stemsOf, termsOf, wordsAndStems } from './terms.ts';

test('jieba segments with its dictionary: words, not characters; Latin kept whole', () => {
  assert.deepEqual(segment('我国科学家取得重大突破'), ['我国', '科学家', '取得', '重大突破']);
  assert.deepEqual(segment('Apple发布新款iPhone'), ['Apple', '发布', '新款', 'iPhone']);
  assert.deepEqual(segment('股市今天大涨，小猫在睡觉！'), ['股市', '今天', '大涨', '小猫', '在', '睡觉']);
  assert.deepEqual(segment('  '), []);
});

test('stop words: stopwords-zh plus the news fillers', () => {
  for (const w of ['的', '了', '在', '我们', '因为']) assert.ok(ZH_STOP.has(w), w);
  assert.ok(!ZH_STOP.has('表示') && ZH_NEWS_STOP.has('表示'));
  assert.ok(!ZH_NEWS_STOP.has('股市'));
});

test('sentences split after 。！？； with closing quotes kept, and the last one unterminated', () => {
  assert.deepEqual(splitZhSentences('他说：“股市暴跌了！”然后离开。地震造成数百人死亡；救援正在进行？最后一句'), [
    '他说：“股市暴跌了！”',
    '然后离开。',
    '地震造成数百人死亡；',
    '救援正在进行？',
    '最后一句',
  ]);
  // NFKC turns full-width ！？； into ASCII: still sentence ends. Punctuation-only pieces are dropped.
  assert.deepEqual(splitZhSentences('好消息!真的吗?是的;。。。'), ['好消息!', '真的吗?', '是的;。。。']);
  assert.deepEqual(splitZhSentences(''), []);
});

test("the 'zh' term pipeline: jieba words lower-cased, stop words and digits dropped, word = stem", () => {
  const terms = termsOf('新华社北京12月2日电 Apple股市今天大涨，投资者的信心恢复了。', { lang: 'zh' });
  assert.deepEqual(
    terms.map((t) => t.stem),
    ['新华社', '北京', '日电', 'apple', '股市', '今天', '大涨', '投资者', '信心', '恢复'],
  );
  assert.ok(terms.every((t) => t.stem === t.word));
  const news = wordsAndStems('记者表示，股市今天大涨', { lang: 'zh', stop: 'news' });
  assert.deepEqual(
    news.terms.map((t) => t.word),
    ['股市', '大涨'],
  );
  // single characters are content words in Chinese (猫, 狗), unless they are stop words
  assert.deepEqual(stemsOf('猫和狗', { lang: 'zh' }), ['猫', '狗']);
});

test('hanCount counts Han characters only', () => {
  assert.equal(hanCount('Apple发布新款iPhone'), 4);
  assert.equal(hanCount('hello'), 0);
});

test('HAN: one Han character, Simplified or Traditional; not kana, hangul or full-width Latin', () => {
  for (const ch of ['中', '國', '猫', '〇']) assert.ok(HAN.test(ch), ch);
  for (const ch of ['の', 'カ', '한', 'Ａ', 'a', '。']) assert.ok(!HAN.test(ch), ch);
});
