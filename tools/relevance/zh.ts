/**
 * The Chinese relevance evaluation: the same ImageNet dev photos, paired with Chinese class names
 * written for the project (zh-classes.ts) and run through the Chinese path, to measure relevance in
 * Chinese and fit its calibration (bge-small-zh cosines live on another scale than MiniLM's).
 *
 * - Texts: each class's Chinese name goes through the production text path: the language registry's
 *   router (libs/pipeline/src/languages.ts: resolved as zh by its script → jieba terms, bge-small-zh
 *   embedding) inside createExtractor's text job.
 * - Photos: the image features cached by the English evaluation (the detector, OCR and faces do not
 *   depend on the language), with the text view rendered the way extract renders it for a Chinese
 *   article (the registry's zh renderer over the objects ≥ CONFIDENT_OBJECT_SCORE and the OCR text)
 *   and embedded by bge-small-zh.
 * - Pairs: the English evaluation's classes, folds, random and sibling negatives, with the Chinese
 *   name as the text (one variant: the name).
 * - Protocol: for fold k, the late and hybrid combiners are fitted on the ENGLISH training pairs of the
 *   other folds (the product's combiners are English-trained, fusion.json); the Platt calibrator and
 *   the threshold of each row are fitted on the Chinese training pairs (photo and text from the other
 *   folds) and applied to the Chinese pairs whose photo is in fold k. The shipped zh calibration
 *   (calibration.json `languages.zh`) is fitted on the out-of-fold scores, as the English one is.
 * Cached in .cache/eval/zh/ (git-ignored).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIDENT_OBJECT_SCORE, loadConfig, type ImageFeatures, type TextFeatures } from '@newsfuse/shared';
import { sha256hex } from '@newsfuse/shared/hash';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import { createExtractor } from '@newsfuse/stage-extract/extract';
import { createLanguageRouter } from '@newsfuse/pipeline/languages';
import { createStrategies, type FusionInput } from '@newsfuse/stage-fuse/strategies';
import { calibrate, type CalibrationFile, type StrategyCalibration } from '@newsfuse/stage-score/calibration';
import { EVAL_CACHE, writeJsonAtomic } from './data.ts';
import { FOLDS, type DevSet, type Pair, type PairKind } from './dataset.ts';
import {
  balanceWeights,
  baseSignals,
  calibrateFold,
  cell,
  fitStrategyCalibrations,
  fitWeights,
  STRATEGY_ROWS,
  type Cell,
  type Row,
  type Subset,
} from './run.ts';
import { ZH_CLASS_NAMES } from './zh-classes.ts';

/** The rows reported for Chinese: the strategies and the signals whose computation changed with the language. */
export const ZH_ROWS = [...STRATEGY_ROWS, 'embed_cos', 'object_match', 'textview_overlap', 'ocr_overlap'] as const;
const FLOOR: Record<string, number> = { embed_cos: -1 };

export interface ZhSet {
  /** The English dev set (classes, folds, negatives) with the Chinese texts and Chinese-path features. */
  dev: DevSet;
  model: string;
}

async function cached<T>(dir: string, key: string, make: () => Promise<T>): Promise<T> {
  const path = join(dir, `${sha256hex(key).slice(0, 32)}.json`);
  if (existsSync(path)) return JSON.parse(await readFile(path, 'utf8')) as T;
  const v = await make();
  await writeJsonAtomic(path, v);
  return v;
}

/** The Chinese name of a dev class (every class has one: a test holds it). */
export function zhName(label: string): string {
  const n = ZH_CLASS_NAMES[label];
  if (!n) throw new Error(`no Chinese name for the dev class ${JSON.stringify(label)} (tools/relevance/zh-classes.ts)`);
  return n;
}

/** The Chinese pairs: each class's positive, random and sibling negatives of the English set, with Chinese names. */
export function zhPairs(dev: DevSet): Pair[] {
  const pairs: Pair[] = [];
  for (const c of dev.classes) {
    const add = (textClass: number, kind: PairKind) =>
      pairs.push({
        image: c.index,
        textClass,
        variant: 'label',
        kind,
        label: kind === 'positive' ? 1 : 0,
        text: zhName(dev.classes[textClass]!.label.label),
      });
    add(c.index, 'positive');
    add(c.random, 'random');
    if (c.sibling >= 0) add(c.sibling, 'sibling');
  }
  return pairs;
}

/** Chinese-path features of the dev set (see the header), cached. */
export async function zhSet(dev: DevSet, onProgress?: (done: number, total: number) => void): Promise<ZhSet> {
  const cfg = loadConfig(AnalysisConfigSchema);
  const router = createLanguageRouter(cfg);
  const embedder = router.embedderFor('zh');
  const render = router.textViewFor('zh');
  if (!embedder || !render) throw new Error('the zh entry needs TEXT_EMBEDDINGS on (bge-small-zh) and its text view renderer');
  const extractor = createExtractor({
    text: router.text,
    image: { model: 'none', analyze: () => Promise.reject(new Error('no images here')) },
    fetchImage: () => Promise.reject(new Error('no images here')),
    embedderFor: router.embedderFor,
    textViewFor: router.textViewFor,
  });
  const model = `${router.supportFor('zh').models}`;
  const dir = join(EVAL_CACHE, 'zh');
  await mkdir(dir, { recursive: true });
  const pairs = zhPairs(dev);
  const texts = [...new Set(pairs.map((p) => p.text))];
  const total = texts.length + dev.images.length;
  let done = 0;
  const byText = new Map<string, TextFeatures>();
  for (const t of texts) {
    const f = await cached(dir, `text\n${model}\n${t}`, () =>
      extractor.text({ articleId: `eval-zh-${sha256hex(t).slice(0, 16)}`, version: 1, title: t }, { number: 1, of: 1 }),
    );
    if (f.language !== 'zh') throw new Error(`${t} was read as ${f.language}, not zh`);
    byText.set(t, f);
    onProgress?.(++done, total);
  }
  const images: ImageFeatures[] = [];
  for (const img of dev.images) {
    const f = img.features;
    if (f.status !== 'ok') {
      images.push(f);
      onProgress?.(++done, total);
      continue;
    }
    // what extract does for a Chinese article's photo: the registry's zh view, embedded by bge-small-zh
    const textView = render({ objects: f.objects.filter((o) => o.score >= CONFIDENT_OBJECT_SCORE), ocr: f.ocr });
    const embedding = textView.trim()
      ? await cached(dir, `view\n${model}\n${textView}`, async () => Array.from(await embedder.embedOne(textView)))
      : undefined;
    const { embedding: _english, ...rest } = f;
    images.push({ ...rest, textView, textViewLanguage: 'zh', ...(embedding ? { embedding } : {}) });
    onProgress?.(++done, total);
  }
  return {
    dev: {
      images: dev.images,
      classes: dev.classes,
      pairs,
      textFeatures: (t) => byText.get(t)!,
      imageFeatures: (i) => images[i]!,
    },
    model,
  };
}

export interface ZhResult {
  zh: ZhSet;
  rows: Row[];
  /** Per row and subset, vs random and sibling negatives. */
  cells: Record<string, Record<Subset, Cell>>;
  /** The hybrid's Chinese scores under the English calibration (what Chinese got before its own). */
  englishCalibration: Cell;
  /** The zh entry of calibration.json. */
  calibration: NonNullable<CalibrationFile['languages']>[string];
}

const input = (dev: DevSet, p: Pair): FusionInput => ({
  article: { title: p.text },
  text: dev.textFeatures(p.text),
  images: [dev.imageFeatures(p.image)],
});

function rawScores(dev: DevSet, idx: readonly number[], st: ReturnType<typeof createStrategies>): Map<string, number[]> {
  const out = new Map<string, number[]>(ZH_ROWS.map((r) => [r, []]));
  for (const i of idx) {
    const inp = input(dev, dev.pairs[i]!);
    for (const s of STRATEGY_ROWS) out.get(s)!.push(st[s](inp).perImage[0]!.signals.relevance ?? 0);
    const sig = st.early(inp).perImage[0]!.signals;
    for (const s of ZH_ROWS.slice(STRATEGY_ROWS.length)) out.get(s)!.push(sig[s] ?? FLOOR[s] ?? 0);
  }
  return out;
}

/**
 * Cross-validates every Chinese row (see the header) and fits the zh calibration. `english` is the
 * English dev set (its base signals train each fold's combiners); `englishCalibration` the committed
 * default calibration, to show what Chinese scores got under it.
 */
export function runZh(english: DevSet, zh: ZhSet, englishCalibration: Record<string, StrategyCalibration>): ZhResult {
  const dev = zh.dev;
  const n = dev.pairs.length;
  const base = baseSignals(english);
  const enFold = (cls: number) => english.classes[cls]!.fold;
  const raw = new Map(ZH_ROWS.map((r) => [r as string, new Array<number>(n).fill(NaN)]));
  const prob = new Map(ZH_ROWS.map((r) => [r as string, new Array<number>(n).fill(NaN)]));
  const decision = new Map(ZH_ROWS.map((r) => [r as string, new Array<0 | 1>(n).fill(0)]));
  for (let k = 0; k < FOLDS; k++) {
    // the fold's combiners: fitted on English training pairs only
    const enTrain = english.pairs
      .map((_p, i) => i)
      .filter((i) => enFold(english.pairs[i]!.image) !== k && enFold(english.pairs[i]!.textClass) !== k);
    const enLabels = enTrain.map((i) => english.pairs[i]!.label);
    const enW = balanceWeights(enLabels);
    const weights = fitWeights(
      enTrain.map((i, j) => ({ signals: base[i]!, label: enLabels[j]!, weight: enW[j]! })),
      'logistic',
      `fold ${k}`,
    );
    const st = createStrategies(weights);
    const train = dev.pairs.map((_p, i) => i).filter((i) => enFold(dev.pairs[i]!.image) !== k && enFold(dev.pairs[i]!.textClass) !== k);
    const test = dev.pairs.map((_p, i) => i).filter((i) => enFold(dev.pairs[i]!.image) === k);
    const labels = train.map((i) => dev.pairs[i]!.label);
    calibrateFold(
      ZH_ROWS,
      { train: rawScores(dev, train, st), labels, test, testScores: rawScores(dev, test, st) },
      { raw, prob, decision },
    );
  }
  const rows: Row[] = ZH_ROWS.map((name) => {
    const r = raw.get(name)!;
    const kind = (STRATEGY_ROWS as readonly string[]).includes(name) ? 'strategy' : 'signal';
    return { name, kind, raw: r, prob: prob.get(name)!, decision: decision.get(name)!, constant: r.every((v) => v === r[0]) };
  });
  const cells: ZhResult['cells'] = {};
  for (const row of rows)
    cells[row.name] = {
      all: cell(dev, row, 'all', 'pooled'),
      coco: cell(dev, row, 'coco', 'pooled'),
      rest: cell(dev, row, 'rest', 'pooled'),
    };

  // the shipped zh calibration: Platt on each strategy's out-of-fold scores, threshold by balanced accuracy
  const strategies = fitStrategyCalibrations(
    rows,
    dev.pairs.map((p) => p.label),
  );
  // what the hybrid's Chinese scores got under the English calibrator and threshold
  const hybrid = rows.find((r) => r.name === 'hybrid')!;
  const en = englishCalibration.hybrid;
  const enRow: Row = {
    ...hybrid,
    prob: en ? hybrid.raw.map((r) => calibrate(en.calibrator, r)) : hybrid.raw,
    decision: hybrid.raw.map((r) => ((en ? calibrate(en.calibrator, r) : r) >= (en?.threshold ?? 0.5) ? 1 : 0)),
  };
  const coco = dev.classes.filter((c) => c.coco).length;
  return {
    zh,
    rows,
    cells,
    englishCalibration: cell(dev, enRow, 'all', 'pooled'),
    calibration: {
      description:
        "Chinese articles (zh): per strategy, a Platt calibrator fitted on the strategy's out-of-fold relevance on the Chinese dev pairs (5-fold CV by class; each fold's combiners fitted on the English training pairs, as the product's are English-trained), " +
        'and the threshold on p that maximises balanced accuracy on the out-of-fold calibrated scores. Written by scripts/train-fusion.ts --lang zh.',
      data:
        `../shared/data/relevance/imagenet-dev: ${dev.images.length} ImageNet photos (${coco} classes COCO-covered), each paired with Chinese class names written for the project ` +
        `(tools/relevance/zh-classes.ts): its own class (positive), a random other class and its nearest WordNet sibling class (negatives): ${dev.pairs.length} pairs, classes balanced. ` +
        `Texts through the language router's zh entry (${zh.model}); photos: the English evaluation's image features with the text view rendered in Chinese and embedded by bge-small-zh. No captions.`,
      trainedAt: new Date().toISOString(),
      strategies,
    },
  };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

/** The Chinese section of the report: markdown lines and console lines. */
export function renderZh(r: ZhResult, command: string): { markdown: string[]; console: string[]; json: unknown } {
  const head =
    '| row | all AUC rnd | all AUC sib | all acc rnd | all acc sib | COCO AUC rnd | COCO AUC sib | COCO acc rnd | rest AUC rnd |';
  const sep = '| --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const lines = r.rows.map((row) => {
    const c = r.cells[row.name]!;
    return `| ${row.name} | ${f3(c.all.aucRandom)} | ${f3(c.all.aucSibling)} | ${f3(c.all.accRandom)} | ${f3(c.all.accSibling)} | ${f3(c.coco.aucRandom)} | ${f3(c.coco.aucSibling)} | ${f3(c.coco.accRandom)} | ${f3(c.rest.aucRandom)} |`;
  });
  const e = r.englishCalibration;
  const h = r.calibration.strategies.hybrid!;
  const cal = `zh hybrid calibration: Platt a ${(h.calibrator as { a: number }).a}, b ${(h.calibrator as { b: number }).b}, threshold ${h.threshold}`;
  const before = `the zh hybrid scores under the English calibrator and threshold: accuracy ${f3(e.accRandom)} vs random, ${f3(e.accSibling)} vs sibling`;
  const markdown = [
    '## Chinese (zh)',
    '',
    `Generated by \`${command}\` with the English figures above. The same photos, classes, folds and negatives, with **Chinese class names written for the project** (tools/relevance/zh-classes.ts, one name per class) as the texts, run through the Chinese path: the language router's zh entry (jieba terms, bge-small-zh embedding) for the texts, the text view rendered in Chinese (the COCO name table, libs/models/src/lexical/coco-zh.ts) and embedded by bge-small-zh for the photos. Each fold's combiners are fitted on the English training pairs (the product's combiners are English-trained); each row's Platt calibrator and threshold on the Chinese training pairs. ${r.zh.dev.pairs.length} pairs.`,
    '',
    head,
    sep,
    ...lines,
    '',
    `${cal} (calibration.json \`languages.zh\`, \`npx tsx scripts/train-fusion.ts --lang zh\`); ${before}.`,
    '',
  ];
  const consoleLines = ['', 'Chinese (zh), cross-validated:', head, sep, ...lines, cal, before];
  return {
    markdown,
    console: consoleLines,
    json: { pairs: r.zh.dev.pairs.length, cells: r.cells, englishCalibration: e, calibration: r.calibration },
  };
}
