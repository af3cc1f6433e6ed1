/**
 * Pure fusion logic: join the children's features by article, label what is missing, and run the
 * configured strategy. No Kafka, Redis or network in here.
 */
import { NewsFuseError } from '@newsfuse/shared/errors';
import {
  ImageFeatures,
  TextFeatures,
  decode,
  type FusedEvent,
  type ModalityLabel,
  type ImageFeatures as ImageFeaturesT,
  type TextFeatures as TextFeaturesT,
} from '@newsfuse/shared/events';
import { QUEUES, type FuseJobData } from '@newsfuse/shared/jobs';
import type { Strategies, StrategyName } from './strategies.ts';

export interface Joined {
  text: TextFeaturesT | undefined;
  textFailure: string | undefined;
  images: ImageFeaturesT[];
}

const queueOf = (jobKey: string): string | undefined => {
  // BullMQ child keys look like "<prefix>:<queue>:<jobId>"; our job IDs contain no colon.
  const parts = jobKey.split(':');
  return parts.length >= 3 ? parts[parts.length - 2] : undefined;
};

/**
 * Collects the children's results. `values` maps child job keys to their return values; `failures`
 * maps child keys that failed for good to their failure reasons (BullMQ's ignored failures).
 */
export function joinChildren(data: FuseJobData, values: Record<string, unknown>, failures: Record<string, string>): Joined {
  const { articleId, version } = data.article;
  let text: TextFeaturesT | undefined;
  let textFailure: string | undefined;
  const images = new Map<number, ImageFeaturesT>();
  for (const [key, value] of Object.entries(values)) {
    const queue = queueOf(key);
    if (queue === QUEUES.text) text = decode(TextFeatures, value);
    else if (queue === QUEUES.image) {
      const img = decode(ImageFeatures, value);
      images.set(img.index, img);
    }
  }
  for (const [key, reason] of Object.entries(failures)) {
    const queue = queueOf(key);
    if (queue === QUEUES.text) textFailure = reason || 'text extraction failed';
    else if (queue === QUEUES.image) {
      const index = Number(/-img(\d+)$/.exec(key)?.[1]);
      if (Number.isInteger(index) && !images.has(index)) {
        images.set(index, failedImage(data, index, 'EXTRACT_FAILED', reason || 'image extraction failed'));
      }
    }
  }
  // Every image the article declared is accounted for, even if its child vanished.
  data.article.images.forEach((_img, index) => {
    if (!images.has(index)) images.set(index, failedImage(data, index, 'EXTRACT_MISSING', 'no result from the image worker'));
  });
  if (!text && !textFailure) textFailure = 'no result from the text worker';
  return { text, textFailure, images: [...images.values()].sort((a, b) => a.index - b.index) };

  function failedImage(d: FuseJobData, index: number, code: string, reason: string): ImageFeaturesT {
    const ref = d.article.images[index];
    return { schemaVersion: 1, articleId, version, index, url: ref?.url ?? '', status: 'failed', code, reason };
  }
}

export function modalityLabel(joined: Joined, expectedImages: number): ModalityLabel {
  if (!joined.text) return 'text-failed';
  if (expectedImages === 0) return 'text-only';
  const ok = joined.images.filter((i) => i.status === 'ok').length;
  if (ok === 0) return 'image-failed';
  return ok < expectedImages ? 'partial' : 'complete';
}

/**
 * The fused event of a joined article. Throws JOIN_INCOMPLETE (not retriable: the children have failed
 * for good) when nothing is usable — the text failed and no image is ok — so the article goes to the
 * dead letters with its reasons instead of leaving as an event with nothing to score.
 */
export function fuse(
  data: FuseJobData,
  joined: Joined,
  strategies: Strategies,
  strategy: StrategyName,
  now: Date,
  timings: Record<string, number> = {},
): FusedEvent {
  const expected = data.article.images.length;
  const okImages = joined.images.filter((i) => i.status === 'ok').length;
  if (!joined.text && okImages === 0) {
    const images = joined.images.map((i) => (i.status === 'failed' ? `image ${i.index}: ${i.code} ${i.reason}` : '')).filter(Boolean);
    throw new NewsFuseError(
      'JOIN_INCOMPLETE',
      `no usable modality: text: ${joined.textFailure ?? 'missing'}${images.length ? `; ${images.join('; ')}` : ''}`,
      {
        details: { expectedImages: expected },
      },
    );
  }
  const { images: _images, ...summary } = data.article;
  return {
    schemaVersion: 1,
    articleId: data.article.articleId,
    version: data.article.version,
    strategy,
    article: summary,
    modalities: {
      label: modalityLabel(joined, expected),
      text: joined.text ? 'ok' : 'failed',
      images: { total: expected, ok: okImages, failed: expected - okImages },
    },
    ...(joined.text ? { text: joined.text } : {}),
    images: joined.images,
    fusion: strategies[strategy]({ article: data.article, text: joined.text, images: joined.images }),
    timings,
    ingestedAt: data.ingestedAt,
    fusedAt: now.toISOString(),
  };
}
