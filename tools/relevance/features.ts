/**
 * Features of the shared labelled photos (../shared/data/relevance/imagenet-dev) for the relevance
 * evaluation and the training script, computed once through the same `createExtractor` path the
 * services use and cached in `.cache/eval/` (git-ignored).
 *
 * No leakage: the photos' file names carry their class, so the pipeline never sees them. Each photo is
 * handed over as an opaque URL built from its content hash (`https://eval.invalid/sha256/<hex>`), and
 * the fetcher answers from memory. Nothing about the file name reaches a feature.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageFeatures, TextFeatures } from '@newsfuse/shared';
import { createExtractor, type ImageAnalyzerPort } from '@newsfuse/stage-extract/extract';
import { loadConfig } from '@newsfuse/shared';
import { sha256hex } from '@newsfuse/shared/hash';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import { jointPortOf } from '@newsfuse/models/joint/adapter';
import { createEmbedderPort, createImageAnalyzerPort, createTextAnalyzerPort } from '@newsfuse/pipeline/analyzers';
import { EVAL_CACHE, writeJsonAtomic, IMAGENET_DEV, REPO_ROOT, devLabels, missingShared, opaqueUrl, type DevLabel } from './data.ts';

export { EVAL_CACHE, IMAGENET_DEV, REPO_ROOT, SHARED_DIR, devLabels, missingShared, opaqueUrl, type DevLabel } from './data.ts';

export interface DevImage {
  /** sha256 of the photo's bytes: the only identity the pipeline sees. */
  hash: string;
  label: DevLabel;
  features: ImageFeatures;
}

/**
 * The services' own image analyzer port (createImageAnalyzerPort with IMAGE_ANALYSIS=full and the
 * environment's IMAGE_OBJECT_MIN_SCORE / IMAGE_MAX_OBJECTS), so the evaluation measures what extract runs.
 */
export function fullImageAnalyzerPort(): { port: ImageAnalyzerPort; key: string } {
  const cfg = { ...loadConfig(AnalysisConfigSchema), IMAGE_ANALYSIS: 'full' as const };
  const port = createImageAnalyzerPort(cfg);
  return { port, key: port.model };
}

/** Hash of the image analyzer's source (the extract adapter, libs/models/src/image and the COCO label list). */
async function analyzerSources(): Promise<string> {
  const h = createHash('sha256');
  const imageDir = join(REPO_ROOT, 'libs', 'models', 'src', 'image');
  const files = [
    join(REPO_ROOT, 'services', 'extract', 'src', 'adapters', 'analyzers.ts'),
    // the detector's class names live outside image/ since the COCO label list became one leaf module
    join(REPO_ROOT, 'libs', 'models', 'src', 'coco-labels.ts'),
    ...(await readdir(imageDir))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .sort()
      .map((f) => join(imageDir, f)),
  ];
  for (const f of files) if (existsSync(f)) h.update(f.slice(REPO_ROOT.length)).update(await readFile(f));
  return h.digest('hex').slice(0, 16);
}

export interface DevFeatureOptions {
  /** Called after each item (cached or computed): done, total, what. */
  onProgress?: (done: number, total: number, what: 'image' | 'text', cached: boolean) => void;
  /** Announce the phases (e.g. to size a progress bar). */
  onPhase?: (phase: 'images' | 'texts', total: number) => void;
  /** Only the first N photos (smoke runs). */
  limit?: number;
  /** Recompute the image features even when cached. */
  refresh?: boolean;
}

export interface DevFeatures {
  images: DevImage[];
  /** TextFeatures of a text, by the text itself. */
  text: (text: string) => TextFeatures;
  /** stale: the cached image features predate the analyzer's current code (rerun with refresh). */
  models: { image: string; text: string; stale: boolean };
}

/**
 * Image features of every dev photo and text features of every text in `texts`, from the cache when
 * present. The cache key includes the analyzer's model string, so a different analyzer recomputes.
 */
export async function devFeatures(texts: (labels: DevLabel[]) => string[], opts: DevFeatureOptions = {}): Promise<DevFeatures> {
  if (missingShared) throw new Error(missingShared);
  const labels = (await devLabels()).slice(0, opts.limit ?? Infinity);
  const cfg = loadConfig(AnalysisConfigSchema);
  const embedder = createEmbedderPort(cfg);
  if (!embedder) throw new Error('TEXT_EMBEDDINGS is off: the evaluation needs MiniLM');
  const textPort = createTextAnalyzerPort(embedder);
  // A CLIP-style joint embedder, when JOINT_EMBEDDER_DIR is set (as in the services).
  const joint = jointPortOf(cfg, { intraOpNumThreads: cfg.ORT_THREADS });
  const jointTag = joint ? ` +joint:${joint.model}` : '';

  // Image features: keyed by content hash; the pipeline sees only the opaque URL.
  const bytesByHash = new Map<string, Buffer>();
  const hashes: string[] = [];
  for (const l of labels) {
    const bytes = await readFile(join(IMAGENET_DEV, 'images', l.file));
    const h = sha256hex(bytes);
    bytesByHash.set(h, bytes);
    hashes.push(h);
  }
  // One cache folder per analyzer.
  const image = fullImageAnalyzerPort();
  const imageDir = join(EVAL_CACHE, 'images', sha256hex(image.key + jointTag).slice(0, 16));
  await mkdir(imageDir, { recursive: true });
  const indexPath = join(imageDir, 'analyzer.json');
  const index = existsSync(indexPath) ? (JSON.parse(await readFile(indexPath, 'utf8')) as { model?: string; sources?: string }) : {};
  let imageModel = index.model;
  // The analyzer's code, to notice features cached by an older version of it.
  const sources = await analyzerSources();
  if (opts.refresh) await rm(imageDir, { recursive: true, force: true }).then(() => mkdir(imageDir, { recursive: true }));
  const stale = !opts.refresh && index.sources !== undefined && index.sources !== sources;

  const fetchImage = async (url: string) => {
    const h = /\/sha256\/([0-9a-f]{64})$/.exec(url)?.[1];
    const b = h ? bytesByHash.get(h) : undefined;
    if (!b) throw new Error(`unknown eval image ${url}`);
    return b;
  };

  const images: DevImage[] = [];
  opts.onPhase?.('images', labels.length);
  let extractor: ReturnType<typeof createExtractor> | undefined;
  for (let i = 0; i < labels.length; i++) {
    const h = hashes[i]!;
    const path = join(imageDir, `${h}.json`);
    let features: ImageFeatures | undefined;
    if (existsSync(path)) features = JSON.parse(await readFile(path, 'utf8')) as ImageFeatures;
    const cached = features !== undefined;
    if (!features) {
      extractor ??= createExtractor({ text: textPort, image: image.port, fetchImage, embedder, ...(joint ? { joint } : {}) });
      features = await extractor!.image(
        { articleId: `eval-${h.slice(0, 24)}`, version: 1, index: 0, url: opaqueUrl(h) },
        { number: 1, of: 1 },
      );
      await writeJsonAtomic(path, features);
      if (imageModel !== image.port.model || index.sources === undefined) {
        index.sources = sources;
        imageModel = image.port.model;
        await writeJsonAtomic(indexPath, { key: image.key, model: imageModel, sources });
      }
    }
    images.push({ hash: h, label: labels[i]!, features });
    opts.onProgress?.(i + 1, labels.length, 'image', cached);
  }

  if (index.sources === undefined && images.length === labels.length) {
    // a cache from before the code stamp: stamp it with the current code
    await writeJsonAtomic(indexPath, { key: image.key, model: imageModel ?? image.port.model, sources });
  }
  if (stale)
    process.stderr.write(`warning: the cached image features predate the image analyzer's current code; --refresh recomputes them\n`);

  // Text features of every text the evaluation pairs with the photos.
  const wanted = [...new Set(texts(labels))];
  const textDir = join(EVAL_CACHE, 'texts');
  await mkdir(textDir, { recursive: true });
  const textExtractor = createExtractor({
    text: textPort,
    image: { model: 'none', analyze: () => Promise.reject(new Error('no images here')) },
    fetchImage,
    embedder,
    ...(joint ? { joint } : {}),
  });
  const byText = new Map<string, TextFeatures>();
  opts.onPhase?.('texts', wanted.length);
  for (let i = 0; i < wanted.length; i++) {
    const t = wanted[i]!;
    const h = sha256hex(`${textPort.model}${jointTag}\n${t}`);
    const path = join(textDir, `${h}.json`);
    let f: TextFeatures | undefined;
    if (existsSync(path)) f = JSON.parse(await readFile(path, 'utf8')) as TextFeatures;
    const cached = f !== undefined;
    if (!f) {
      f = await textExtractor.text({ articleId: `eval-text-${h.slice(0, 20)}`, version: 1, title: t }, { number: 2, of: 2 });
      await writeJsonAtomic(path, f);
    }
    byText.set(t, f);
    opts.onProgress?.(i + 1, wanted.length, 'text', cached);
  }
  return {
    images,
    text: (t) => {
      const f = byText.get(t);
      if (!f) throw new Error(`no text features for ${JSON.stringify(t)}`);
      return f;
    },
    models: {
      image: (imageModel ?? image.port.model) + jointTag,
      text: textPort.model + jointTag,
      stale,
    },
  };
}
