import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '@newsfuse/text/terms';
import { HAN } from '@newsfuse/text/zh';
import { COCO_LABELS } from '../coco-labels.ts';
import { COCO_ZH, zhCocoLabelsOf, zhCocoMentions } from './coco-zh.ts';
import { buildTextViewZh, objectLexiconFor, OBJECT_LEXICONS } from './object-lexicons.ts';

test('every one of the 80 COCO labels has a Chinese name, and nothing else does', () => {
  assert.equal(COCO_LABELS.length, 80);
  assert.deepEqual(Object.keys(COCO_ZH).sort(), [...COCO_LABELS].sort());
  for (const label of COCO_LABELS) {
    const e = COCO_ZH[label];
    assert.ok(HAN.test(e.name), `${label}: ${e.name}`);
    // the name and its words name the label
    for (const w of [e.name, ...e.words]) assert.ok(zhCocoLabelsOf(w).includes(label), `${w} → ${label}`);
  }
  // names are distinct: the text view names each label unambiguously
  assert.equal(new Set(COCO_LABELS.map((l) => COCO_ZH[l].name)).size, 80);
});

test('every name is found through jieba tokens in the text view and in a sentence', () => {
  const missed = COCO_LABELS.filter((label) => {
    const name = COCO_ZH[label].name;
    return [`照片中有：${name}。`, `现场画面：${name}、树木。`].some(
      (sentence) => !zhCocoMentions([tokenize(sentence, 'zh')]).some((m) => m.label === label),
    );
  });
  assert.deepEqual(missed, []);
});

test('Chinese mentions: synonyms, multi-token words, longest match first', () => {
  const labels = (text: string) => [...new Set(zhCocoMentions([tokenize(text, 'zh')]).map((m) => m.label))].sort();
  assert.deepEqual(labels('一只金毛犬在公园里追逐飞盘'), ['dog', 'frisbee']);
  assert.deepEqual(labels('消防栓旁停着一辆出租车'), ['car', 'fire hydrant']);
  assert.deepEqual(labels('股市今天大幅下跌'), []);
  assert.deepEqual(OBJECT_LEXICONS.zh.labelsIn('乘客登上高铁列车').sort(), ['train']);
  // head characters: kinds the table does not list
  assert.deepEqual(labels('一只惠比特犬和一只蜂鸟'), ['bird', 'dog']);
  assert.deepEqual(labels('集装箱船靠港'), ['boat']);
  assert.deepEqual(labels('动物园的大熊猫'), ['bear']); // listed: 大熊猫 is a bear
  assert.deepEqual(labels('猫头鹰在夜里捕食'), ['bird']); // an owl: its head is 鹰, not 猫
  assert.deepEqual(labels('树袋熊'), []); // a koala is no bear (HEAD_EXCEPTIONS holds 袋熊)
});

test('the Chinese object table is the zh entry; English keeps the WordNet one and the analyzer view', () => {
  assert.equal(objectLexiconFor('zh')?.lang, 'zh');
  assert.equal(objectLexiconFor('en')?.textView, undefined);
  assert.equal(objectLexiconFor('ar'), undefined);
  assert.deepEqual([...OBJECT_LEXICONS.zh.article('小狗走失', ['主人', '寻找']).keys()], ['dog']);
  assert.deepEqual([...OBJECT_LEXICONS.en.article('Puppy lost', ['search']).keys()], ['dog']);
});

test('the Chinese text view names the objects in Chinese, counts first, with OCR text and caption', () => {
  const view = buildTextViewZh({
    objects: [
      { label: 'dog', score: 0.5 },
      { label: 'person', score: 0.9 },
      { label: 'person', score: 0.6 },
    ],
    ocr: [{ text: '上海 ' }, { text: 'Main St' }],
    caption: ' 公园里的 狗 ',
  });
  assert.equal(view, '照片中有：2个人、狗。图中文字：上海 / Main St。图片说明：公园里的 狗');
  assert.equal(buildTextViewZh({ objects: [], ocr: [] }), '');
});
