/**
 * `newsfuse score`: score articles in-process (extract → fuse → score without Kafka or Redis) with
 * @newsfuse/pipeline/oneshot; prints one ScoredEvent JSON line per article.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ScoredEvent, encode } from '@newsfuse/shared';
import { createOneShotExtractor, scoreOne, type OneShotInput } from '@newsfuse/pipeline/oneshot';
import { DEFAULT_STRATEGY, STRATEGY_NAMES, type StrategyName } from '@newsfuse/stage-fuse/strategies';
import { defaultScoreOptions } from '@newsfuse/stage-score/score';
import { loadCommittedWeights } from '@newsfuse/pipeline/weights';
import { createMemoryStories } from '@newsfuse/stage-score/stories';
import { storyOptionsOf } from '@newsfuse/stage-score/config';
import { loadCliConfig } from './config.ts';

const USAGE = `usage: newsfuse score --title T [--text X] [--image PATH_OR_URL ...] [--caption C ...]
       newsfuse score --jsonl FILE   (lines {"id","title","text","images":[path-or-url,...]})
options: --strategy ${STRATEGY_NAMES.join('|')} (default ${DEFAULT_STRATEGY})  --threshold 0..1 (default: the one chosen
         on the development data for the strategy)
Prints one ScoredEvent JSON per article (the schema of news.scored.v1). The articles of one run are
clustered into stories in memory (STORY_SIMILARITY, STORY_WINDOW_HOURS, STORY_MAX_ACTIVE; STORIES=false
turns it off), as the score service does in Redis.`;

export default async function scoreCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      title: { type: 'string' },
      text: { type: 'string' },
      image: { type: 'string', multiple: true },
      caption: { type: 'string', multiple: true },
      jsonl: { type: 'string' },
      strategy: { type: 'string', default: DEFAULT_STRATEGY },
      threshold: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.title && !values.jsonl) {
    process.stderr.write(`score: give --title or --jsonl\n${USAGE}\n`);
    return 2;
  }
  const strategy = values.strategy as StrategyName;
  if (!STRATEGY_NAMES.includes(strategy)) {
    process.stderr.write(`unknown strategy ${strategy}\n${USAGE}\n`);
    return 2;
  }
  const weights = loadCommittedWeights();
  const options = { ...defaultScoreOptions(weights.calibration), ...(values.threshold ? { threshold: Number(values.threshold) } : {}) };
  const cfg = loadCliConfig();
  // Local paths are read directly (the user named them); URLs go through the SSRF-guarded fetcher.
  const extractor = createOneShotExtractor(cfg, (path) => readFile(path));
  const stories = cfg.STORIES ? createMemoryStories(storyOptionsOf(cfg)) : undefined;
  const emit = (s: ScoredEvent) => process.stdout.write(`${encode(ScoredEvent, s)}\n`);
  if (values.jsonl) {
    let failed = 0;
    const lines = createInterface({ input: values.jsonl === '-' ? process.stdin : createReadStream(values.jsonl), crlfDelay: Infinity });
    let n = 0;
    let ok = 0;
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      let id: unknown;
      try {
        const row = JSON.parse(line) as OneShotInput;
        id = (row as { id?: unknown } | null)?.id;
        if (id !== undefined && typeof id !== 'string') throw new Error('"id" must be a string');
        if (typeof row.title !== 'string') throw new Error('"title" must be a string');
        if (row.images !== undefined && !(Array.isArray(row.images) && row.images.every((x) => typeof x === 'string')))
          throw new Error('"images" must be an array of paths or URLs');
        emit(await scoreOne(extractor, row, weights.strategies, strategy, options, stories));
        ok++;
      } catch (err) {
        failed++;
        const who = id === undefined ? 'no id' : `id ${JSON.stringify(id)}`;
        process.stderr.write(`score: line ${n} (${who}) failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
    process.stderr.write(`score: ${ok} scored, ${failed} failed\n`);
    return failed > 0 ? 1 : 0;
  }
  emit(
    await scoreOne(
      extractor,
      { title: values.title!, ...(values.text ? { text: values.text } : {}), images: values.image ?? [], captions: values.caption ?? [] },
      weights.strategies,
      strategy,
      options,
      stories,
    ),
  );
  return 0;
}
