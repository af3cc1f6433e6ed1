/**
 * Pure: what extract's jobs for an article carry — the article's language, decided once from its text
 * (the declared one is a hint), the text job's data with the images' captions, one image job's data per
 * image, and the article as the fuse stage reads it. The service wraps these in a BullMQ flow
 * (services/extract adapters/flow.ts: queues, job IDs, retries); the benchmark's extract-alone run
 * (bench/lib/alone.ts) feeds the same data to the same processors without the queues.
 */
import type { ArticleEvent, FuseJobData, ImageJobData, TextJobData } from '@newsfuse/shared';
import { resolveLanguage } from '@newsfuse/text/language';

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

export interface ArticleJobs {
  language: string;
  text: TextJobData;
  /** One per image, in the article's order (`index` is the image's position). */
  images: ImageJobData[];
  /** The article as the fuse job carries it. */
  article: FuseJobData['article'];
}

export function articleJobs(article: ArticleEvent): ArticleJobs {
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
  const images = article.images.map((image, index): ImageJobData => {
    const caption = captionOf(image);
    return {
      articleId: article.articleId,
      version: article.version,
      index,
      url: image.url,
      ...(caption ? { caption: caption.text, captionSource: caption.source } : {}),
      language,
    };
  });
  return {
    language,
    text,
    images,
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
  };
}
