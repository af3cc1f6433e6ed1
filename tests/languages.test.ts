/**
 * Languages end to end on the real broker and Redis, each stage its own process (extract, fuse,
 * score, dashboard): Chinese (Simplified, and Traditional from a zh-TW feed), English, Arabic and
 * Russian articles are each scored once with the right language; the languages no model reads get null
 * text sentiment and relevance with LANGUAGE_UNSUPPORTED while their images are still analysed; nothing
 * is dead-lettered; the score service counts articles per language and outcome, and the dashboard
 * shows the languages apart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ArticleEvent, ScoredEvent, encode } from '@newsfuse/shared';
import { isSupported } from '@newsfuse/pipeline/languages';
import { waitFor } from '@newsfuse/testkit/harness';
import { startPipelineRun, type PipelineRun } from '@newsfuse/testkit/run';
import { startImageServer, type ImageServer } from './fixtures/images.ts';
import { articleId } from './fixtures/articles.ts';

interface Case {
  key: string;
  language: string;
  declared?: string;
  title: string;
  body: string;
  image: boolean;
}

const CASES: Case[] = [
  {
    key: 'en',
    language: 'en',
    title: 'Rescuers celebrate as all miners are brought out alive',
    body: 'All thirty miners trapped for a week were rescued alive on Sunday. Families cheered and hugged the rescue teams.',
    image: true,
  },
  {
    key: 'zh',
    language: 'zh',
    title: 'Apple发布新款iPhone，股价大涨',
    body: '苹果公司今天在加州发布了新款手机。投资者反应积极，公司股价上涨百分之五。',
    image: true,
  },
  {
    key: 'zh-tw',
    language: 'zh',
    declared: 'zh-TW',
    title: '台灣股市大漲，投資人信心回升',
    body: '加權指數今天上漲百分之三，科技股領漲。分析師表示市場情緒明顯好轉。',
    image: false,
  },
  {
    key: 'ar',
    language: 'ar',
    title: 'الرئيس يعلن عن خطة جديدة لدعم الاقتصاد',
    body: 'أعلن الرئيس اليوم عن خطة جديدة لدعم الاقتصاد الوطني. وقال إن الخطة ستساعد الأسر والشركات الصغيرة.',
    image: true,
  },
  {
    key: 'ru',
    language: 'ru',
    declared: 'ru-RU',
    title: 'Наводнение затопило несколько деревень на юге страны',
    body: 'Сильные дожди вызвали наводнение. Спасатели эвакуировали сотни жителей из затопленных домов.',
    image: false,
  },
];

describe('languages: Chinese, English, Arabic and Russian through the real services', () => {
  let run: PipelineRun;
  let images: ImageServer;
  const ids = new Map<string, string>();
  let arabic: ScoredEvent | undefined;

  before(async () => {
    images = await startImageServer();
    run = await startPipelineRun({ label: 'lang', partitions: 2, services: ['extract', 'fuse', 'score', 'dashboard'] });
  });

  after(async () => {
    await Promise.allSettled([run?.stop(), images?.close()]);
  });

  test('each article is scored once with its language; unread languages get null scores with the reason', async () => {
    const { runId, producer, topics, scored, dead } = run;
    const now = Date.now();
    const articles = CASES.map((c, i): ArticleEvent => {
      const id = articleId(`${runId}-${c.key}`);
      ids.set(c.key, id);
      return {
        schemaVersion: 1,
        articleId: id,
        version: 1,
        source: { kind: 'push', outlet: 'languages-test' },
        url: `https://news.example.org/${runId}/${c.key}`,
        title: c.title,
        body: c.body,
        ...(c.declared ? { language: c.declared } : {}),
        publishedAt: new Date(now - 60_000 + i).toISOString(),
        fetchedAt: new Date(now).toISOString(),
        images: c.image ? [{ url: `${images.url}/img/${i + 1}.png` }] : [],
        categories: [],
        authors: [],
      };
    });
    await producer.send({
      topic: topics.articles,
      messages: articles.map((a) => ({ key: a.articleId, value: encode(ArticleEvent, a) })),
    });
    const wanted = new Set(ids.values());
    await waitFor(
      () => (new Set(scored.items.filter((s) => wanted.has(s.articleId)).map((s) => s.articleId)).size >= CASES.length ? true : undefined),
      300_000,
      `${CASES.length} scored events`,
      500,
    );

    const mine = scored.items.filter((s) => wanted.has(s.articleId));
    assert.equal(mine.length, CASES.length, 'each article scored exactly once');
    const by = (key: string) => mine.find((s) => s.articleId === ids.get(key))!;
    assert.deepEqual(
      CASES.map((c) => [c.key, by(c.key).language]),
      CASES.map((c) => [c.key, c.language]),
      'the right language for each article',
    );

    // English: read by its models.
    const en = by('en');
    assert.equal(typeof en.sentiment.text, 'number');
    assert.equal(en.sentiment.reason, undefined);
    assert.notEqual(en.relevance.score, null);

    // Arabic and Russian: no model reads them. Null text sentiment and relevance, with the reason; the
    // Arabic article's image was still fetched and analysed (status ok), it just has no relevance score.
    for (const key of ['ar', 'ru']) {
      const s = by(key);
      assert.equal(s.sentiment.text, null, `${key}: no text sentiment`);
      assert.equal(s.sentiment.reason?.code, 'LANGUAGE_UNSUPPORTED');
      assert.equal(s.relevance.score, null);
      assert.equal(s.relevance.reason?.code, 'LANGUAGE_UNSUPPORTED');
    }
    arabic = by('ar');
    // The image-only signal still runs: the Arabic article's sentiment is its photo's faces, if any.
    assert.equal(by('ar').sentiment.fused, by('ar').sentiment.image);
    // No text read and no photo: no sentiment at all, never a made-up number.
    assert.equal(by('ru').sentiment.image, null);
    assert.equal(by('ru').sentiment.fused, null);
    assert.equal(by('ru').sentiment.label, 'unknown');
    assert.deepEqual(
      by('ar').relevance.perImage.map((p) => [p.status, p.score]),
      [['ok', null]],
    );

    // Chinese: read by the Chinese analyzer once it is registered; until then, said so like any other.
    for (const key of ['zh', 'zh-tw']) {
      const s = by(key);
      if (isSupported('zh')) {
        assert.equal(typeof s.sentiment.text, 'number', `${key}: the Chinese analyzer reads it`);
        assert.equal(s.sentiment.reason, undefined);
      } else {
        assert.equal(s.sentiment.text, null, `${key}: no Chinese analyzer registered yet`);
        assert.equal(s.sentiment.reason?.code, 'LANGUAGE_UNSUPPORTED');
      }
    }

    // Nothing of this run was dead-lettered.
    assert.deepEqual(
      dead.items.filter((d) => !d.articleId || wanted.has(d.articleId)).map((d) => `${d.stage}:${d.code}`),
      [],
    );
  });

  test('score counts articles per language and outcome; the dashboard shows the languages apart', async () => {
    const { services } = run;
    const score = services.find((s) => s.name === 'score')!;
    // The counter moves right after the event is published: poll until all five are counted.
    const text = await waitFor(
      async () => {
        const t = await (await fetch(`${score.url}/metrics`)).text();
        const n = [...t.matchAll(/^newsfuse_articles_scored_total\{[^}]*\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
        return n >= CASES.length ? t : undefined;
      },
      30_000,
      'every article counted in newsfuse_articles_scored_total',
      250,
    );
    const count = (language: string, outcome: string) => {
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('newsfuse_articles_scored_total{') && l.includes(`language="${language}"`) && l.includes(`outcome="${outcome}"`),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const lines = text.split('\n').filter((l) => l.startsWith('newsfuse_articles_scored_total'));
    assert.equal(count('en', 'analysed'), 1, lines.join('\n'));
    assert.equal(count('ar', 'unsupported'), 1);
    assert.equal(count('ru', 'unsupported'), 1);
    assert.equal(count('zh', isSupported('zh') ? 'analysed' : 'unsupported'), 2);

    const dashboard = services.find((s) => s.name === 'dashboard')!;
    const rows = await waitFor(
      async () => {
        const r = (await (await fetch(`${dashboard.url}/api/languages?window=24h`)).json()) as {
          languages: { id: string; label: string; count: number; sentimentUnknownCount: number; sentimentMean: number | null }[];
        };
        return r.languages.reduce((a, l) => a + l.count, 0) >= CASES.length ? r.languages : undefined;
      },
      60_000,
      'the dashboard counts every article per language',
      500,
    );
    const row = (id: string) => rows.find((r) => r.id === id);
    assert.equal(row('zh')?.count, 2);
    assert.equal(row('zh')?.label, 'Chinese (zh)');
    assert.equal(row('en')?.count, 1);
    assert.equal(row('en')?.sentimentUnknownCount, 0);
    assert.equal(row('ar')?.count, 1);
    assert.equal(row('ar')?.sentimentUnknownCount, arabic?.sentiment.fused === null ? 1 : 0);
    assert.equal(row('ru')?.sentimentUnknownCount, 1);
  });
});
