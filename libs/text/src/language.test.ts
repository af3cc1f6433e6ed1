import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analysisText, isTraditional, normalizeLanguageTag, resolveLanguage, scriptCounts, toSimplified } from './language.ts';

const lang = (title: string, text = '', declared?: string) => resolveLanguage({ title, text, declared });

test('script counts: words for alphabetic scripts, characters for Han and kana', () => {
  const c = scriptCounts('Apple发布新款iPhone');
  assert.equal(c.Latin, 2);
  assert.equal(c.Han, 4);
  const j = scriptCounts('東京で地震');
  assert.equal(j.Han, 4);
  assert.equal(j.Kana, 1);
  assert.equal(scriptCounts('Президент России заявил').Cyrillic, 3);
});

test('mixed Latin and Han is Chinese; Japanese with kana is not', () => {
  assert.deepEqual(lang('Apple发布新款iPhone'), { language: 'zh', script: 'Han', source: 'script' });
  assert.equal(lang('股市暴跌，投资者损失惨重，市场恐慌情绪蔓延').language, 'zh');
  assert.equal(lang('東京で地震が発生しました').language, 'ja');
  assert.equal(lang('東京で地震').language, 'ja');
  assert.equal(lang('ソニーが新型カメラを発表').language, 'ja');
  assert.equal(lang('서울에서 지진 발생').language, 'ko');
});

test('a declared language loses to the script it contradicts', () => {
  const d = lang('Apple发布新款iPhone，售价上涨', '', 'en-US');
  assert.equal(d.language, 'zh');
  assert.equal(d.source, 'script');
  assert.equal(lang('Storm hits the coast', '', 'zh-CN').language, 'en');
  assert.equal(lang('股市大涨', '', 'zh-CN').source, 'declared');
});

test('other scripts: Arabic, Russian, Greek; the declared language wins within its script', () => {
  assert.equal(lang('الرئيس يعلن عن خطة جديدة لدعم الاقتصاد').language, 'ar');
  assert.equal(lang('Президент России заявил о новых мерах поддержки экономики').language, 'ru');
  assert.equal(lang('Ο πρωθυπουργός ανακοίνωσε νέα μέτρα').language, 'el');
  assert.equal(lang('Президент заявив про нові заходи', '', 'uk').language, 'uk');
});

test('Latin script: declared, then the detector when confident, else English', () => {
  assert.deepEqual(lang('Apple unveils new iPhone'), { language: 'en', script: 'Latin', source: 'default' });
  assert.equal(lang('Local team wins championship').language, 'en');
  assert.equal(lang('A powerful storm swept through the coastal towns overnight, flooding homes and cutting power.').language, 'en');
  const fr = lang('Le président a annoncé un nouveau plan pour soutenir les familles');
  assert.equal(fr.language, 'fr');
  assert.equal(fr.source, 'detected');
  assert.equal(lang('Apple unveils new iPhone', '', 'de-DE').language, 'de');
});

test('no letters: the declared language, else und', () => {
  assert.deepEqual(lang('12345 !!!'), { language: 'und', script: 'none', source: 'default' });
  assert.equal(lang('2024', '', 'fr').language, 'fr');
});

test('Traditional Chinese is recognised, converted for analysis, and the decision says so', () => {
  const d = lang('台灣股市大漲，投資人信心回升');
  assert.equal(d.language, 'zh');
  assert.equal(d.traditional, true);
  assert.equal(analysisText(d, '台灣股市大漲'), '台湾股市大涨');
  assert.equal(toSimplified('軟體與網路'), '软件与网络');
  assert.equal(isTraditional('股市暴跌，投资者损失惨重'), false);
  assert.equal(lang('股市暴跌，投资者损失惨重').traditional, undefined);
  assert.equal(lang('股市大涨', '', 'zh-Hant-TW').traditional, true);
  assert.equal(analysisText({}, '台灣'), '台灣');
});

test('normalizeLanguageTag', () => {
  assert.equal(normalizeLanguageTag('zh-Hant-TW'), 'zh');
  assert.equal(normalizeLanguageTag('EN_us'), 'en');
  assert.equal(normalizeLanguageTag('iw'), 'he');
  assert.equal(normalizeLanguageTag(''), undefined);
  assert.equal(normalizeLanguageTag('not a tag'), undefined);
});
