/**
 * Text features of the news caption set (tools/relevance/news.ts), computed once through the same
 * `createExtractor` text job and language router the extract service runs, and cached in
 * `.cache/eval/news/` (git-ignored).
 *
 * Each article goes through the text job with every caption it is paired with (its own ones and the
 * other articles' captions of its negatives) as the job's `captions`, so the caption embeddings and
 * best-sentence cosines are the ones the services would compute. There are no photos in the set: a
 * pair is the article with one image that has the caption (or alt text) and could not be analysed,
 * which is how the fuse stage sees a captioned photo it has no pixels for.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig, type ImageFeatures, type TextFeatures } from '@newsfuse/shared';
import { sha256hex } from '@newsfuse/shared/hash';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import { createExtractor } from '@newsfuse/stage-extract/extract';
import { createLanguageRouter, isSupported } from '@newsfuse/pipeline/languages';
import { captionSettings } from '@newsfuse/pipeline/extractor';
import type { FusionInput } from '@newsfuse/stage-fuse/strategies';
import { EVAL_CACHE, writeJsonAtomic } from './data.ts';
import { loadNewsSet, type NewsPair, type NewsSet } from './news.ts';

export const NEWS_CACHE = join(EVAL_CACHE, 'news');
/**
 * Bumped when the text job's caption work changes (the cache key is the job's input, not its code):
 * 2 = a caption is no longer compared with its own copy in the body (extract's storySentences).
 * 3 = nor are its words, entities and numbers (extract's storyText: captionOnlyTerms, entities, numbers).
 * 4 = a caption is compared with 12 sentences chosen by shared words, not the first 40 (captions.ts).
 */
const FEATURES_VERSION = 4;
/** The text job embeds at most this many captions per article. */
const JOB_CAPTIONS = 32;

export interface NewsFeatures {
  set: NewsSet;
  /** Text features of each article (by article index), with the caption records of every paired caption. */
  text: TextFeatures[];
  /** Whether a model reads the article's (resolved) language: only those articles get a relevance score. */
  supported: boolean[];
  model: string;
}

/** The captions each article is paired with (caption indices into set.captions), in order. */
export function pairedCaptions(set: NewsSet): number[][] {
  const out = set.articles.map(() => new Set<number>());
  for (const p of set.pairs) out[p.article]!.add(p.caption);
  return out.map((s) => [...s].sort((a, b) => a - b));
}

/** Text features of every article of the news set, from the cache when present. */
export async function newsFeatures(
  opts: { set?: NewsSet; onProgress?: (done: number, total: number, cached: boolean) => void } = {},
): Promise<NewsFeatures | undefined> {
  const set = opts.set ?? loadNewsSet();
  if (!set) return undefined;
  const cfg = loadConfig(AnalysisConfigSchema);
  if (!cfg.TEXT_EMBEDDINGS) throw new Error('TEXT_EMBEDDINGS is off: the news evaluation needs the sentence embedders');
  const router = createLanguageRouter(cfg);
  const extractor = createExtractor({
    text: router.text,
    image: { model: 'none', analyze: () => Promise.reject(new Error('no images here')) },
    fetchImage: () => Promise.reject(new Error('no images here')),
    embedderFor: router.embedderFor,
    ...captionSettings(cfg),
  });
  // settings other than the defaults are part of the cache key (the defaults keep the key they had)
  const settings = [cfg.CAPTION_SENTENCES, cfg.CAPTION_CHOICE].filter((x) => x !== undefined).join(' ');
  await mkdir(NEWS_CACHE, { recursive: true });
  const paired = pairedCaptions(set);
  const text: TextFeatures[] = [];
  for (let a = 0; a < set.articles.length; a++) {
    const art = set.articles[a]!;
    const captions = paired[a]!.map((c) => ({ index: c, text: set.captions[c]!.text, source: set.captions[c]!.source }));
    const job = {
      articleId: `news-${sha256hex(art.id).slice(0, 16)}`,
      version: 1,
      title: art.title,
      ...(art.lead ? { summary: art.lead } : {}),
      body: art.body,
      language: art.language,
    };
    const key = `${router.text.model}\n${FEATURES_VERSION}\n${JSON.stringify({ job, captions })}`;
    const path = join(NEWS_CACHE, `${sha256hex(settings ? `${key}\n${settings}` : key)}.json`);
    let f: TextFeatures | undefined;
    if (existsSync(path)) f = JSON.parse(await readFile(path, 'utf8')) as TextFeatures;
    const cached = f !== undefined;
    if (!f) {
      // the text job embeds up to JOB_CAPTIONS captions: more go through further runs of the same job
      const records: NonNullable<TextFeatures['captions']> = [];
      for (let i = 0; i === 0 || i < captions.length; i += JOB_CAPTIONS) {
        const part = await extractor.text({ ...job, captions: captions.slice(i, i + JOB_CAPTIONS) }, { number: i === 0 ? 1 : 2, of: 2 });
        f ??= part;
        records.push(...(part.captions ?? []));
      }
      f = { ...f!, ...(records.length > 0 ? { captions: records } : {}) };
      await writeJsonAtomic(path, f);
    }
    text.push(f);
    opts.onProgress?.(a + 1, set.articles.length, cached);
  }
  return {
    set,
    text,
    supported: text.map((t) => !t.unsupported && isSupported(t.language)),
    model: router.text.model,
  };
}

/** The pair as the fuse stage sees it: the article and one captioned image it could not analyse. */
export function newsFusionInput(f: Pick<NewsFeatures, 'set' | 'text'>, p: NewsPair): FusionInput {
  const art = f.set.articles[p.article]!;
  const c = f.set.captions[p.caption]!;
  const text = f.text[p.article]!;
  const image: ImageFeatures = {
    schemaVersion: 1,
    articleId: text.articleId,
    version: 1,
    index: p.caption,
    url: 'https://eval.invalid/news-caption',
    caption: c.text,
    captionSource: c.source,
    status: 'failed',
    code: 'EXTRACT_MISSING', // no photo behind the caption: no image result, as fuse records a missing one
    reason: 'the news caption set has no photos',
  };
  return { article: { title: art.title }, text, images: [image] };
}
