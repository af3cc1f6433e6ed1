/**
 * `newsfuse score`: the extract → fuse → score logic in one process, without Kafka or Redis. The same
 * modules as the services (createExtractor, fuse, score), with in-memory collaborators.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { ScoredEvent, encode, type FuseJobData, type ImageFeatures } from '@newsfuse/shared';
import { jointPortFromEnv } from '@newsfuse/models/joint/adapter';
import { createExtractor, type Extractor } from '../../extract/src/extract.ts';
import { loadExtractConfig } from '../../extract/src/config.ts';
import {
  createEmbedderPort,
  createImageAnalyzerPort,
  createImageFetcher,
  createLocalTextAnalyzerPort,
} from '../../extract/src/adapters/analyzers.ts';
import { fuse, type Joined } from '../../fuse/src/fuse.ts';
import { DEFAULT_STRATEGY, STRATEGY_NAMES, type StrategyName } from '../../fuse/src/strategies.ts';
import { DEFAULT_SCORE_OPTIONS, score, type ScoreOptions } from './score.ts';
import { createMemoryStories, storyInputOf, type StoryClusterer } from './stories.ts';
import { loadScoreConfig, storyOptionsOf } from './config.ts';

export interface OneShotInput {
  id?: string;
  title: string;
  text?: string;
  images?: string[];
  captions?: string[];
}

export async function scoreOne(
  extractor: Extractor,
  input: OneShotInput,
  strategy: StrategyName,
  options: ScoreOptions,
  stories?: StoryClusterer,
): Promise<ScoredEvent> {
  const started = Date.now();
  const articleId =
    input.id && input.id.length >= 8
      ? input.id
      : createHash('sha256')
          .update(input.id ?? `${input.title}\n${input.text ?? ''}`)
          .digest('hex')
          .slice(0, 32);
  const images = (input.images ?? []).map((ref, i) => {
    const caption = input.captions?.[i];
    return { url: /^[a-z]+:\/\//i.test(ref) ? ref : `file://${ref}`, ...(caption ? { caption } : {}) };
  });
  const now = new Date().toISOString();
  const data: FuseJobData = {
    article: {
      articleId,
      version: 1,
      source: { kind: 'push' },
      url: `urn:newsfuse:${articleId}`,
      title: input.title,
      publishedAt: now,
      categories: [],
      images,
    },
    ingestedAt: now,
  };
  const attempt = { number: 1, of: 1 };
  const [text, ...imgs] = await Promise.all([
    extractor.text({ articleId, version: 1, title: input.title, ...(input.text ? { body: input.text } : {}) }).then(
      (t) => ({ ok: t }),
      (e: unknown) => ({ error: String(e) }),
    ),
    ...images.map((img, index) =>
      extractor.image({ articleId, version: 1, index, url: img.url, ...(img.caption ? { caption: img.caption } : {}) }, attempt),
    ),
  ]);
  const joined: Joined = {
    text: 'ok' in text! ? text.ok : undefined,
    textFailure: 'error' in text! ? text.error : undefined,
    images: imgs as ImageFeatures[],
  };
  const fused = fuse(data, joined, strategy, new Date(), { oneshot_ms: Date.now() - started });
  const scoredAt = new Date();
  const storyInput = stories ? storyInputOf(fused, scoredAt) : null;
  const scored = score(fused, options, scoredAt, storyInput ? await stories!.assign(storyInput) : null);
  // The caller's id comes back exactly as given (the internal id is hashed when it is too short for
  // an ArticleEvent); without one, the hash of the title and text.
  return input.id !== undefined ? { ...scored, articleId: input.id } : scored;
}

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
  const options = { ...DEFAULT_SCORE_OPTIONS, ...(values.threshold ? { threshold: Number(values.threshold) } : {}) };
  const cfg = loadExtractConfig({ ...process.env, NEWSFUSE_FETCH_ALLOW_HOSTS: process.env.NEWSFUSE_FETCH_ALLOW_HOSTS ?? '' });
  const embedder = createEmbedderPort(cfg);
  const remote = createImageFetcher(cfg);
  const joint = jointPortFromEnv(process.env, { intraOpNumThreads: cfg.ORT_THREADS });
  const extractor = createExtractor({
    text: createLocalTextAnalyzerPort(embedder),
    image: createImageAnalyzerPort(cfg),
    ...(joint ? { joint } : {}),
    // Local paths are read directly (the user named them); URLs go through the SSRF-guarded fetcher.
    fetchImage: (url) => (url.startsWith('file://') ? readFile(url.slice('file://'.length)) : remote(url)),
    ...(embedder ? { embedder } : {}),
  });
  const scoreCfg = loadScoreConfig();
  const stories = scoreCfg.STORIES ? createMemoryStories(storyOptionsOf(scoreCfg)) : undefined;
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
        emit(await scoreOne(extractor, row, strategy, options, stories));
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
      strategy,
      options,
      stories,
    ),
  );
  return 0;
}
