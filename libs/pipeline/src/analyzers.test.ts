import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGENET_DEV } from '@newsfuse/testkit/paths';
import { CONFIDENT_OBJECT_SCORE, ConfigError } from '@newsfuse/shared';
import { buildTextView } from '@newsfuse/models/image/features';
import type { Box } from '@newsfuse/models/image/detector';
import { loadConfig } from '@newsfuse/shared';
import { AnalysisConfigSchema } from '@newsfuse/models/config';

const loadExtractConfig = (env: Record<string, string>) => loadConfig(AnalysisConfigSchema, env);
import { createImageAnalyzerPort, createZhTextAnalyzerPort } from './analyzers.ts';
import { stemsOf } from '@newsfuse/text/terms';
import { getJieba } from '@newsfuse/text/zh';

test('config: objects down to IMAGE_OBJECT_MIN_SCORE (default 0.05), at most IMAGE_MAX_OBJECTS (default 50)', () => {
  const cfg = loadExtractConfig({});
  assert.equal(cfg.IMAGE_OBJECT_MIN_SCORE, 0.05);
  assert.equal(cfg.IMAGE_MAX_OBJECTS, 50);
  assert.equal(loadExtractConfig({ IMAGE_OBJECT_MIN_SCORE: '0.1', IMAGE_MAX_OBJECTS: '20' }).IMAGE_OBJECT_MIN_SCORE, 0.1);
  for (const [name, value] of [
    ['IMAGE_OBJECT_MIN_SCORE', '0.5'], // above the confident floor: would drop objects the text view names
    ['IMAGE_OBJECT_MIN_SCORE', '0'],
    ['IMAGE_OBJECT_MIN_SCORE', 'low'],
    ['IMAGE_MAX_OBJECTS', '0'],
    ['IMAGE_MAX_OBJECTS', '500'],
  ] as const)
    assert.throws(
      () => loadExtractConfig({ [name]: value }),
      (e: unknown) => e instanceof ConfigError && e.message.includes(name),
      `${name}=${value}`,
    );
});

test('config: MODEL_ENGINE onnx by default, tfjs selectable (and named in the port), nothing else', () => {
  assert.equal(loadExtractConfig({}).MODEL_ENGINE, 'onnx');
  assert.equal(loadExtractConfig({ MODEL_ENGINE: 'tfjs' }).MODEL_ENGINE, 'tfjs');
  assert.throws(
    () => loadExtractConfig({ MODEL_ENGINE: 'tensorflow' }),
    (e: unknown) => e instanceof ConfigError && e.message.includes('MODEL_ENGINE'),
  );
  const model = (env: Record<string, string>) => createImageAnalyzerPort(loadExtractConfig({ IMAGE_ANALYSIS: 'full', ...env })).model;
  assert.doesNotMatch(model({}), /@tfjs/);
  assert.match(model({ MODEL_ENGINE: 'tfjs' }), /blazeface-emotion@tfjs$/);
});

test('config: MODEL_PRECISION int8 by default, fp32 selectable; the int8 text detector is named in the port', () => {
  assert.equal(loadExtractConfig({}).MODEL_PRECISION, 'int8');
  assert.equal(loadExtractConfig({ MODEL_PRECISION: 'fp32' }).MODEL_PRECISION, 'fp32');
  assert.throws(
    () => loadExtractConfig({ MODEL_PRECISION: 'fp16' }),
    (e: unknown) => e instanceof ConfigError && e.message.includes('MODEL_PRECISION'),
  );
  const model = (env: Record<string, string>) => createImageAnalyzerPort(loadExtractConfig({ IMAGE_ANALYSIS: 'full', ...env })).model;
  assert.match(model({}), /^centernet-fit\(.*\+ppocr-v4-int8\+blazeface-emotion$/);
  assert.match(model({ MODEL_PRECISION: 'fp32' }), /^centernet-fit\(.*\+ppocr-v4\+blazeface-emotion$/);
  // the text detector runs on onnx with either engine
  assert.match(model({ MODEL_ENGINE: 'tfjs' }), /^centernet\(.*\+ppocr-v4-int8\+blazeface-emotion@tfjs$/);
});

test("config: DETECTOR_INPUT fit by default, letterbox selectable; 'fit' named in the port (onnx only: tfjs always letterboxes)", () => {
  assert.equal(loadExtractConfig({}).DETECTOR_INPUT, 'fit');
  assert.equal(loadExtractConfig({ DETECTOR_INPUT: 'letterbox' }).DETECTOR_INPUT, 'letterbox');
  assert.throws(
    () => loadExtractConfig({ DETECTOR_INPUT: 'stretch' }),
    (e: unknown) => e instanceof ConfigError && e.message.includes('DETECTOR_INPUT'),
  );
  const model = (env: Record<string, string>) => createImageAnalyzerPort(loadExtractConfig({ IMAGE_ANALYSIS: 'full', ...env })).model;
  assert.match(model({}), /^centernet-fit\(/);
  assert.match(model({ DETECTOR_INPUT: 'letterbox' }), /^centernet\(/);
  assert.match(model({ MODEL_ENGINE: 'tfjs', DETECTOR_INPUT: 'fit' }), /^centernet\(/);
});

// A real photo and the real models (detector, OCR, faces): a hen, which CenterNet sees as a bird.
const photo = join(IMAGENET_DEV, 'images', 'n01514859_hen.JPEG');
const missing = existsSync(photo) ? false : `shared photo not found at ${photo} (../shared beside the repo)`;

test(
  'full analyzer: low-score objects reported with their scores; the text view names only confident ones',
  { skip: missing },
  async () => {
    const port = createImageAnalyzerPort(loadExtractConfig({ IMAGE_ANALYSIS: 'full', IMAGE_MAX_OBJECTS: '30' }));
    assert.match(port.model, /objects>=0\.05,max30,view>=0\.3/);
    const a = await port.analyze(await readFile(photo), {});
    const scores = a.objects.map((o) => o.score);
    assert.ok(a.objects.length > 0 && a.objects.length <= 30);
    assert.ok(scores.every((s) => s >= 0.05 && s <= 1));
    assert.deepEqual(
      scores,
      [...scores].sort((x, y) => y - x),
      'best first',
    );
    const confident = a.objects.filter((o) => o.score >= CONFIDENT_OBJECT_SCORE);
    assert.ok(
      confident.some((o) => o.label === 'bird'),
      JSON.stringify(a.objects),
    );
    assert.ok(
      a.objects.some((o) => o.score < CONFIDENT_OBJECT_SCORE),
      'the low floor adds detections',
    );
    assert.equal(
      a.textView,
      buildTextView(
        confident.map((o) => ({ ...o, box: o.box as Box })),
        a.ocr,
      ),
    );
    for (const o of a.objects.filter((x) => !confident.some((c) => c.label === x.label))) assert.ok(!a.textView.includes(o.label), o.label);
  },
);

test('Chinese text port: terms are termsOf(title + body), made from the words the keywords are made of (jieba reads the text once)', async (t) => {
  const port = createZhTextAnalyzerPort(undefined);
  const input = {
    title: '股市暴跌，投资者损失惨重',
    body: '周一，上海股市大幅下跌，沪指收盘下跌百分之五。分析人士表示，市场恐慌情绪蔓延！',
  };
  const expected = stemsOf(`${input.title}\n${input.body}`, { lang: 'zh' });
  const cut = t.mock.method(getJieba(), 'cut');
  const a = await port.analyze(input, { observe: false });
  assert.deepEqual(a.terms, expected);
  // text across a sentence break is cut only where the whole body is (the lexicon cuts sentence by sentence): once
  const across = '沪指收盘下跌百分之五。分析人士表示';
  assert.equal(cut.mock.calls.filter((c) => String(c.arguments[0]).includes(across)).length, 1);
  // markup or a character reference in the input: the words of the input as written, as ever
  const marked = { title: input.title, body: '房&#38388;很大。<b>中国</b>政府发布公告。' };
  assert.deepEqual((await port.analyze(marked, { observe: false })).terms, stemsOf(`${marked.title}\n${marked.body}`, { lang: 'zh' }));
});
