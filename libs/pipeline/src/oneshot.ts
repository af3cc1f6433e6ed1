/**
 * extract → fuse → score in one process, without Kafka or Redis: the same stage modules as the
 * services (createExtractor, fuse, score) with in-memory collaborators. `newsfuse score`
 * (scripts/cli/score.ts) and the evaluations run it.
 */
import { createHash } from 'node:crypto';
import type { ImageFeatures, ScoredEvent } from '@newsfuse/shared/events';
import type { FuseJobData } from '@newsfuse/shared/jobs';
import type { AnalysisConfig } from '@newsfuse/models/config';
import type { Extractor } from '@newsfuse/stage-extract/extract';
import { createImageFetcher } from './analyzers.ts';
import { createAnalysisExtractor } from './extractor.ts';
import { fuse, type Joined } from '@newsfuse/stage-fuse/fuse';
import type { Strategies, StrategyName } from '@newsfuse/stage-fuse/strategies';
import { score, type ScoreOptions } from '@newsfuse/stage-score/score';
import { storyInputOf, type StoryClusterer } from '@newsfuse/stage-score/stories';

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
  strategies: Strategies,
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
    extractor
      .text({
        articleId,
        version: 1,
        title: input.title,
        ...(input.text ? { body: input.text } : {}),
        captions: images.flatMap((img, index) => (img.caption ? [{ index, text: img.caption, source: 'caption' as const }] : [])),
      })
      .then(
        (t) => ({ ok: t }),
        (e: unknown) => ({ error: String(e) }),
      ),
    ...images.map((img, index) =>
      extractor.image(
        { articleId, version: 1, index, url: img.url, ...(img.caption ? { caption: img.caption, captionSource: 'caption' as const } : {}) },
        attempt,
      ),
    ),
  ]);
  // The text worker decided the language; the article carries it as the flow builder's would.
  if ('ok' in text! && text.ok.language) data.article.language = text.ok.language;
  const joined: Joined = {
    text: 'ok' in text! ? text.ok : undefined,
    textFailure: 'error' in text! ? text.error : undefined,
    images: imgs as ImageFeatures[],
  };
  const fused = fuse(data, joined, strategies, strategy, new Date(), { oneshot_ms: Date.now() - started });
  const scoredAt = new Date();
  const storyInput = stories ? storyInputOf(fused, scoredAt) : null;
  const scored = score(fused, options, scoredAt, storyInput ? await stories!.assign(storyInput) : null);
  // The caller's id comes back exactly as given (the internal id is hashed when it is too short for
  // an ArticleEvent); without one, the hash of the title and text.
  return input.id !== undefined ? { ...scored, articleId: input.id } : scored;
}

/**
 * The extractor of a one-shot run: the real models, an in-memory document-frequency table, and
 * images from `readLocal` for file:// references (paths the user named) or the SSRF-guarded fetcher.
 */
export function createOneShotExtractor(cfg: AnalysisConfig, readLocal: (path: string) => Promise<Buffer>): Extractor {
  const remote = createImageFetcher(cfg);
  return createAnalysisExtractor(cfg, {
    fetchImage: (url) => (url.startsWith('file://') ? readLocal(url.slice('file://'.length)) : remote(url)),
  });
}
