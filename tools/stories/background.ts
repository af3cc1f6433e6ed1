/**
 * Where each language's story threshold sits on its embedder's scale: the cosines between unrelated
 * headlines (the 44 Chinese good/bad-news headlines of @newsfuse/testkit/zh-headlines, distinct events; the
 * English titles of the demo feed) and between same-story pairs written for this check, with the share
 * of unrelated pairs a threshold would join.
 *
 *   npx tsx tools/stories/background.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { HAN } from '@newsfuse/text/zh';
import { BAD_NEWS, GOOD_NEWS } from '@newsfuse/testkit/zh-headlines';
import { cosine, createEmbedder } from '@newsfuse/models/text/embedder';
import { createZhEmbedder } from '@newsfuse/models/text/zh/embedder';
import { DEFAULT_STORY_SIMILARITY, DEFAULT_STORY_SIMILARITY_ZH } from '@newsfuse/stage-score/stories';
import type { Embedder } from '@newsfuse/models/text/bert';

const demo = (JSON.parse(readFileSync(join(REPO_ROOT, 'demo', 'articles.json'), 'utf8')) as { articles: { title: string }[] }).articles;

const SAME_STORY: Record<'zh' | 'en', [string, string][]> = {
  zh: [
    ['山区地震造成房屋倒塌，多人受伤', '强烈地震袭击山区，多栋房屋倒塌'],
    ['长江洪水迫使沿岸数千居民紧急撤离', '长江水位暴涨，沿岸居民连夜撤离'],
    ['银行股暴跌，股市创下年内最大跌幅', '股市大跌，银行板块领跌全场'],
  ],
  en: [
    ['River bursts its banks after record rain', 'Record rainfall sends the river over its banks'],
    ['Rocket launch delayed by weather', 'Bad weather postpones the rocket launch'],
    ['Trade talks stall over tariffs', 'Tariff dispute stalls trade negotiations'],
  ],
};

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const f3 = (x: number) => x.toFixed(3);

async function row(lang: 'zh' | 'en', model: string, e: Embedder, unrelated: string[], threshold: number) {
  const v = await e.embed(unrelated);
  const c: number[] = [];
  for (let i = 0; i < v.length; i++) for (let j = i + 1; j < v.length; j++) c.push(cosine(v[i]!, v[j]!));
  const same: number[] = [];
  for (const [a, b] of SAME_STORY[lang]) {
    const [x, y] = await e.embed([a, b]);
    same.push(cosine(x!, y!));
  }
  const share = (t: number) => f3(c.filter((x) => x >= t).length / c.length);
  return `| ${lang} | ${model} | ${unrelated.length} / ${c.length} | ${f3(pct(c, 50))} / ${f3(pct(c, 99))} / ${f3(Math.max(...c))} | ${same.map(f3).join(', ')} | ${share(0.5)} | ${threshold} | ${share(threshold)} |`;
}

console.log(
  '| language | embedder | unrelated headlines / pairs | unrelated cosine p50 / p99 / max | same-story pairs | unrelated ≥ 0.5 | threshold | unrelated ≥ threshold |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
console.log(await row('zh', 'bge-small-zh-v1.5', createZhEmbedder(), [...GOOD_NEWS, ...BAD_NEWS], DEFAULT_STORY_SIMILARITY_ZH));
console.log(
  await row(
    'en',
    'all-MiniLM-L6-v2',
    createEmbedder(),
    demo.map((a) => a.title).filter((t) => !HAN.test(t)),
    DEFAULT_STORY_SIMILARITY,
  ),
);
