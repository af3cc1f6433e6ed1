/**
 * Browser test: Debian's chromium (through playwright-core) opens the live page of a dashboard process
 * running against the real broker and Redis; the page shows the topics from published events, updates
 * live (SSE, no reload) when a new scored event arrives, shows the mismatch feed with its photos and the
 * recycled-photos panel with where a photo was first seen (photos served
 * by a local image server: the machine has no internet), shows every article's language, counts per
 * language and filters the feed by language, logs no console errors, and a screenshot is saved to
 * test-output/dashboard.png.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node --import tsx --test tests/dashboard.browser.test.ts
 *
 * Needs /usr/bin/chromium (Debian: apt-get install -y chromium); without it the test fails, it does not skip.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Redis, SupervisedService, encode, supervisionKey, type Kafka, type Producer, type ScoredEvent } from '@newsfuse/shared';
import { REPO_ROOT } from '@newsfuse/testkit/paths';
import { scoredEvent } from './fixtures/scored.ts';
import {
  REDIS_URL,
  assertBroker,
  createTopics,
  deleteKeys,
  deleteTopics,
  kafkaClient,
  publishScored,
  startDashboard,
  topicsOf,
  uniqueNames,
  waitFor,
  type DashboardProcess,
} from './dashboard.harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Polls an in-page expression from here (page.evaluate of a string runs over the DevTools protocol).
 * Not page.waitForFunction with a string: its polling evals the string inside the page, which the
 * dashboard's Content-Security-Policy (no 'unsafe-eval') refuses whenever the first check is false.
 */
async function until(page: Page, expr: string, timeoutMs: number): Promise<void> {
  await waitFor(async () => ((await page.evaluate(expr)) ? true : undefined), timeoutMs, expr, 100);
}
const TOKEN = 'browser-token-7a1e55c0';
const SCREENSHOT = join(REPO_ROOT, 'test-output', 'dashboard.png');

let kafka: Kafka;
let producer: Producer | undefined;
let dash: DashboardProcess | undefined;
let images: Server | undefined;
let imageBase = '';
let browser: Browser | undefined;
let names: ReturnType<typeof uniqueNames>;
let topics: ReturnType<typeof topicsOf>;

/** Simple landscape "photos" so the mismatch feed has real images to show. */
function photo(n: number): string {
  const palettes = [
    ['#1e3a5f', '#4f86c6', '#2f5d3a', '#f2c14e'],
    ['#3b1f2b', '#c8553d', '#5a3e36', '#f28f3b'],
    ['#102a43', '#829ab1', '#334e68', '#f0f4f8'],
    ['#1b4332', '#74c69d', '#2d6a4f', '#ffd166'],
    ['#2b2d42', '#8d99ae', '#4a4e69', '#ef233c'],
    ['#3d348b', '#7678ed', '#2a2a72', '#f7b801'],
  ];
  const [deep, sky, ground, sun] = palettes[n % palettes.length]!;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480" viewBox="0 0 640 480">
<defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${deep}"/><stop offset="1" stop-color="${sky}"/></linearGradient></defs>
<rect width="640" height="480" fill="url(#s)"/><circle cx="${120 + n * 70}" cy="${120 + (n % 3) * 20}" r="46" fill="${sun}" opacity=".9"/>
<path d="M0 330 Q160 ${250 + n * 10} 320 320 T640 ${300 - n * 8} V480 H0Z" fill="${ground}"/>
<path d="M0 400 Q200 350 380 400 T640 380 V480 H0Z" fill="${deep}" opacity=".55"/>
<rect x="${380 - n * 20}" y="300" width="70" height="90" fill="${deep}" opacity=".8"/><rect x="${395 - n * 20}" y="320" width="16" height="20" fill="${sun}" opacity=".8"/></svg>`;
}

/** Deterministic pseudo-random numbers, so the screenshot looks the same run to run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const STORIES: Record<string, ScoredEvent['topics'][number]> = {
  Climate: { id: 'story:c0ffee0000000001', label: 'flood · river · storm', kind: 'story' },
  Politics: { id: 'story:c0ffee0000000002', label: 'budget · vote · senate', kind: 'story' },
};

/** Headlines of the stream's Chinese articles (every fifth article, from the third). */
const ZH_TITLES = [
  '长江洪水迫使沿岸村庄撤离',
  '央行维持利率不变',
  '国产大飞机完成首次商业飞行',
  '女排夺得世界杯冠军',
  '新能源汽车销量创新高',
];
const isZh = (i: number) => i % 5 === 2;

function stream(count: number): ScoredEvent[] {
  const rand = rng(42);
  const topicsList = ['Climate', 'Economy', 'Politics', 'Sport', 'Technology', 'Health', 'Culture'];
  const outlets = ['Northern Chronicle', 'Market Wire', 'Sports Daily', 'Industry Today', 'Coastal Herald', 'The Capital Post'];
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const topic = topicsList[Math.floor(rand() ** 1.5 * topicsList.length)]!;
    // Every other Chinese article is a mismatch, so the feed filtered to Chinese is never empty.
    const mismatch = rand() < 0.22 || (isZh(i) && i % 2 === 0);
    const relevance = mismatch ? 0.03 + rand() * 0.25 : 0.32 + rand() * 0.65;
    const cats = rand() < 0.15 ? [topic, topicsList[(i + 3) % topicsList.length]!] : [topic];
    // Climate and Politics articles belong to a story, first among their topics as score emits them.
    const story = STORIES[topic];
    return scoredEvent({
      language: isZh(i) ? 'zh' : 'en',
      ...(isZh(i) ? { title: ZH_TITLES[i % ZH_TITLES.length]! } : {}),
      topics: story ? [story, ...cats] : cats,
      outlet: outlets[Math.floor(rand() * outlets.length)]!,
      relevance,
      sentiment: Math.max(-1, Math.min(1, (rand() - 0.45) * 1.6)),
      images: [`${imageBase}/photo/${i % 6}.svg`, `${imageBase}/photo/${(i + 2) % 6}.svg`],
      emittedAt: new Date(now - (count - i) * 45_000 - rand() * 30_000),
    });
  });
}

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `chromium not found at ${CHROMIUM}: install it (Debian: apt-get update && apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  kafka = kafkaClient();
  await assertBroker(kafka);
  images = createServer((req, res) => {
    const m = /^\/photo\/(\d+)\.svg$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' }).end(photo(Number(m[1])));
  });
  await new Promise<void>((resolve) => images!.listen(0, '127.0.0.1', resolve));
  const addr = images.address();
  imageBase = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  names = uniqueNames('dashui');
  topics = topicsOf(names.suffix);
  await createTopics(kafka, Object.values(topics));
  producer = kafka.producer();
  await producer.connect();
  dash = await startDashboard({ TOPIC_SUFFIX: names.suffix, NEWSFUSE_PREFIX: names.prefix, DASHBOARD_TOKEN: TOKEN });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  const code = await dash?.stop();
  await producer?.disconnect();
  await new Promise<void>((resolve) => (images ? images.close(() => resolve()) : resolve()));
  if (names) {
    await deleteTopics(kafka, Object.values(topics)).catch(() => undefined);
    await deleteKeys(names.prefix);
  }
  assert.equal(code, 0, 'dashboard exits cleanly');
});

test('the live page shows topics, updates over SSE, shows the mismatch feed with photos and languages, and logs no errors', async () => {
  const events = stream(70);
  await publishScored(producer!, topics.scored, events);
  await producer!.send({
    topic: topics.deadletter,
    messages: [
      {
        value: JSON.stringify({
          schemaVersion: 1,
          stage: 'extract',
          code: 'FETCH_TIMEOUT',
          reason: 'image download timed out after 10000 ms',
          retriable: false,
          origin: { queue: 'extract-image', jobId: 'img/demo:1' },
          payload: '{}',
          at: new Date().toISOString(),
        }),
      },
    ],
  });

  const page: Page = await browser!.newPage({ viewport: { width: 1600, height: 1000 } });
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url().replace(TOKEN, '***')} ${req.failure()?.errorText ?? ''}`));

  // Opening the page with ?token= once keeps the token in a cookie and drops it from the URL.
  const res = await page.goto(`${dash!.url}/?token=${TOKEN}`);
  assert.equal(res?.status(), 200);
  assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
  assert.ok((await page.context().cookies()).some((c) => c.name === 'nf_dashboard_token' && c.httpOnly));

  await page.waitForSelector('#status[data-state="live"]', { timeout: 30_000 });
  // In-page code is passed as strings: the tests compile without the DOM library.
  await until(page, `document.querySelectorAll('#topics tbody tr[data-id^="cat:"]').length >= 5`, 60_000);
  // The page may open while the dashboard is still consuming the 70 events: wait for all of them.
  await until(page, `document.querySelector('#kpi-count .kpi-value')?.textContent === '70'`, 30_000).catch(() => undefined);
  const labels = (await page.evaluate(
    `[...document.querySelectorAll('#topics tbody tr[data-id^="cat:"] td.name')].map((td) => td.firstChild.textContent)`,
  )) as string[];
  assert.ok(labels.includes('Climate') && labels.includes('Economy'), labels.join(', '));
  assert.equal(await page.textContent('#kpi-count .kpi-value'), '70');

  // The mismatch feed shows articles with their photos, scores and explanations.
  await page.waitForSelector('#feed li .thumb img', { timeout: 30_000 });
  await until(page, `[...document.querySelectorAll('#feed img')].slice(0, 4).every((img) => img.complete && img.naturalWidth > 0)`, 30_000);
  const why = await page.textContent('#feed li .why');
  assert.match(why ?? '', /not in the text/);

  // Languages: counts per language, every feed article shows its own, and the feed filters by language.
  const zhCount = events.filter((e) => e.language === 'zh').length;
  await until(page, `document.querySelector('#languages tr[data-id="zh"] td[data-count]')?.dataset.count === '${zhCount}'`, 30_000);
  assert.equal(await page.getAttribute('#languages tr[data-id="en"] td[data-count]', 'data-count'), String(70 - zhCount));
  assert.equal(await page.textContent('#languages tr[data-id="zh"] td.name'), 'Chinese (zh)');
  assert.equal(await page.textContent('#languages-count'), '2 languages');
  const feedLanguages = async () =>
    (await page.evaluate(
      `[...document.querySelectorAll('#feed li')].map((li) => [li.dataset.article, li.dataset.lang, li.querySelector('.meta .lang')?.textContent])`,
    )) as [string, string, string][];
  const shown = await feedLanguages();
  assert.ok(shown.length > 0);
  for (const [id, lang, badge] of shown) {
    assert.equal(badge, lang, `article ${id} shows its language`);
    assert.equal(lang, events.find((e) => e.articleId === id)?.language, `article ${id}`);
  }
  assert.deepEqual(
    ((await page.evaluate(`[...document.querySelectorAll('#language-filter option')].map((o) => o.value)`)) as string[]).sort(),
    ['', 'en', 'zh'],
  );
  const zhMismatches = events
    .filter((e) => e.language === 'zh' && e.relevance.label === 'mismatch')
    .map((e) => e.articleId)
    .sort();
  assert.ok(zhMismatches.length > 0);
  await page.selectOption('#language-filter', 'zh');
  await until(page, `[...document.querySelectorAll('#feed li')].every((li) => li.dataset.lang === 'zh')`, 10_000);
  assert.deepEqual((await feedLanguages()).map(([id]) => id).sort(), zhMismatches.slice(0, 24), 'the Chinese mismatches, and only them');
  assert.equal(await page.getAttribute('#languages tr[data-id="zh"]', 'aria-selected'), 'true');
  // A row of the languages table selects its language; clicking it again shows all languages.
  await page.click('#languages tr[data-id="en"]');
  await until(page, `document.querySelector('#language-filter').value === 'en'`, 10_000);
  await until(page, `[...document.querySelectorAll('#feed li')].every((li) => li.dataset.lang === 'en')`, 10_000);
  await page.click('#languages tr[data-id="en"]');
  await until(page, `document.querySelector('#language-filter').value === ''`, 10_000);
  await until(page, `new Set([...document.querySelectorAll('#feed li')].map((li) => li.dataset.lang)).size === 2`, 10_000);

  // Live: a new scored event shows up without a reload.
  await page.evaluate('window.__noReload = true');
  const breaking = scoredEvent({
    language: 'en',
    topics: ['Breaking Live Topic'],
    title: 'Harbour bridge reopens after overnight repairs',
    outlet: 'Coastal Herald',
    relevance: 0.04,
    sentiment: -0.35,
    images: [`${imageBase}/photo/4.svg`, `${imageBase}/photo/1.svg`],
    matched: [
      { kind: 'ocr', term: 'bridge' },
      { kind: 'object', term: 'boat', score: 0.12, tentative: true },
    ],
  });
  await publishScored(producer!, topics.scored, [breaking]);
  await page.waitForSelector('#topics tbody tr[data-id="cat:breaking-live-topic"]', { timeout: 30_000 });
  await until(page, `document.querySelector('#feed li')?.getAttribute('data-article') === ${JSON.stringify(breaking.articleId)}`, 30_000);
  assert.equal(await page.evaluate('window.__noReload'), true, 'updated in place, not reloaded');
  // A low-score object match is shown as "possibly", apart from what was seen.
  const chips = (await page.evaluate(
    `[...document.querySelectorAll('#feed li:first-child .chip')].map((c) => [c.className, c.textContent])`,
  )) as [string, string][];
  assert.deepEqual(chips, [
    ['chip', 'ocr: bridge'],
    ['chip tentative', 'possibly object: boat (0.12)'],
  ]);
  assert.equal(await page.textContent('#kpi-count .kpi-value'), '71');

  // Recycled photos: an article whose photo the index first saw in another story is listed with
  // where and when; same-story (wire) photos are not. Served by the snapshot and by GET /api/recycled.
  const reusedFlood = scoredEvent({
    language: 'en',
    topics: ['Politics'],
    title: 'Candidates trade blows in the final debate',
    outlet: 'The Capital Post',
    images: [`${imageBase}/photo/2.svg`, `${imageBase}/photo/5.svg`],
  });
  const firstSeen = {
    articleId: 'flood-article-2025',
    version: 1,
    title: 'Flooding in the Rhine valley forces thousands from their homes',
    source: 'Coastal Herald',
    publishedAt: '2025-03-02T08:00:00Z',
    story: { id: 'story:flood', label: 'flood · river' },
  };
  reusedFlood.relevance.recycled = [
    { index: 0, status: 'same-story', firstSeen, count: 2, distance: 0 },
    { index: 1, status: 'recycled', firstSeen, count: 3, distance: 5 },
  ];
  await publishScored(producer!, topics.scored, [reusedFlood]);
  await until(page, `document.querySelector('#recycled li')?.dataset.article === ${JSON.stringify(reusedFlood.articleId)}`, 30_000);
  assert.equal(await page.evaluate('window.__noReload'), true, 'the panel updated in place');
  assert.deepEqual(
    await page.evaluate(`[...document.querySelectorAll('#recycled li:first-child .recycled-photo')].map((d) => d.textContent)`),
    [
      "photo 2 recycled first seen on 2025-03-02 in 'Flooding in the Rhine valley forces thousands from their homes' (Coastal Herald), story: flood · river; 2 articles so far",
    ],
  );
  await until(page, `document.querySelector('#recycled li:first-child .thumb img')?.complete === true`, 10_000);
  assert.equal(await page.getAttribute('#recycled li:first-child .thumb', 'title'), `${imageBase}/photo/5.svg`);
  assert.equal(await page.isHidden('#recycled-empty'), true);
  const api = (await page.evaluate(`fetch('./api/recycled?limit=5').then((r) => r.json())`)) as {
    items: { articleId: string; photos: { index: number; status: string; explanation: string }[] }[];
  };
  assert.deepEqual(
    api.items.map((i) => [i.articleId, i.photos.map((p) => [p.index, p.status])]),
    [[reusedFlood.articleId, [[1, 'recycled']]]],
  );

  // Selecting a topic points the charts at it.
  await page.click('#topics tbody tr[data-id="cat:climate"]');
  await until(page, `document.querySelector('.chart-topic')?.textContent === 'Climate'`, 10_000);
  await page.click('#topics tbody tr[data-id="_all"]');
  await until(page, `document.querySelector('.chart-topic')?.textContent === 'All topics'`, 10_000);

  // Stories are rows of their own, marked as stories; a story's label follows its newest article,
  // in the table and in the charts' titles while it is selected.
  const flood = STORIES.Climate!;
  assert.equal(await page.textContent(`#topics tbody tr[data-id="${flood.id}"] td.name .sub`), 'story');
  await page.click(`#topics tbody tr[data-id="${flood.id}"]`);
  await until(page, `document.querySelector('.chart-topic')?.textContent === ${JSON.stringify(flood.label)}`, 10_000);
  const grown = { ...flood, label: 'flood · river · evacuation' };
  await publishScored(producer!, topics.scored, [
    scoredEvent({
      language: 'en',
      topics: [grown, 'Climate'],
      title: 'Towns evacuated as the river keeps rising',
      outlet: 'Coastal Herald',
    }),
  ]);
  await page.locator(`#topics tbody tr[data-id="${flood.id}"] td.name`, { hasText: grown.label }).waitFor({ timeout: 30_000 });
  await page.locator('.chart-topic', { hasText: grown.label }).first().waitFor({ timeout: 10_000 });
  await page.click('#topics tbody tr[data-id="_all"]');

  // Sorting by relevance puts the lowest first when ascending.
  await page.click('#topics th button[data-sort="relevance"]');
  await page.click('#topics th button[data-sort="relevance"]');
  assert.equal(await page.getAttribute('#topics tbody tr:nth-child(2)', 'data-id'), 'cat:breaking-live-topic');
  await page.click('#topics th button[data-sort="volume"]');

  // Pipeline health and dead letters are on the page.
  await until(page, `document.querySelector('#dl-total')?.textContent?.startsWith('1 in 24 h')`, 30_000);
  assert.ok((await page.$$('#stages tbody tr')).length >= 7);

  // Restarts reported by npm start's supervisors (two machines) are summed per service in the table.
  const redis = new Redis(REDIS_URL);
  const record = (host: string, restarts: number, state: SupervisedService['state']) =>
    encode(SupervisedService, { service: 'score', host, state, pid: 4242, restarts, lastExit: null, updatedAt: new Date().toISOString() });
  await redis.hset(supervisionKey({ NEWSFUSE_PREFIX: names.prefix }), {
    'box-1/score': record('box-1', 2, 'running'),
    'box-2/score': record('box-2', 1, 'backoff'),
  });
  redis.disconnect();
  await until(page, `document.querySelector('#stages tr[data-stage="score"] td[data-restarts]')?.dataset.restarts === '3'`, 30_000);
  assert.equal(await page.textContent('#stages tr[data-stage="score"] td[data-restarts]'), '3 · backoff');
  assert.match(
    (await page.getAttribute('#stages tr[data-stage="score"] td[data-restarts]', 'title')) ?? '',
    /box-2: backoff \(pid 4242\), 1 restarts/,
  );
  assert.equal(await page.getAttribute('#stages tr[data-stage="fuse"] td[data-restarts]', 'data-restarts'), '');

  await page.evaluate('window.scrollTo(0, 0)');
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.ok(existsSync(SCREENSHOT));

  assert.deepEqual(problems, [], problems.join('\n'));
  await page.close();
});
