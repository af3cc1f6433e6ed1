import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchCaption, distinctText, type Text } from './workload.ts';

const page: Text = {
  title: 'Dogs at the station',
  summary: 'A dog waited at the station. Its owner came back.',
  body: 'A dog waited at the station. Its owner came back. Nobody knows why! Was it the train? 狗在车站等候。主人回来了！',
  category: 'news',
};
const sentences = (s: string) => s.split(/(?<=[.!?。！？])\s*/u).filter(Boolean);
const unmark = (s: string) => s.replace(/\[\d+\] ?/g, '');

test('distinctText: no sentence repeats across articles; the text is the page with numbers', () => {
  const a = distinctText(page, 7);
  const b = distinctText(page, 8);
  assert.equal(unmark(a.body), page.body);
  assert.equal(unmark(a.summary), page.summary);
  assert.equal(a.title, page.title);
  const ofB = new Set(sentences(b.body));
  assert.equal(sentences(a.body).length, 6);
  for (const s of sentences(a.body)) assert.ok(!ofB.has(s), `"${s}" is in article 8 too`);
});

test('distinctText: within an article the lead and the caption still repeat the body', () => {
  const a = distinctText(page, 7);
  const body = new Set(sentences(a.body));
  for (const s of sentences(a.summary)) assert.ok(body.has(s), `"${s}" not in the body`);
  const caption = benchCaption(a, 0)!;
  assert.ok(a.body.startsWith(sentences(caption)[0]!));
});
