/**
 * Pure: turns an ArticleEvent into the BullMQ flow that joins its features. Job IDs derive from
 * articleId+version, so a redelivered Kafka message adds nothing.
 */
import type { FlowJob } from 'bullmq';
import { QUEUES, type ArticleEvent, type FuseJobData, type ImageJobData, type TextJobData } from '@newsfuse/shared';
import { resolveLanguage } from '@newsfuse/text/language';

export interface FlowOptions {
  attempts: number;
  backoffMs: number;
  /** How long completed jobs stay (their IDs are the dedup window for redeliveries). */
  keepCompletedSeconds: number;
  keepFailedSeconds: number;
}

export const jobIdFor = (articleId: string, version: number, suffix?: string | number): string =>
  suffix === undefined ? `${articleId}-v${version}` : `${articleId}-v${version}-${suffix}`;

/**
 * What describes an image (only the article's own metadata): its caption, or its alt text when it has
 * no caption — marked as such, since alt text is often a placeholder or a teaser headline.
 */
export function captionOf(image: ArticleEvent['images'][number]): { text: string; source: 'caption' | 'alt' } | undefined {
  const caption = image.caption?.trim();
  if (caption) return { text: caption, source: 'caption' };
  const alt = image.alt?.trim();
  return alt ? { text: alt, source: 'alt' } : undefined;
}

export function buildFlow(article: ArticleEvent, prefix: string, opts: FlowOptions, ingestedAt: string): FlowJob {
  const common = {
    attempts: opts.attempts,
    backoff: { type: 'exponential', delay: opts.backoffMs },
    removeOnComplete: { age: opts.keepCompletedSeconds },
    removeOnFail: { age: opts.keepFailedSeconds },
  };
  const childOpts = { ...common, ignoreDependencyOnFailure: true };
  // The article's language, decided once here (the declared one is a hint): every job of the flow carries it.
  const { language } = resolveLanguage({
    declared: article.language,
    title: article.title,
    text: [article.summary, article.body].filter(Boolean).join('\n\n'),
  });
  const text: TextJobData = {
    articleId: article.articleId,
    version: article.version,
    title: article.title,
    ...(article.summary ? { summary: article.summary } : {}),
    ...(article.body ? { body: article.body } : {}),
    language,
  };
  const captions = article.images.flatMap((image, index) => {
    const c = captionOf(image);
    return c ? [{ index, text: c.text, source: c.source }] : [];
  });
  if (captions.length > 0) text.captions = captions;
  const fuse: FuseJobData = {
    article: {
      articleId: article.articleId,
      version: article.version,
      source: article.source,
      url: article.url,
      title: article.title,
      publishedAt: article.publishedAt,
      categories: article.categories,
      images: article.images,
      language,
    },
    ingestedAt,
  };
  return {
    name: 'fuse',
    queueName: QUEUES.fuse,
    prefix,
    data: fuse,
    opts: { ...common, jobId: jobIdFor(article.articleId, article.version) },
    children: [
      {
        name: 'text',
        queueName: QUEUES.text,
        prefix,
        data: text,
        opts: { ...childOpts, jobId: jobIdFor(article.articleId, article.version, 'text') },
      },
      ...article.images.map((image, index) => {
        const caption = captionOf(image);
        const data: ImageJobData = {
          articleId: article.articleId,
          version: article.version,
          index,
          url: image.url,
          ...(caption ? { caption: caption.text, captionSource: caption.source } : {}),
          language,
        };
        return {
          name: 'image',
          queueName: QUEUES.image,
          prefix,
          data,
          opts: { ...childOpts, jobId: jobIdFor(article.articleId, article.version, `img${index}`) },
        };
      }),
    ],
  };
}
