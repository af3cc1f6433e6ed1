/**
 * Events for unit tests: an ArticleEvent as ingest publishes it, and for fuse and score a well-formed
 * TextFeatures / ImageFeatures (status ok), each with neutral defaults and the test's own fields on top.
 */
import type { ArticleEvent, ImageFeatures, TextFeatures } from '@newsfuse/shared';

/** A pushed article with a title and nothing else unless given. */
export function articleEvent(over: Partial<ArticleEvent> = {}): ArticleEvent {
  return {
    schemaVersion: 1,
    articleId: 'a1b2c3d4e5f6',
    version: 1,
    source: { kind: 'push' },
    url: 'https://example.org/a',
    title: 'Title',
    publishedAt: '2026-01-01T00:00:00Z',
    fetchedAt: '2026-01-01T00:00:01Z',
    images: [],
    categories: [],
    authors: [],
    ...over,
  };
}

type OkText = Extract<TextFeatures, { status: 'ok' }>;
type OkImage = Extract<ImageFeatures, { status: 'ok' }>;

/** An analysed article text: no terms, keywords or embedding unless given. */
export function okText(over: Partial<OkText> = {}): TextFeatures {
  return {
    schemaVersion: 1,
    articleId: 'abcdef0123456789',
    version: 1,
    status: 'ok',
    tokens: 20,
    sentences: 2,
    terms: [],
    keywords: [],
    sentiment: { vader: 0, afinn: 0, combined: 0 },
    model: 'fake',
    ms: 1,
    ...over,
  };
}

/** An analysed image `index` (10×10 jpeg, nothing found) with a caption when given. */
export function okImage(index: number, caption?: string, over: Partial<OkImage> = {}): ImageFeatures {
  return {
    schemaVersion: 1,
    articleId: 'abcdef0123456789',
    version: 1,
    index,
    url: `https://e.org/${index}.jpg`,
    ...(caption ? { caption, captionSource: 'caption' as const } : {}),
    status: 'ok',
    width: 10,
    height: 10,
    format: 'jpeg',
    bytes: 100,
    colour: { mean: [1, 2, 3], std: [1, 1, 1], brightness: 0.5, saturation: 0.5 },
    objects: [],
    ocr: [],
    faces: [],
    textView: '',
    model: 'fake',
    ms: 1,
    ...over,
  };
}
