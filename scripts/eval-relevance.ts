/**
 * Relevance evaluation: every fusion strategy and every single signal on the shared ImageNet dev photos,
 * 5-fold cross-validated. Prints the results and writes docs/evaluation.md and docs/evaluation.json.
 *
 *   npm run eval:relevance [-- --limit N] [--no-write] [--refresh] [--quiet] [--out docs/evaluation] [--news-only | --no-news] [--zh-only | --no-zh]
 *
 * Each photo (under an opaque content-hash name: file names carry the class) is paired, per text
 * variant (label / WordNet lemmas / gloss), with its own class text, a random other class's text and
 * its nearest WordNet sibling's text. Features come from the same createExtractor path the services
 * use, computed once and cached in .cache/eval/. Everything learned (combiners, calibrators,
 * thresholds) is fitted on training folds only (folds by class; a training pair has photo and text
 * from training classes). The computation is tools/relevance/experiment.ts, the rendering
 * tools/relevance/report.ts; details: tools/relevance/.
 *
 * The news section: the with-caption regime on the news caption set (../shared readability pages, their
 * own captions and alt texts against other articles' and same-outlet articles' captions), nested 5-fold
 * CV by article (tools/relevance/news-run.ts, news-report.ts); text features cached in .cache/eval/news/.
 * `--news-only` runs it alone and rewrites only that section of the page and the `news` key of the JSON.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { missingShared, REPO_ROOT } from '../tools/relevance/features.ts';
import { runRelevanceExperiment } from '../tools/relevance/experiment.ts';
import { renderReport } from '../tools/relevance/report.ts';
import { runNewsExperiment } from '../tools/relevance/news-experiment.ts';
import { renderNews, spliceNews } from '../tools/relevance/news-report.ts';
import { renderZh, runZh, zhSet } from '../tools/relevance/zh.ts';
import { loadDevSet } from '../tools/relevance/load.ts';
import { loadCalibration } from '@newsfuse/pipeline/weights';

const COMMAND = 'npm run eval:relevance';

/** Formats a generated file the way `npm run lint` checks it. */
async function pretty(path: string, text: string): Promise<string> {
  const prettier = await import('prettier');
  return prettier.format(text, { ...(await prettier.resolveConfig(path)), filepath: path });
}

async function writeOut(out: string, markdown: string, json: unknown): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  await writeFile(`${out}.md`, await pretty(`${out}.md`, markdown));
  await writeFile(`${out}.json`, await pretty(`${out}.json`, JSON.stringify(json)));
  console.log(`\nwrote ${relative(REPO_ROOT, `${out}.md`)} and ${relative(REPO_ROOT, `${out}.json`)}`);
}

/** The page and the JSON written before (for a run that rewrites only its own section and key). */
async function readOut(out: string): Promise<{ md: string; json: Record<string, unknown> }> {
  const md = existsSync(`${out}.md`) ? await readFile(`${out}.md`, 'utf8') : '# Relevance evaluation\n';
  const json = existsSync(`${out}.json`) ? (JSON.parse(await readFile(`${out}.json`, 'utf8')) as Record<string, unknown>) : {};
  return { md, json };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      limit: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      out: { type: 'string', default: 'docs/evaluation' },
      quiet: { type: 'boolean', default: false },
      refresh: { type: 'boolean', default: false },
      'news-only': { type: 'boolean', default: false },
      'no-news': { type: 'boolean', default: false },
      'no-zh': { type: 'boolean', default: false },
      'zh-only': { type: 'boolean', default: false },
    },
  });
  if (missingShared) {
    console.error(missingShared);
    return 2;
  }
  const out = new URL(`../${values.out}`, import.meta.url).pathname;
  const write = !values['no-write'] && !values.limit;
  if (values['zh-only']) {
    // only the Chinese section of the page and the zh key of the JSON change
    const { dev } = await loadDevSet({ quiet: values.quiet });
    const zh = await chineseSection(dev);
    for (const line of zh.console) console.log(line);
    if (write) {
      const { md, json } = await readOut(out);
      const at = md.indexOf('\n## Chinese (zh)');
      const rest = at >= 0 ? md.slice(at + 1).search(/\n## (?!Chinese)/u) : -1;
      const before = at >= 0 ? md.slice(0, at) : md.trimEnd();
      const after = at >= 0 && rest >= 0 ? md.slice(at + 1 + rest) : '';
      await writeOut(out, `${before.trimEnd()}\n\n${zh.markdown.join('\n')}${after}`, { ...json, zh: zh.json });
    }
    return 0;
  }
  const news = values['no-news'] ? undefined : await runNewsExperiment({ quiet: values.quiet });
  const newsReport = news ? renderNews(news, { command: COMMAND }) : undefined;
  if (!values['no-news'] && !news) console.error('the news caption set (../shared/data/articles/readability/test-pages) is missing');

  if (values['news-only']) {
    if (!newsReport) return 2;
    for (const line of newsReport.console) console.log(line);
    if (write) {
      // only the news section of the page and the news key of the JSON change
      const { md, json } = await readOut(out);
      await writeOut(out, spliceNews(md, newsReport.markdown), { ...json, news: newsReport.json });
    }
    return 0;
  }

  const experiment = await runRelevanceExperiment({
    ...(values.limit ? { limit: Number(values.limit) } : {}),
    quiet: values.quiet,
    refresh: values.refresh,
  });
  const report = renderReport(experiment, { command: COMMAND, out: values.out });
  for (const line of report.console) console.log(line);
  for (const line of newsReport?.console ?? []) console.log(line);
  // Chinese: the same photos with Chinese class names through the Chinese path (tools/relevance/zh.ts)
  const zh = values['no-zh'] ? undefined : await chineseSection(experiment.dev);
  for (const line of zh?.console ?? []) console.log(line);

  if (write) {
    const md0 = newsReport ? spliceNews(report.markdown, newsReport.markdown) : report.markdown;
    const md = zh ? `${md0.trimEnd()}\n\n${zh.markdown.join('\n')}` : md0;
    const json0 = newsReport ? { ...report.json, news: newsReport.json } : report.json;
    await writeOut(out, md, zh ? { ...(json0 as object), zh: zh.json } : json0);
  }
  return 0;
}

async function chineseSection(dev: Parameters<typeof zhSet>[0]) {
  const zh = await zhSet(dev);
  return renderZh(runZh(dev, zh, loadCalibration().strategies), COMMAND);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
