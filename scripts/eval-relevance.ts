/**
 * Relevance evaluation: every fusion strategy and every single signal on the shared ImageNet dev photos,
 * 5-fold cross-validated. Prints the results and writes docs/evaluation.md and docs/evaluation.json.
 *
 *   npm run eval:relevance [-- --limit N] [--no-write] [--refresh] [--quiet] [--out docs/evaluation]
 *
 * Each photo (under an opaque content-hash name: file names carry the class) is paired, per text
 * variant (label / WordNet lemmas / gloss), with its own class text, a random other class's text and
 * its nearest WordNet sibling's text. Features come from the same createExtractor path the services
 * use, computed once and cached in .cache/eval/. Everything learned (combiners, calibrators,
 * thresholds) is fitted on training folds only (folds by class; a training pair has photo and text
 * from training classes). The computation is tools/relevance/experiment.ts, the rendering
 * tools/relevance/report.ts; details: tools/relevance/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { missingShared, REPO_ROOT } from '../tools/relevance/features.ts';
import { runRelevanceExperiment } from '../tools/relevance/experiment.ts';
import { renderReport } from '../tools/relevance/report.ts';

const COMMAND = 'npm run eval:relevance';

/** Formats a generated file the way `npm run lint` checks it. */
async function pretty(path: string, text: string): Promise<string> {
  const prettier = await import('prettier');
  return prettier.format(text, { ...(await prettier.resolveConfig(path)), filepath: path });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      limit: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      out: { type: 'string', default: 'docs/evaluation' },
      quiet: { type: 'boolean', default: false },
      refresh: { type: 'boolean', default: false },
    },
  });
  if (missingShared) {
    console.error(missingShared);
    return 2;
  }
  const experiment = await runRelevanceExperiment({
    ...(values.limit ? { limit: Number(values.limit) } : {}),
    quiet: values.quiet,
    refresh: values.refresh,
  });
  const report = renderReport(experiment, { command: COMMAND, out: values.out });
  for (const line of report.console) console.log(line);

  if (!values['no-write'] && !values.limit) {
    const out = new URL(`../${values.out}`, import.meta.url).pathname;
    await mkdir(dirname(out), { recursive: true });
    await writeFile(`${out}.md`, await pretty(`${out}.md`, report.markdown));
    await writeFile(`${out}.json`, await pretty(`${out}.json`, JSON.stringify(report.json)));
    console.log(`\nwrote ${relative(REPO_ROOT, `${out}.md`)} and ${relative(REPO_ROOT, `${out}.json`)}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
